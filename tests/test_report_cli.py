"""`cramp-dx report CASE.json -o OUT.pdf`: the command a script or a clinician runs."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

import pytest
from support.report import CASES, flat, page_texts

from cramp_dx.cli.main import main
from cramp_dx.settings import Letterhead, Settings, save_settings


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config"
    monkeypatch.setenv("CRAMP_DX_CONFIG_DIR", str(config))
    monkeypatch.setenv("CRAMP_DX_DATA_DIR", str(tmp_path / "data"))
    return config


def test_case_file_becomes_a_pdf_with_the_settings_letterhead(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_settings(Settings(letterhead=Letterhead("Zürich Spine Clinic", "Seestrasse 1")))
    out = tmp_path / "ex3.pdf"
    assert main(["report", str(CASES / "ex3-scar-or-disc.json"), "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = flat("\n".join(page_texts(out)))
    assert "Zürich Spine Clinic" in text and "Seestrasse 1" in text
    assert "Exämple-O'Neil, Zoë" in text


def test_bad_case_file_names_the_field_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads((CASES / "ex1-diuretic-cramps.json").read_text(encoding="utf-8"))
    data["labs"][0]["value"] = 45  # potassium 45 mmol/L: a typo, not a value
    case = tmp_path / "bad.json"
    case.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "bad.pdf"
    assert main(["report", str(case), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "labs[0].value" in err and "Traceback" not in err
    assert not out.exists()


def test_neither_case_nor_mrn_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "-o", str(tmp_path / "x.pdf")]) == 2
    assert "give a case file or --mrn" in capsys.readouterr().err


def test_output_must_be_a_pdf_in_an_existing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = str(CASES / "ex1-diuretic-cramps.json")
    assert main(["report", case, "-o", str(tmp_path / "x.txt")]) == 2
    assert main(["report", case, "-o", str(tmp_path / "missing" / "x.pdf")]) == 2
    err = capsys.readouterr().err
    assert "--output" in err and "must end in .pdf" in err and "does not exist" in err


def _saved_signed_visit(url: str) -> int:
    from cramp_dx.casefile.io import read_case
    from cramp_dx.services import Services
    from cramp_dx.services.changes import AcknowledgeRedFlag
    from cramp_dx.store import open_database

    database = open_database(url)
    try:
        Services.create_account(database, "ada", "correct horse", "physician", "Dr Ada Ng")
        services = Services(database, Services.authenticate(database, "ada", "correct horse"))
        record = services.import_case(read_case(CASES / "ex2-early-swollen-calf.json"))
        services.apply(record.id, AcknowledgeRedFlag("dvt_likely"), record.version)  # signing needs it
        services.sign(record.id)
        return record.id
    finally:
        database.dispose()


def test_saved_visit_prints_signer_and_is_audited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cramp_dx.services import Services
    from cramp_dx.store import open_database

    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    visit_id = _saved_signed_visit(url)
    out = tmp_path / "visit.pdf"
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse\n"))
    argv = ["report", "--mrn", "EX-0002", "-o", str(out), "--database-url", url,
            "--user", "ada", "--password-stdin"]
    assert main(argv) == 0, capsys.readouterr().err
    database = open_database(url)
    try:
        services = Services(database, Services.authenticate(database, "ada", "correct horse"))
        record = services.visit_for("EX-0002")
        trail = services.audit_trail(record.patient_id)
    finally:
        database.dispose()
    text = flat("\n".join(page_texts(out)))
    assert f"Signed by {record.signed_by}, " in text and "Example, Bert" in text
    pdf_events = [e for e in trail if e.action == "pdf"]
    assert [(e.visit_id, json.loads(e.new_value)) for e in pdf_events] == [
        (visit_id, str(out.resolve()))
    ]


def test_unknown_mrn_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    _saved_signed_visit(url)
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse\n"))
    argv = ["report", "--mrn", "NOPE", "-o", str(tmp_path / "x.pdf"), "--database-url", url,
            "--user", "ada", "--password-stdin"]
    assert main(argv) == 2
    assert "NOPE" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()

"""`cramp-dx export-fhir`: a case file, or a saved visit through the service layer (audited)."""

from __future__ import annotations

import base64
import io
import json
import os
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from support.fhir import LOINC, codes, labs, only, resources, validate
from support.record import CASES, PASSWORDS, make_record

from cramp_dx.cli.main import main
from cramp_dx.errors import CrampDxError
from cramp_dx.services import Services
from cramp_dx.services.changes import AcknowledgeRedFlag
from cramp_dx.store import open_database


@pytest.fixture
def url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    make_record(url).db.dispose()
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", url)
    return url


def cli(monkeypatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


def as_doc(*argv: str) -> tuple[str, ...]:
    return (*argv, "--user", "doc", "--password-stdin")


def imported(monkeypatch, capsys, name: str) -> int:
    assert cli(monkeypatch, *as_doc("import", str(CASES / f"{name}.json")), stdin=PASSWORDS["doc"]) == 0
    return int(capsys.readouterr().out.strip())


def test_a_case_file_exports_a_valid_bundle_readable_by_the_owner_only(tmp_path, monkeypatch):
    out = tmp_path / "bundle.json"
    argv = ("export-fhir", "--case", str(CASES / "ex1-diuretic-cramps.json"), "-o", str(out))
    assert cli(monkeypatch, *argv) == 0
    bundle = json.loads(out.read_text(encoding="utf-8"))
    validate(bundle)
    assert only(bundle, "Patient")["identifier"][0]["value"] == "EX-0001"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["bundle.json"]


def test_an_existing_output_file_is_replaced_and_made_private(tmp_path, monkeypatch):
    out = tmp_path / "bundle.json"
    out.write_text("old")
    out.chmod(0o644)
    assert (
        cli(monkeypatch, "export-fhir", "--case", str(CASES / "ex2-early-swollen-calf.json"), "-o", str(out))
        == 0
    )
    validate(json.loads(out.read_text(encoding="utf-8")))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_without_output_the_bundle_goes_to_stdout(monkeypatch, capsys):
    assert cli(monkeypatch, "export-fhir", "--case", str(CASES / "ex3-scar-or-disc.json")) == 0
    validate(json.loads(capsys.readouterr().out))


def test_no_source_or_two_sources_exit_2_naming_the_option(monkeypatch, capsys):
    assert cli(monkeypatch, "export-fhir") == 2
    assert "--mrn" in capsys.readouterr().err
    argv = ("export-fhir", "--case", str(CASES / "ex1-diuretic-cramps.json"), "--mrn", "EX-0001")
    assert cli(monkeypatch, *argv) == 2
    err = capsys.readouterr().err
    assert "--case: give either --case or --mrn" in err and "Traceback" not in err


def test_a_bad_case_file_exits_2_naming_the_field(tmp_path, monkeypatch, capsys):
    case = json.loads((CASES / "ex1-diuretic-cramps.json").read_text())
    case["labs"][0]["value"] = 45
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(case))
    assert cli(monkeypatch, "export-fhir", "--case", str(bad), "-o", str(tmp_path / "b.json")) == 2
    assert "labs[0].value" in capsys.readouterr().err
    assert not (tmp_path / "b.json").exists()


def test_an_output_in_a_missing_folder_exits_2(tmp_path, monkeypatch, capsys):
    argv = (
        "export-fhir",
        "--case",
        str(CASES / "ex1-diuretic-cramps.json"),
        "-o",
        str(tmp_path / "no" / "b.json"),
    )
    assert cli(monkeypatch, *argv) == 2
    assert "--output: folder" in capsys.readouterr().err


def test_a_saved_visit_exports_through_the_service_and_the_export_is_audited(
    url, tmp_path, monkeypatch, capsys
):
    visit_id = imported(monkeypatch, capsys, "ex1-diuretic-cramps")
    out = tmp_path / "bundle.json"
    argv = as_doc("export-fhir", "--mrn", "EX-0001", "--visit", str(visit_id), "-o", str(out))
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["doc"]) == 0
    bundle = json.loads(out.read_text(encoding="utf-8"))
    validate(bundle)
    assert only(bundle, "Encounter")["identifier"][0]["value"] == str(visit_id)
    assert codes(labs(bundle)[0]["code"], LOINC) == ["2823-3"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600

    with signed_in(url) as services:
        trail = services.audit_trail(services.visit_for("EX-0001").patient_id)
    export = [e for e in trail if e.action == "export"]
    assert len(export) == 1
    assert (export[0].username, export[0].visit_id, export[0].field) == ("doc", visit_id, "fhir")
    assert json.loads(export[0].new_value) == str(out.resolve())


@contextmanager
def signed_in(url: str, who: str = "doc") -> Iterator[Services]:
    db = open_database(url)
    try:
        yield Services(db, Services.authenticate(db, who, PASSWORDS[who]))
    finally:
        db.dispose()


def test_the_latest_visit_is_exported_by_default_to_stdout_and_audited(url, monkeypatch, capsys):
    imported(monkeypatch, capsys, "ex3-scar-or-disc")
    assert cli(monkeypatch, *as_doc("export-fhir", "--mrn", "EX-0003"), stdin=PASSWORDS["doc"]) == 0
    bundle = json.loads(capsys.readouterr().out)
    validate(bundle)
    assert only(bundle, "Patient")["name"][0]["given"] == ["Zoë"]
    with signed_in(url) as services:
        trail = services.audit_trail(services.visit_for("EX-0003").patient_id)
    assert [(e.action, json.loads(e.new_value)) for e in trail if e.action == "export"] == [("export", "-")]


def test_a_signed_visit_exports_as_completed_with_its_signer(url, tmp_path, monkeypatch, capsys):
    visit_id = imported(monkeypatch, capsys, "ex2-early-swollen-calf")
    with signed_in(url, "doc") as doc:
        version = doc.load_visit(visit_id).version
        doc.apply(visit_id, AcknowledgeRedFlag("dvt_likely"), version)  # signing needs it
        doc.sign(visit_id)
    out = tmp_path / "bundle.json"
    argv = as_doc("export-fhir", "--mrn", "EX-0002", "-o", str(out))
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["doc"]) == 0
    bundle = json.loads(out.read_text(encoding="utf-8"))
    validate(bundle)
    impression = only(bundle, "ClinicalImpression")
    assert impression["status"] == "completed"
    assert impression["assessor"] == {"display": "doc"}
    assert all(o["status"] == "final" for o in resources(bundle, "Observation"))


def test_the_pdf_recorded_for_the_visit_is_attached(url, tmp_path, monkeypatch, capsys):
    imported(monkeypatch, capsys, "ex1-diuretic-cramps")
    pdf = tmp_path / "summary.pdf"
    assert (
        cli(monkeypatch, *as_doc("report", "--mrn", "EX-0001", "-o", str(pdf)), stdin=PASSWORDS["doc"]) == 0
    )
    capsys.readouterr()
    out = tmp_path / "bundle.json"
    assert (
        cli(monkeypatch, *as_doc("export-fhir", "--mrn", "EX-0001", "-o", str(out)), stdin=PASSWORDS["doc"])
        == 0
    )
    bundle = json.loads(out.read_text(encoding="utf-8"))
    validate(bundle)
    document = only(bundle, "DocumentReference")
    assert base64.b64decode(document["content"][0]["attachment"]["data"]) == pdf.read_bytes()
    assert document["docStatus"] == "preliminary"


def test_a_recorded_pdf_rewritten_since_is_not_attached(url, tmp_path, monkeypatch, capsys):
    imported(monkeypatch, capsys, "ex1-diuretic-cramps")
    pdf = tmp_path / "summary.pdf"
    assert (
        cli(monkeypatch, *as_doc("report", "--mrn", "EX-0001", "-o", str(pdf)), stdin=PASSWORDS["doc"]) == 0
    )
    capsys.readouterr()
    later = time.time() + 3600
    os.utime(pdf, (later, later))
    out = tmp_path / "bundle.json"
    assert (
        cli(monkeypatch, *as_doc("export-fhir", "--mrn", "EX-0001", "-o", str(out)), stdin=PASSWORDS["doc"])
        == 0
    )
    assert resources(json.loads(out.read_text(encoding="utf-8")), "DocumentReference") == []
    assert "rewritten after" in capsys.readouterr().err


def test_no_pdf_leaves_the_recorded_pdf_out(url, tmp_path, monkeypatch, capsys):
    imported(monkeypatch, capsys, "ex1-diuretic-cramps")
    pdf = tmp_path / "summary.pdf"
    assert (
        cli(monkeypatch, *as_doc("report", "--mrn", "EX-0001", "-o", str(pdf)), stdin=PASSWORDS["doc"]) == 0
    )
    out = tmp_path / "bundle.json"
    argv = as_doc("export-fhir", "--mrn", "EX-0001", "--no-pdf", "-o", str(out))
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["doc"]) == 0
    assert resources(json.loads(out.read_text(encoding="utf-8")), "DocumentReference") == []


def test_an_unknown_mrn_exits_2_and_writes_nothing(url, tmp_path, monkeypatch, capsys):
    out = tmp_path / "bundle.json"
    argv = as_doc("export-fhir", "--mrn", "NOPE-1", "-o", str(out))
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["doc"]) == 2
    assert "NOPE-1" in capsys.readouterr().err
    assert not out.exists()


def test_a_wrong_password_exits_2_and_writes_nothing(url, tmp_path, monkeypatch, capsys):
    imported(monkeypatch, capsys, "ex1-diuretic-cramps")
    out = tmp_path / "bundle.json"
    assert cli(monkeypatch, *as_doc("export-fhir", "--mrn", "EX-0001", "-o", str(out)), stdin="nope\n") == 2
    assert "Traceback" not in capsys.readouterr().err
    assert not out.exists()


def test_when_the_export_cannot_be_audited_no_file_is_left(url, tmp_path, monkeypatch, capsys):
    imported(monkeypatch, capsys, "ex1-diuretic-cramps")

    def refuse(*_args, **_kwargs):
        raise CrampDxError("the audit trail is not writable")

    monkeypatch.setattr(Services, "_record_output", refuse)  # the audit row of any export
    out = tmp_path / "bundle.json"
    assert (
        cli(monkeypatch, *as_doc("export-fhir", "--mrn", "EX-0001", "-o", str(out)), stdin=PASSWORDS["doc"])
        == 2
    )
    assert "audit trail is not writable" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir() if "bundle" in p.name] == []

"""Bad input never ends in a traceback: each command exits with status 2 and one line per
problem naming the field and what is accepted, and nothing is written to the record."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support.postgres import postgres_server, postgres_url  # noqa: F401 - fixtures
from support.record import CASES, PASSWORDS, any_url, make_record  # noqa: F401 - fixtures

from cramp_dx.cli.main import main
from cramp_dx.services import Services
from cramp_dx.store import open_database


@pytest.fixture
def url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    make_record(url).db.dispose()
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", url)
    return url


@pytest.fixture
def url_on_both(any_url, monkeypatch) -> str:  # noqa: F811
    make_record(any_url).db.dispose()
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", any_url)
    return any_url


def cli(monkeypatch, *argv: str, stdin: str = "") -> int:
    """`cramp-dx ARGV` in this process; an argparse refusal counts as its exit status."""
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    try:
        return main(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)


def as_doc(*argv: str) -> tuple[str, ...]:
    return (*argv, "--user", "doc", "--password-stdin")


def example(**changes: Any) -> dict[str, Any]:
    """ex1 with top-level sections replaced or, for dicts, updated."""
    data = json.loads((CASES / "ex1-diuretic-cramps.json").read_text(encoding="utf-8"))
    for key, value in changes.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) else value
    return data


def write(tmp_path: Path, data: Any, name: str = "case.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def patients(url: str) -> list[tuple[str, Any]]:
    database = open_database(url)
    try:
        services = Services(database, Services.authenticate(database, "doc", PASSWORDS["doc"]))
        return [(p.mrn, p.birth_date) for p in services.recent_patients()]
    finally:
        database.dispose()


def errors(capsys) -> list[str]:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return [line for line in err.splitlines() if line.startswith("cramp-dx: error: ")]


def test_a_400_digit_number_is_not_plausible(tmp_path, monkeypatch, capsys):
    case = example()
    case["labs"][0]["value"] = 10**400

    assert cli(monkeypatch, "assess", str(write(tmp_path, case))) == 2

    assert errors(capsys) == [
        "cramp-dx: error: labs[0].value: a 401-digit number mmol/L is not a plausible Potassium, "
        "serum (a typo?); accepted: 1 to 10 mmol/L"
    ]


def test_json_nested_3000_deep_is_refused(tmp_path, monkeypatch, capsys):
    deep = write(tmp_path, '{"findings": ' + "[" * 3000 + "]" * 3000 + "}")

    assert cli(monkeypatch, "assess", str(deep)) == 2

    (line,) = errors(capsys)
    assert line.endswith("case.json: not a case file: JSON nested too deeply (a case is a few levels deep)")


def test_a_lone_surrogate_in_a_name_is_refused_on_import(url, tmp_path, monkeypatch, capsys):
    case = write(tmp_path, example(patient={"mrn": "EX-0009", "family_name": "Ex\ud800ample"}))

    assert cli(monkeypatch, *as_doc("import", str(case)), stdin=PASSWORDS["doc"]) == 2

    assert errors(capsys) == [
        "cramp-dx: error: patient.family_name: character 3 is an unpaired surrogate (U+D800), which "
        "is not text; accepted: printable text on one line"
    ]


def test_a_lone_surrogate_in_a_name_is_refused_on_export(tmp_path, monkeypatch, capsys):
    case = write(tmp_path, example(patient={"given_name": "\ud800"}))
    out = tmp_path / "bundle.json"

    assert cli(monkeypatch, "export-fhir", "--case", str(case), "-o", str(out)) == 2

    (line,) = errors(capsys)
    assert line.startswith("cramp-dx: error: patient.given_name: character 1 is an unpaired surrogate")
    assert not out.exists()


def test_ctrl_d_at_the_password_prompt_exits_2(url, tmp_path):
    # a new session has no terminal, so the prompt reads standard input: /dev/null is Ctrl-D
    out = subprocess.run(
        [sys.executable, "-m", "cramp_dx", "import", str(CASES / "ex1-diuretic-cramps.json"), "--user=doc"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        start_new_session=True,
        env={**os.environ, "CRAMP_DX_DATABASE_URL": url},
        timeout=120,
    )

    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert "cramp-dx: error: password: input ended before a password was typed" in out.stderr


def test_a_visit_id_too_large_for_the_record_is_refused(url, monkeypatch, capsys):
    cli(monkeypatch, *as_doc("import", str(CASES / "ex1-diuretic-cramps.json")), stdin=PASSWORDS["doc"])
    argv = as_doc("assess", "--mrn", "EX-0001", "--visit", "99999999999999999999")

    assert cli(monkeypatch, *argv, stdin=PASSWORDS["doc"]) == 2

    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert (
        "argument --visit: '99999999999999999999' is not a visit id; accepted: a whole number "
        "from 1 to 2147483647"
    ) in err


def test_a_key_given_twice_is_refused(url, tmp_path, monkeypatch, capsys):
    text = json.dumps(example())
    twice = write(tmp_path, text[:-1] + ', "patient": {"mrn": "EX-0666"}}')

    assert cli(monkeypatch, *as_doc("import", str(twice)), stdin=PASSWORDS["doc"]) == 2

    assert errors(capsys) == ['cramp-dx: error: patient: duplicate key "patient"']
    assert patients(url) == []


def test_a_case_for_a_known_mrn_passes_the_patient_checks(url, tmp_path, monkeypatch, capsys):
    no_birth_date = example()
    del no_birth_date["patient"]["birth_date"]
    first = write(tmp_path, no_birth_date, "first.json")
    assert cli(monkeypatch, *as_doc("import", str(first)), stdin=PASSWORDS["doc"]) == 0
    later = write(tmp_path, example(patient={"birth_date": "9000-01-01"}), "later.json")

    assert cli(monkeypatch, *as_doc("import", str(later)), stdin=PASSWORDS["doc"]) == 2

    (line,) = errors(capsys)
    assert line.startswith("cramp-dx: error: patient.birth_date: 9000-01-01 is after the plausible range")
    assert patients(url) == [("EX-0001", None)]


def test_a_visit_in_9999_is_refused_saying_which_dates_are_accepted(url, tmp_path, monkeypatch, capsys):
    case = write(tmp_path, example(visit={"date": "9999-01-01"}))

    assert cli(monkeypatch, *as_doc("import", str(case)), stdin=PASSWORDS["doc"]) == 2

    assert errors(capsys) == [
        "cramp-dx: error: visit.date: 9999-01-01 is after the plausible range; accepted: 1900-01-01 "
        "to 2100-12-31"
    ]


def test_a_birth_in_0001_is_refused_saying_which_dates_are_accepted(url, tmp_path, monkeypatch, capsys):
    case = write(tmp_path, example(patient={"birth_date": "0001-01-01"}))

    assert cli(monkeypatch, *as_doc("import", str(case)), stdin=PASSWORDS["doc"]) == 2

    (line,) = errors(capsys)
    assert line.startswith(
        "cramp-dx: error: patient.birth_date: 0001-01-01 is before the plausible range; accepted: "
        "1900-01-01 to today"
    )


@pytest.mark.parametrize(("field", "value"), [("family_name", "Ex\x00ample"), ("given_name", "A\x1b[2J")])
def test_control_characters_in_a_name_are_refused_alike_on_both_databases(
    url_on_both, tmp_path, monkeypatch, capsys, field, value
):
    case = write(tmp_path, example(patient={field: value}))

    assert cli(monkeypatch, *as_doc("import", str(case)), stdin=PASSWORDS["doc"]) == 2

    (line,) = errors(capsys)
    assert line.startswith(f"cramp-dx: error: patient.{field}: character ")
    assert "is the control character U+00" in line and "accepted: printable text on one line" in line
    assert patients(url_on_both) == []

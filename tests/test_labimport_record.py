"""Lab import into the record (real SQLite files, and PostgreSQL where it concerns both):
`Services.import_labs` and `cramp-dx import-labs`. Each import is one audited transaction; a
refused message stores nothing; a re-import stores no duplicate; import → FHIR export →
import gives the same labs."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
from support.fhir import validate
from support.labs import FHIR_RESULTS, HL7_RESULTS, LABS, patient_workup, stored
from support.postgres import postgres_server, postgres_url  # noqa: F401
from support.record import PASSWORDS, Record, any_url, record, sqlite_record  # noqa: F401

from cramp_dx.cli.main import main
from cramp_dx.errors import InputError
from cramp_dx.labimport import ImportPlan, read_lab_file
from cramp_dx.services import AuditEntry, VisitRecord


def new_visit(rec: Record) -> int:
    return rec.services().import_case(patient_workup()).id


def import_file(rec: Record, visit_id: int, name: str) -> tuple[VisitRecord, ImportPlan]:
    return rec.services().import_labs(visit_id, read_lab_file(LABS / name), name)


def lab_audits(rec: Record, visit_id: int) -> list[AuditEntry]:
    trail = rec.services().audit_trail(rec.services().load_visit(visit_id).patient_id)
    return [entry for entry in trail if entry.action == "import_labs"]


def test_an_hl7_message_is_stored_on_the_visit(record) -> None:  # noqa: F811
    visit_id = new_visit(record)
    import_file(record, visit_id, "oru-r01-results.hl7")
    assert stored(record.services().load_visit(visit_id).workup.labs) == HL7_RESULTS


def test_a_fhir_bundle_is_stored_on_the_visit(record) -> None:  # noqa: F811
    visit_id = new_visit(record)
    import_file(record, visit_id, "fhir-searchset.json")
    assert stored(record.services().load_visit(visit_id).workup.labs) == FHIR_RESULTS


def test_each_import_is_one_audit_row_naming_the_file_and_what_it_did(sqlite_record) -> None:  # noqa: F811
    visit_id = new_visit(sqlite_record)
    import_file(sqlite_record, visit_id, "oru-r01-results.hl7")
    (entry,) = lab_audits(sqlite_record, visit_id)
    details = json.loads(entry.new_value)
    assert details["source"] == "oru-r01-results.hl7"
    assert details["summary"] == "6 to add, 0 corrected to replace, 2 skipped"


def test_the_audit_chain_still_verifies_after_an_import(sqlite_record) -> None:  # noqa: F811
    from cramp_dx.services import audit

    visit_id = new_visit(sqlite_record)
    import_file(sqlite_record, visit_id, "oru-r01-results.hl7")
    assert audit.verify(sqlite_record.db) == []


def test_a_reimport_stores_no_duplicate(sqlite_record) -> None:  # noqa: F811
    visit_id = new_visit(sqlite_record)
    import_file(sqlite_record, visit_id, "oru-r01-results.hl7")
    import_file(sqlite_record, visit_id, "oru-r01-results.hl7")
    assert stored(sqlite_record.services().load_visit(visit_id).workup.labs) == HL7_RESULTS


def test_a_corrected_message_replaces_the_stored_result(record) -> None:  # noqa: F811
    visit_id = new_visit(record)
    import_file(record, visit_id, "oru-r01-results.hl7")
    import_file(record, visit_id, "oru-r01-corrected.hl7")
    labs = record.services().load_visit(visit_id).workup.labs
    assert [(lab.value, lab.unit) for lab in labs if lab.test == "potassium"] == [(4.4, "mmol/L")]


def test_a_message_about_another_patient_stores_nothing_and_audits_nothing(sqlite_record) -> None:  # noqa: F811
    visit_id = new_visit(sqlite_record)
    with pytest.raises(InputError):
        import_file(sqlite_record, visit_id, "oru-r01-other-patient.hl7")
    assert sqlite_record.services().load_visit(visit_id).workup.labs == ()
    assert lab_audits(sqlite_record, visit_id) == []


def test_a_signed_visit_takes_no_import(sqlite_record) -> None:  # noqa: F811
    from cramp_dx.services.errors import SignedVisitError

    visit_id = new_visit(sqlite_record)
    sqlite_record.services().sign(visit_id)
    with pytest.raises(SignedVisitError):
        import_file(sqlite_record, visit_id, "oru-r01-results.hl7")


def test_a_nurse_may_not_import_labs(sqlite_record) -> None:  # noqa: F811
    from cramp_dx.services.errors import PermissionDenied

    visit_id = new_visit(sqlite_record)
    with pytest.raises(PermissionDenied):
        sqlite_record.services("nurse").import_labs(
            visit_id, read_lab_file(LABS / "oru-r01-results.hl7"), "oru-r01-results.hl7"
        )


def test_the_preview_stores_nothing(sqlite_record) -> None:  # noqa: F811
    visit_id = new_visit(sqlite_record)
    plan = sqlite_record.services().preview_lab_import(visit_id, read_lab_file(LABS / "oru-r01-results.hl7"))
    assert plan.count("add") == 6
    assert sqlite_record.services().load_visit(visit_id).workup.labs == ()


def test_imported_labs_round_trip_through_the_fhir_export(record) -> None:  # noqa: F811
    from cramp_dx.engine import assess
    from cramp_dx.fhir import bundle_for_record
    from cramp_dx.knowledge import load_knowledge
    from cramp_dx.labimport import parse_lab_text

    kb = load_knowledge()
    first = new_visit(record)
    for name in ("oru-r01-results.hl7", "oru-r01-corrected.hl7", "fhir-searchset.json"):
        import_file(record, first, name)
    saved = record.services().load_visit(first)
    bundle = bundle_for_record(saved, assess(saved.workup, kb), kb)
    validate(bundle)
    second = record.services().create_visit(saved.patient_id, saved.workup.visit.date).id
    record.services().import_labs(second, parse_lab_text(json.dumps(bundle)), "export.json")
    again = record.services().load_visit(second).workup.labs
    # the same labs; an import adds its results in collection-time order, so compare them unordered
    assert sorted(again, key=repr) == sorted(saved.workup.labs, key=repr)


# ------------------------------------------------------------------ the command line


@pytest.fixture
def cli_record(sqlite_record, monkeypatch, tmp_path):  # noqa: F811
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", str(sqlite_record.db.engine.url))
    monkeypatch.setenv("CRAMP_DX_CONFIG_DIR", str(tmp_path / "config"))
    new_visit(sqlite_record)
    return sqlite_record


def cli(monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORDS["doc"] + "\n"))
    return main([*argv, "--user", "doc", "--password-stdin"])


def test_the_command_imports_and_prints_what_it_did(cli_record, monkeypatch, capsys) -> None:
    assert cli(monkeypatch, "import-labs", str(LABS / "oru-r01-results.hl7"), "--mrn", "LAB-0042") == 0
    out = capsys.readouterr().out
    assert "skip: not in the knowledge base: 1742-6 (LN)" in out
    assert out.rstrip().endswith("stored: 6 to add, 0 corrected to replace, 2 skipped.")


def test_a_dry_run_stores_nothing(cli_record, monkeypatch, capsys) -> None:
    argv = ("import-labs", str(LABS / "oru-r01-results.hl7"), "--mrn", "LAB-0042", "--dry-run")
    assert cli(monkeypatch, *argv) == 0
    assert "dry run, nothing stored" in capsys.readouterr().out
    visit_id = cli_record.services().latest_visit_id("LAB-0042")
    assert cli_record.services().load_visit(visit_id).workup.labs == ()


def test_a_malformed_message_exits_2_naming_the_field_and_stores_nothing(
    cli_record, monkeypatch, capsys
) -> None:
    assert cli(monkeypatch, "import-labs", str(LABS / "oru-r01-malformed.hl7"), "--mrn", "LAB-0042") == 2
    assert capsys.readouterr().err == (
        "cramp-dx: error: OBX[3].5: '8,9' is not a number (OBX-2 is NM); accepted: a decimal such as 0.82\n"
    )
    visit_id = cli_record.services().latest_visit_id("LAB-0042")
    assert cli_record.services().load_visit(visit_id).workup.labs == ()


def test_another_patients_message_exits_2_and_stores_nothing(cli_record, monkeypatch, capsys) -> None:
    argv = ("import-labs", str(LABS / "fhir-observation-other-patient.json"), "--mrn", "LAB-0042")
    assert cli(monkeypatch, *argv) == 2
    assert "Observation.subject.identifier: MRN LAB-0077" in capsys.readouterr().err
    visit_id = cli_record.services().latest_visit_id("LAB-0042")
    assert cli_record.services().load_visit(visit_id).workup.labs == ()


def test_the_visit_must_belong_to_the_mrn(cli_record, monkeypatch, capsys) -> None:
    other = cli_record.services().import_case(replace(patient_workup(mrn="LAB-0099"))).id
    argv = ("import-labs", str(LABS / "oru-r01-results.hl7"), "--mrn", "LAB-0042", "--visit", str(other))
    assert cli(monkeypatch, *argv) == 2

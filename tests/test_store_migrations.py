"""The packaged migrations create exactly the models' schema, on SQLite and PostgreSQL, and each
later one goes down and up again keeping the data."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, create_engine, insert, inspect, text
from support.postgres import postgres_server, postgres_url  # noqa: F401
from support.record import any_url, example, make_record  # noqa: F401

from cramp_dx.case.model import LabResult, NeuroExam, Surgery
from cramp_dx.paths import data_dir
from cramp_dx.services import Services, audit, changes
from cramp_dx.services.changes import SetNeuroSign
from cramp_dx.store import migrate, open_database
from cramp_dx.store import models as m
from cramp_dx.store.models import Base


def test_migrations_match_the_models(any_url):  # noqa: F811
    db = open_database(any_url)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
        assert migrate.current_revision(connection) == migrate.head_revision()
    db.dispose()
    assert differences == []


def test_migrations_ship_inside_the_package():
    assert migrate.MIGRATIONS_DIR.parent.name == "store"
    assert (migrate.MIGRATIONS_DIR / "env.py").exists()
    assert list((migrate.MIGRATIONS_DIR / "versions").glob("0001_*.py"))


OPERATION_COLUMNS = {
    "position",
    "instrumentation",
    "interbody_device",
    "durotomy",
    "bmp_used",
    "iliac_crest_graft",
    "pelvic_fixation",
}


def _record_at_0001(url: str) -> None:
    """A record as version 0001 of the schema left it: one patient, visit and surgery."""
    now = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    engine = create_engine(url)
    with engine.begin() as connection:
        migrate.upgrade(connection, "0001")
        connection.execute(insert(m.Patient.__table__).values(
            id=1, mrn="OLD-1", family_name="Older", given_name="Olga", family_key="older",
            given_key="olga", birth_date=date(1950, 5, 6), sex="female", version=1,
            created_at=now, updated_at=now,
        ))
        connection.execute(insert(m.Visit.__table__).values(
            id=1, patient_id=1, visit_date=date(2026, 10, 1), status="intake", version=1,
            created_at=now, updated_at=now,
        ))
        connection.execute(insert(m.Surgery.__table__).values(
            id=1, visit_id=1, surgery_date=date(2026, 9, 1), procedure="fusion",
            levels="L4-L5,L5-S1", approach="open", prior_spine_surgeries=1, duration_hours=3.5,
        ))
    engine.dispose()


def test_a_record_at_0001_upgrades_to_the_head(any_url):  # noqa: F811
    _record_at_0001(any_url)
    db = open_database(any_url)
    with db.engine.connect() as connection:
        assert migrate.current_revision(connection) == migrate.head_revision() != "0001"
    db.dispose()


def test_the_upgrade_adds_the_operation_detail_columns_as_nullable(any_url):  # noqa: F811
    _record_at_0001(any_url)
    db = open_database(any_url)
    columns = {c["name"]: c for c in inspect(db.engine).get_columns("surgery")}
    db.dispose()
    assert set(columns) >= OPERATION_COLUMNS
    assert all(columns[name]["nullable"] for name in OPERATION_COLUMNS)


def test_a_surgery_recorded_at_0001_keeps_its_data_and_reads_as_not_recorded(any_url):  # noqa: F811
    _record_at_0001(any_url)
    db = open_database(any_url)
    doc = Services.create_account(db, "doc", "doctor-secret-1", "physician")
    surgery = Services(db, doc).load_visit(1).workup.surgery
    db.dispose()
    assert surgery == Surgery(
        date=date(2026, 9, 1), procedure="fusion", levels=("L4-L5", "L5-S1"), approach="open",
        prior_spine_surgeries=1, duration_hours=3.5,
    )
    assert surgery.position is None and surgery.durotomy is None


def _patient_indexes(connection: Connection) -> dict[str, list[str]]:
    return {ix["name"]: ix["column_names"] for ix in inspect(connection).get_indexes("patient")}


def _has_audit_function(connection: Connection) -> bool:
    if connection.dialect.name != "postgresql":
        return False
    return connection.execute(text("SELECT to_regproc('audit_append') IS NOT NULL")).scalar_one()


def test_the_search_index_migration_goes_down_and_up_keeping_the_patients(any_url):  # noqa: F811
    from alembic import command

    rec = make_record(any_url)
    svc = rec.services()
    svc.import_case(example("ex3-scar-or-disc"))
    with rec.db.engine.connect() as connection:
        indexes = _patient_indexes(connection)
    assert indexes["ix_patient_name_order"] == ["family_key", "given_key", "id"]
    assert indexes["ix_patient_updated_at"] == ["updated_at"]
    assert "ix_patient_family_key" not in indexes
    with rec.db.engine.connect() as connection:
        assert _has_audit_function(connection) == (connection.dialect.name == "postgresql")

    with rec.db.engine.connect() as connection, connection.begin():
        command.downgrade(migrate.alembic_config(connection), "0004_sign_in_lockout")
    with rec.db.engine.connect() as connection:
        indexes = _patient_indexes(connection)
        assert migrate.current_revision(connection) == "0004_sign_in_lockout"
        assert not _has_audit_function(connection)
    assert indexes["ix_patient_family_key"] == ["family_key"]
    assert not {"ix_patient_name_order", "ix_patient_updated_at"} & set(indexes)
    assert [p.mrn for p in svc.search_patients("zoe")] == ["EX-0003"]

    with rec.db.engine.connect() as connection, connection.begin():
        migrate.upgrade(connection)
    with rec.db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert migrate.current_revision(connection) == migrate.head_revision()
        assert _has_audit_function(connection) == (connection.dialect.name == "postgresql")
    assert [p.mrn for p in svc.search_patients("zoe")] == ["EX-0003"]
    visit = svc.visit_for("EX-0003")
    seen = visit.workup.findings.get("smoker")
    svc.apply(visit.id, changes.SetFinding("smoker", not seen, seen), visit.version)
    assert audit.verify(rec.db) == []
    rec.db.dispose()


def _record_at_0002(url: str) -> None:
    """A record as version 0002 left it: a visit with its operation details, a finding, a
    measurement and a lab."""
    _record_at_0001(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        migrate.upgrade(connection, "0002")
        connection.execute(
            m.Surgery.__table__.update().values(position="prone", durotomy=True, instrumentation=False)
        )
        connection.execute(insert(m.VisitFinding.__table__).values(
            visit_id=1, finding_id="no_relief_since_surgery", present=True))
        connection.execute(insert(m.VisitMeasurement.__table__).values(
            visit_id=1, measurement_id="temperature_c", value=37.2))
        connection.execute(insert(m.VisitLab.__table__).values(
            visit_id=1, position=0, test="potassium", value=3.9, unit="mmol/L", collected=None))
    engine.dispose()


def test_the_neuro_exam_migration_follows_the_search_indexes():
    from cramp_dx.store.migrate import _revision_graph

    assert _revision_graph()["0006_neuro_exam"] == "0005_search_indexes"


def test_0007_follows_0006():
    from cramp_dx.store.migrate import _revision_graph

    assert _revision_graph()["0007_audit_seals"] == "0006_neuro_exam"


def _record_at_0006_with_a_trail(url: str) -> int:
    """A record with accounts, a visit and its audit rows as 0006 left it (no seals);
    returns the number of audit rows."""
    rec = make_record(url)
    rec.services().import_case(example("ex1-diuretic-cramps"))
    rec.db.dispose()
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE audit_seal"))
        connection.execute(text("DROP TABLE visit_seal"))
        connection.execute(text("UPDATE alembic_version SET version_num = '0006_neuro_exam'"))
        rows = int(connection.execute(text("SELECT count(*) FROM audit_event")).scalar())
    engine.dispose()
    (data_dir() / "audit-heads.json").unlink()
    return rows


def test_the_upgrade_to_0007_seals_the_existing_trail_as_it_stands(any_url):  # noqa: F811
    rows = _record_at_0006_with_a_trail(any_url)
    db = open_database(any_url)
    with db.engine.connect() as connection:
        sealed = connection.execute(text("SELECT audit_id FROM audit_seal")).scalars().all()
    db.dispose()
    assert sealed == [rows]


def test_an_upgraded_record_verifies_and_keeps_working(any_url):  # noqa: F811
    _record_at_0006_with_a_trail(any_url)
    db = open_database(any_url)
    doc = Services.authenticate(db, "doc", "doctor-secret-1")
    Services(db, doc).import_case(example("ex2-early-swollen-calf"))
    try:
        assert audit.verify(db) == []
    finally:
        db.dispose()


def test_a_record_at_0002_keeps_its_data_and_gains_an_empty_examination(any_url):  # noqa: F811
    _record_at_0002(any_url)
    db = open_database(any_url)
    with db.engine.connect() as connection:
        assert migrate.current_revision(connection) == migrate.head_revision()
    assert "visit_neuro_sign" in inspect(db.engine).get_table_names()
    doc = Services.create_account(db, "doc", "doctor-secret-1", "physician")
    services = Services(db, doc)
    workup = services.load_visit(1).workup
    assert workup.surgery == Surgery(
        date=date(2026, 9, 1), procedure="fusion", levels=("L4-L5", "L5-S1"), approach="open",
        prior_spine_surgeries=1, duration_hours=3.5, position="prone", durotomy=True,
        instrumentation=False,
    )
    assert workup.findings == {"no_relief_since_surgery": True}
    assert workup.measurements == {"temperature_c": 37.2}
    assert workup.labs == (LabResult("potassium", 3.9, "mmol/L"),)
    assert workup.neuro_exam == NeuroExam()
    record = services.load_visit(1)
    record = services.apply(1, SetNeuroSign("left", "strength", "ankle_dorsiflexion", 3), record.version)
    record = services.apply(1, SetNeuroSign("left", "sensory", "dorsum_of_foot", "absent"), record.version)
    reloaded = services.load_visit(1).workup
    db.dispose()
    assert reloaded.neuro_exam.left.strength == {"ankle_dorsiflexion": 3}
    assert reloaded.neuro_exam.left.sensory == {"dorsum_of_foot": "absent"}
    assert reloaded.findings == {"no_relief_since_surgery": True}

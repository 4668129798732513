"""The packaged migrations create exactly the models' schema, on SQLite and PostgreSQL, and each
later one goes down and up again keeping the data."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from support.postgres import postgres_server, postgres_url  # noqa: F401
from support.record import any_url, example, make_record  # noqa: F401

from cramp_dx.services import audit, changes
from cramp_dx.store import migrate, open_database
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
        command.downgrade(migrate.alembic_config(connection), "0001")
    with rec.db.engine.connect() as connection:
        indexes = _patient_indexes(connection)
        assert migrate.current_revision(connection) == "0001"
        assert not _has_audit_function(connection)
    assert indexes["ix_patient_family_key"] == ["family_key"]
    assert not {"ix_patient_name_order", "ix_patient_updated_at"} & set(indexes)
    assert [p.mrn for p in svc.search_patients("zoe")] == ["EX-0003"]

    with rec.db.engine.connect() as connection, connection.begin():
        migrate.upgrade(connection)
    with rec.db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert migrate.current_revision(connection) == "0003_search_indexes"
        assert _has_audit_function(connection) == (connection.dialect.name == "postgresql")
    assert [p.mrn for p in svc.search_patients("zoe")] == ["EX-0003"]
    visit = svc.visit_for("EX-0003")
    seen = visit.workup.findings.get("smoker")
    svc.apply(visit.id, changes.SetFinding("smoker", not seen, seen), visit.version)
    assert audit.verify(rec.db) == []
    rec.db.dispose()

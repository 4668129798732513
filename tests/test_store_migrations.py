"""The packaged migrations create exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from support.postgres import postgres_server, postgres_url  # noqa: F401
from support.record import any_url  # noqa: F401

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

"""PostgreSQL: the schema's owner sets up an application role (`cramp-dx db upgrade
--app-role ROLE`); connected as that role, the workstations use the record but cannot disable,
replace or drop the audit protection, nor change or delete audit rows."""

# the shared fixtures are imported by name, so test parameters "redefine" them
# ruff: noqa: F811

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError
from support.postgres import postgres_server, postgres_url  # noqa: F401
from support.record import example, make_record

from cramp_dx.cli.main import main
from cramp_dx.services import audit
from cramp_dx.store import open_database

pytestmark = pytest.mark.postgres


@dataclass
class Roles:
    owner_url: str
    app_url: str
    app_role: str


@pytest.fixture
def roles(postgres_url: str, monkeypatch) -> Iterator[Roles]:
    suffix = uuid.uuid4().hex[:8]
    owner, app = f"owner_{suffix}", f"app_{suffix}"
    url = make_url(postgres_url)
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"CREATE ROLE {owner} LOGIN"))
        connection.execute(text(f"CREATE ROLE {app} LOGIN"))
        connection.execute(text(f'ALTER DATABASE "{url.database}" OWNER TO {owner}'))
        connection.execute(text(f"ALTER SCHEMA public OWNER TO {owner}"))
    engine.dispose()
    owner_url = url.set(username=owner).render_as_string(hide_password=False)
    app_url = url.set(username=app).render_as_string(hide_password=False)
    open_database(owner_url).dispose()  # the owner creates the schema
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["db", "upgrade", "--database-url", owner_url, "--app-role", app]) == 0
    yield Roles(owner_url, app_url, app)


def as_app(roles: Roles, statement: str) -> None:
    engine = create_engine(roles.app_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def test_the_application_role_uses_the_record_and_its_trail_verifies(roles):
    rec = make_record(roles.app_url)
    rec.services().import_case(example("ex1-diuretic-cramps"))
    try:
        assert audit.verify(rec.db) == []
    finally:
        rec.db.dispose()


def test_the_application_role_cannot_disable_the_audit_trigger(roles):
    with pytest.raises(ProgrammingError, match="must be owner"):
        as_app(roles, "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update")


def test_the_application_role_cannot_replace_the_trigger_function(roles):
    with pytest.raises(ProgrammingError, match=r"must be owner|permission denied for schema"):
        as_app(roles, "CREATE OR REPLACE FUNCTION audit_event_refuse() RETURNS trigger "
                      "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$")


def test_the_application_role_cannot_drop_the_trigger(roles):
    with pytest.raises(ProgrammingError, match="must be owner"):
        as_app(roles, "DROP TRIGGER audit_event_no_update ON audit_event")


def test_the_application_role_cannot_delete_audit_rows_even_past_the_trigger(roles):
    make_record(roles.app_url).db.dispose()
    with pytest.raises(ProgrammingError, match="permission denied"):
        as_app(roles, "DELETE FROM audit_event")


def test_a_superuser_is_refused_as_the_application_role(postgres_url, capsys, monkeypatch):
    open_database(postgres_url).dispose()
    superuser = make_url(postgres_url).username
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["db", "upgrade", "--database-url", postgres_url, "--app-role", superuser]) == 2
    assert "a superuser or the schema's owner can disable the audit triggers" in capsys.readouterr().err


def test_an_unknown_application_role_is_named(postgres_url, capsys, monkeypatch):
    open_database(postgres_url).dispose()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["db", "upgrade", "--database-url", postgres_url, "--app-role", "nobody_here"]) == 2
    assert "--app-role nobody_here: no such role" in capsys.readouterr().err

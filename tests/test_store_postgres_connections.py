"""A workstation's connections to a PostgreSQL record are named, so the server's administrator
can count and watch them (pg_stat_activity), unless the URL names them otherwise."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from support.postgres import postgres_server, postgres_url  # noqa: F401

from cramp_dx.store import database, open_database
from cramp_dx.store.database import APPLICATION_NAME

pytestmark = pytest.mark.postgres


def _name(url: str) -> str:
    db = open_database(url)
    with db.engine.connect() as connection:
        name = connection.execute(
            text("SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()")
        ).scalar_one()
    db.dispose()
    return str(name)


def test_connections_are_named_after_the_app(postgres_url):  # noqa: F811
    assert _name(postgres_url) == APPLICATION_NAME == "cramp-dx"


def test_a_name_in_the_url_is_kept(postgres_url):  # noqa: F811
    assert _name(postgres_url + "?application_name=front-desk-3") == "front-desk-3"


def _backend_pid(db) -> int:
    with db.engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _pings(db, monkeypatch) -> list[object]:
    seen: list[object] = []
    real = db.engine.dialect.do_ping

    def counted(dbapi_connection):
        seen.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(db.engine.dialect, "do_ping", counted)
    return seen


def test_back_to_back_use_skips_the_ping(postgres_url, monkeypatch):  # noqa: F811
    db = open_database(postgres_url)
    pings = _pings(db, monkeypatch)
    first = _backend_pid(db)
    assert [_backend_pid(db) for _ in range(3)] == [first] * 3  # the pooled connection, reused
    assert pings == []
    db.dispose()


def test_a_connection_lost_while_idle_is_replaced(postgres_url, monkeypatch):  # noqa: F811
    """The server dropped the pooled connection (a restart, a firewall): after the idle time
    the next use pings it, finds it dead and gets a new one; nothing fails."""
    db = open_database(postgres_url)
    pings = _pings(db, monkeypatch)
    lost = _backend_pid(db)
    other = open_database(postgres_url)
    with other.engine.connect() as admin:
        assert admin.execute(text("SELECT pg_terminate_backend(:p)"), {"p": lost}).scalar_one()
    other.dispose()
    monkeypatch.setattr(database, "IDLE_PING_SECONDS", 0.0)
    assert _backend_pid(db) != lost
    assert pings, "the idle connection was not checked"
    db.dispose()

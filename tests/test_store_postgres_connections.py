"""A workstation's connections to a PostgreSQL record are named, so the server's administrator
can count and watch them (pg_stat_activity), unless the URL names them otherwise."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from support.postgres import postgres_server, postgres_url  # noqa: F401

from cramp_dx.store import open_database
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

"""Opening a record and signing in pay only for what they use: no password hash computed at
import, no Alembic unless an upgrade runs, and the same answers as Alembic itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.postgres import postgres_server, postgres_url  # noqa: F401
from support.record import any_url, make_record  # noqa: F401

from cramp_dx.services import AuthError, Services, passwords
from cramp_dx.store import migrate, open_database

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, *args: str) -> str:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          check=True, cwd=ROOT).stdout.strip()


def test_importing_the_services_computes_no_password_hash():
    out = run_python(
        "from cramp_dx.services import passwords; print(passwords._dummy_hash.cache_info().currsize)"
    )
    assert out == "0"


def test_an_unknown_user_is_checked_against_the_dummy_hash(tmp_path):
    record = make_record(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    passwords._dummy_hash.cache_clear()
    with pytest.raises(AuthError):
        Services.authenticate(record.db, "nobody", "whatever-password")
    assert passwords._dummy_hash.cache_info().currsize == 1
    record.db.dispose()


def test_opening_an_up_to_date_record_does_not_import_alembic(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    open_database(url).dispose()  # created and upgraded here
    out = run_python(
        "import sys; from cramp_dx.store import open_database; open_database(sys.argv[1]).dispose();"
        " print('alembic' in sys.modules)", url,
    )
    assert out == "False"


def test_opening_a_new_record_runs_the_migrations(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    out = run_python(
        "import sys; from cramp_dx.store import open_database; open_database(sys.argv[1]).dispose();"
        " print('alembic' in sys.modules)", url,
    )
    assert out == "True"
    db = open_database(url)
    with db.engine.connect() as connection:
        assert migrate.current_revision(connection) == migrate.head_revision()
    db.dispose()


def test_shipped_revisions_read_without_alembic_match_alembic():
    scripts = migrate.script_directory()
    assert migrate.head_revision() == scripts.get_current_head()
    assert migrate.known_revisions() == {s.revision for s in scripts.walk_revisions()}


def test_current_revision_matches_alembic_on_both_databases(any_url):  # noqa: F811
    from alembic.runtime.migration import MigrationContext

    db = open_database(any_url)
    with db.engine.connect() as connection:
        assert migrate.current_revision(connection) == (
            MigrationContext.configure(connection).get_current_revision()
        )
    db.dispose()


def test_has_accounts_is_false_on_a_new_record_and_true_after_the_first(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    assert not db.has_accounts()
    Services.create_account(db, "admin", "admin-secret-1", "admin")
    assert db.has_accounts()
    db.dispose()

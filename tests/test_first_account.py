"""The first account of a record is a physician or an admin: a nurse cannot add accounts, so a
record whose only account was a nurse could never get anyone else. Refused by the service (the
CLI's `user add` and the app's first-run form both go through it); the form does not offer it."""

from __future__ import annotations

import io

import pytest

from cramp_dx.cli.main import main
from cramp_dx.errors import InputError
from cramp_dx.services import Services
from cramp_dx.store import open_database


@pytest.fixture
def empty(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    yield db
    db.dispose()


def test_the_service_refuses_a_nurse_as_the_first_account(empty):
    with pytest.raises(InputError) as caught:
        Services.create_account(empty, "rn", "nurse-secret-1", "nurse")
    assert caught.value.problems[0].path == "role"
    assert "physician or an admin" in caught.value.problems[0].message
    assert not empty.has_accounts()


@pytest.mark.parametrize("role", ["physician", "admin"])
def test_a_physician_or_an_admin_may_be_the_first_account(empty, role):
    assert Services.create_account(empty, "first", "first-secret-1", role).role == role


def test_user_add_of_a_first_nurse_exits_2_saying_who_may_be_first(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", f"sqlite:///{tmp_path / 'r.sqlite3'}")
    monkeypatch.setattr("sys.stdin", io.StringIO("nurse-secret-1\n"))
    assert main(["user", "add", "rn", "--role", "nurse", "--password-stdin"]) == 2
    assert "physician or an admin" in capsys.readouterr().err


def test_the_first_run_form_offers_no_nurse(qapp):
    from cramp_dx.ui.sign_in import SignInWidget

    form = SignInWidget()
    form.set_setup_mode(True)
    roles = [form.role.itemData(i) for i in range(form.role.count())]
    assert roles == ["physician", "admin"]

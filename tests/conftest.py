"""Suite-wide set-up: Qt offscreen, and the user's data, config and cache folders moved into a
temp folder so no test touches a real record, settings or cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TESTS = Path(__file__).resolve().parent
CASES = TESTS / "cases"
DATA = TESTS / "data"


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("CRAMP_DX_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("CRAMP_DX_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("CRAMP_DX_CACHE_DIR", str(home / "cache"))
    monkeypatch.delenv("CRAMP_DX_DATABASE_URL", raising=False)


@pytest.fixture(autouse=True)
def _no_user_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real OS keyring: here and in child processes the keyring
    refuses (secrets then go to the owner-only files in the temp config folder); tests of the
    keyring itself set their own backend (support.keyring_backend.FileKeyring)."""
    import keyring
    from keyring.backends import fail

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)

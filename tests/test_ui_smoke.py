"""`cramp-dx gui --smoke-test` starts the app, checks that its parts load and exits: 0 with
one line when all is well, nonzero with the problem printed (never a dialog waiting for a
click) when not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.ui import clinic, no_leaked_windows  # noqa: F401 - fixtures

from cramp_dx.errors import CrampDxError

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parent.parent


def smoke(tmp_path: Path, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "CRAMP_DX_DATA_DIR": str(tmp_path / "data"), "CRAMP_DX_CONFIG_DIR": str(tmp_path / "config")}
    return subprocess.run(
        [sys.executable, "-m", "cramp_dx", "gui", "--smoke-test", "--database-url", url],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )


def test_smoke_test_passes_on_a_new_record(tmp_path):
    result = smoke(tmp_path, f"sqlite:///{tmp_path / 'new.sqlite3'}")
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert line.startswith("smoke test passed: window 'cramp_dx' shown")
    assert "workup page built" in line and "knowledge base 2026." in line
    assert "opened in the viewer (" in line
    assert (tmp_path / "new.sqlite3").is_file()
    assert "Traceback" not in result.stderr


def test_smoke_test_reports_an_unreadable_record_and_exits(tmp_path):
    bad = tmp_path / "notes.sqlite3"
    bad.write_text("not a database", encoding="utf-8")
    result = smoke(tmp_path, f"sqlite:///{bad}")
    assert result.returncode == 2
    assert str(bad) in result.stderr and "not a cramp-dx database" in result.stderr
    assert bad.read_text(encoding="utf-8") == "not a database"


def test_smoke_test_fails_when_a_part_of_the_warm_up_fails(
    clinic, no_leaked_windows, monkeypatch, capsys  # noqa: F811
):
    from cramp_dx.services import Services
    from cramp_dx.settings import Settings
    from cramp_dx.ui.app import application, create_window
    from cramp_dx.ui.smoke import run_smoke_test

    def broken(_database):
        raise CrampDxError("the record could not be read: disk I/O error")

    monkeypatch.setattr(Services, "prepare", staticmethod(broken))
    app = application()
    window = create_window(clinic.db, Settings(), persist_settings=False,
                           offer_demo=lambda _parent: False)
    assert run_smoke_test(window, app) == 1
    err = capsys.readouterr().err
    assert "smoke test failed" in err and "disk I/O error" in err
    assert not window.isVisible()

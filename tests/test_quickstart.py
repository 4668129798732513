"""The README's two quick-start commands work on a clean clone, each doing its own set-up."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_quick_start_commands_work_on_a_clean_clone(tmp_path: Path) -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`bash packaging/dev.sh app`" in readme and "`bash packaging/dev.sh test`" in readme
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "exec bash packaging/dev.sh test" in ci

    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=300)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "CRAMP_DX_VENV"))}
    env.update(CRAMP_DX_DATA_DIR=str(tmp_path / "data"), CRAMP_DX_CONFIG_DIR=str(tmp_path / "config"))

    app = subprocess.run(["bash", "packaging/dev.sh", "app", "--version"], cwd=clone, env=env,
                         capture_output=True, text=True, timeout=1800)
    assert app.returncode == 0, app.stderr[-3000:]
    assert app.stdout.startswith("cramp-dx ")
    assert (clone / ".venv" / "bin" / "cramp-dx").exists(), "the app command set up its own venv"

    tests = subprocess.run(["bash", "packaging/dev.sh", "test", "-q", "tests/test_engine_examples.py"],
                           cwd=clone, env=env, capture_output=True, text=True, timeout=1800)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-3000:]
    assert "3 passed" in tests.stdout

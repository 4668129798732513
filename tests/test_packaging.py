"""Packaging: the plain wheel and the PyInstaller one-folder app both find every resource and
run the commands a clinic uses. The two build tests are slow (minutes) and run in CI."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from cramp_dx.paths import resources_dir

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "tests" / "cases" / "ex1-diuretic-cramps.json"


def test_resources_are_found_in_a_checkout() -> None:
    folder = resources_dir()
    assert (folder / "knowledge" / "differentials.toml").is_file()
    assert (folder / "fonts" / "DejaVuSans.ttf").is_file()
    assert list((folder / "demo").glob("*.json"))


def test_a_bundled_app_reads_the_resources_beside_its_executable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "resources" / "knowledge").mkdir(parents=True)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources_dir() == tmp_path / "resources"


def _run(
    cmd: list[str],
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: int = 600,
    stdin: str | None = None,
):
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, input=stdin)
    assert out.returncode == 0, (
        f"{cmd} failed ({out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}"
    )
    return out


def _check_commands(exe: list[str], work: Path, env: dict[str, str]) -> None:
    """--version, assess, report and export-fhir from a folder that is not the checkout."""
    version = _run([*exe, "--version"], work, env)
    assert version.stdout.startswith("cramp-dx ")
    assessed = _run([*exe, "assess", str(CASE), "--format", "json"], work, env)
    assert '"hypokalemia"' in assessed.stdout
    pdf = work / "summary.pdf"
    _run([*exe, "report", str(CASE), "-o", str(pdf)], work, env)
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Hypokalaemia" in text and "Page 1 of" in text
    bundle = work / "bundle.json"
    _run([*exe, "export-fhir", "--case", str(CASE), "-o", str(bundle)], work, env)
    assert '"resourceType": "Bundle"' in bundle.read_text(encoding="utf-8")
    _check_record(exe, work, env)


def _check_record(exe: list[str], work: Path, env: dict[str, str]) -> None:
    """A new SQLite record (the packaged Alembic migrations), an account (argon2), an imported
    visit and its PDF, and the record's own integrity check."""
    password = "correct horse battery\n"
    login = ["--user", "dr", "--password-stdin"]
    _run([*exe, "user", "add", "dr", "--role", "physician", "--password-stdin"], work, env, stdin=password)
    _run([*exe, "import", str(CASE), *login], work, env, stdin=password)
    pdf = work / "saved-visit.pdf"
    _run([*exe, "report", "--mrn", "EX-0001", "-o", str(pdf), *login], work, env, stdin=password)
    assert "Hypokalaemia" in "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert _run([*exe, "db", "check"], work, env).stdout.rstrip().endswith(": ok")


def _window_opens(exe: list[str], work: Path, env: dict[str, str]) -> None:
    """`gui --smoke-test` offscreen on a new record: the window shows, the warm-up loads the
    knowledge base, engine and workup page, and QtPdf opens a summary PDF; it exits 0."""
    env = {**env, "QT_QPA_PLATFORM": "offscreen"}
    url = f"sqlite:///{work / 'gui.sqlite3'}"
    result = _run([*exe, "gui", "--smoke-test", "--database-url", url], work, env)
    assert result.stdout.startswith("smoke test passed"), result.stdout
    assert "opened in the viewer" in result.stdout
    assert (work / "gui.sqlite3").is_file(), "the record was not created"
    assert "Traceback" not in result.stderr, result.stderr[-3000:]


def _isolated_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRAMP_DX_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(CRAMP_DX_DATA_DIR=str(home / "data"), CRAMP_DX_CONFIG_DIR=str(home / "config"), HOME=str(home))
    return env


@pytest.mark.slow
def test_a_plain_wheel_installs_and_finds_every_resource(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    _run([*pip, str(ROOT)], tmp_path, timeout=1800)  # `pip install .`: a built wheel, not editable
    env = _isolated_env(tmp_path)
    where = _run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import cramp_dx, cramp_dx.paths as p; print(cramp_dx.__file__); print(p.resources_dir())",
        ],
        tmp_path,
        env,
    ).stdout.split()
    assert where[0].startswith(str(venv)) and where[1].startswith(str(venv)), where
    _check_commands([str(venv / "bin" / "cramp-dx")], tmp_path, env)
    _window_opens([str(venv / "bin" / "cramp-dx")], tmp_path, env)


@pytest.mark.slow
def test_the_desktop_bundle_builds_and_runs(tmp_path: Path) -> None:
    if shutil.which("bash") is None:
        pytest.skip("needs bash")
    if importlib.util.find_spec("PyInstaller") is None:
        reason = "PyInstaller is not installed (it comes with the `package` extra)"
        if os.environ.get("CRAMP_DX_REQUIRE_PACKAGING"):
            pytest.fail(reason + " and CRAMP_DX_REQUIRE_PACKAGING is set")
        pytest.skip(reason)
    dist = tmp_path / "dist"
    out = _run(
        [
            "bash",
            str(ROOT / "packaging" / "build.sh"),
            "--python",
            sys.executable,
            "--dist",
            str(dist),
            "--work",
            str(tmp_path / "work"),
        ],
        ROOT,
        timeout=3000,
    )
    print(out.stdout.strip().splitlines()[-1])  # "bundle: … (N MB)"
    app = dist / "cramp-dx" / "cramp-dx"
    assert app.is_file()
    work = tmp_path / "run"
    work.mkdir()
    env = _isolated_env(tmp_path)
    _check_commands([str(app)], work, env)
    _postgres_driver_is_bundled([str(app)], work, env)
    _window_opens([str(app)], work, env)


def _postgres_driver_is_bundled(exe: list[str], work: Path, env: dict[str, str]) -> None:
    """psycopg and SQLAlchemy's postgresql dialect are loaded by URL at run time: with nothing
    listening, the bundle must fail to *connect*, not to import."""
    url = "postgresql+psycopg://nobody@127.0.0.1:9/cramp_dx"
    out = subprocess.run(
        [*exe, "db", "check", "--database-url", url],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2, out.stderr[-3000:]
    assert "cannot connect" in out.stderr and "Traceback" not in out.stderr, out.stderr[-3000:]

"""`cramp-dx --version` and `cramp-dx assess`: output shapes, exit codes, no traceback, no Qt."""

from __future__ import annotations

import json
import subprocess
import sys

from support.core import CASES

from cramp_dx import __version__


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cramp_dx", *args], capture_output=True, text=True, input=stdin, timeout=120
    )


def test_version() -> None:
    out = cli("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"cramp-dx {__version__}"


def test_assess_json_has_the_case_format_shape() -> None:
    out = cli("assess", str(CASES / "ex2-early-swollen-calf.json"), "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    for key in (
        "knowledge_version",
        "weeks_since_surgery",
        "red_flags",
        "wells",
        "differential",
        "next_tests",
        "medication_flags",
        "lab_flags",
        "warnings",
    ):
        assert key in data
    first = data["differential"][0]
    assert {
        "id",
        "name",
        "icd10",
        "category",
        "status",
        "score",
        "supporting",
        "against",
        "settled_by",
    } <= set(first)
    assert data["red_flags"][0]["id"] == "dvt_likely"
    assert data["medication_flags"][0]["class"] == "bone agent (SERM)"
    assert data["wells"]["items"][0].keys() >= {"id", "points", "source"}


def test_assess_text_puts_red_flags_first() -> None:
    out = cli("assess", str(CASES / "ex2-early-swollen-calf.json"))
    assert out.returncode == 0
    assert out.stdout.index("RED FLAGS") < out.stdout.index("Differential")
    assert "Decision support — not a diagnosis" in out.stdout


def test_assess_text_says_which_red_flag_checks_were_not_assessed() -> None:
    out = cli("assess", str(CASES / "ex1-diuretic-cramps.json"))
    assert "NOT assessed (missing data):" in out.stdout


def test_bad_input_exits_2_with_one_line_per_problem(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "format": "cramp-dx-case/1",
                "surgery": {"date": "2026-01-01"},
                "visit": {"date": "2026-02-01"},
                "findings": {"nocturnal_cramp": True},
                "labs": [{"test": "potassium", "value": 45, "unit": "mmol/L"}],
            }
        ),
        encoding="utf-8",
    )
    out = cli("assess", str(bad))
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("cramp-dx: error: findings.nocturnal_cramp:")
    assert lines[1].startswith("cramp-dx: error: labs[0].value:")
    assert "Traceback" not in out.stderr and out.stdout == ""


def test_missing_file_exits_2() -> None:
    out = cli("assess", "/nonexistent/case.json")
    assert out.returncode == 2 and "no such file" in out.stderr and "Traceback" not in out.stderr


def test_unknown_command_exits_2() -> None:
    out = cli("asses")
    assert out.returncode == 2 and "unknown command" in out.stderr


def test_assess_imports_neither_qt_nor_sqlalchemy_nor_reportlab() -> None:
    code = (
        "import sys, runpy\n"
        f"sys.argv = ['cramp-dx', 'assess', {str(CASES / 'ex1-diuretic-cramps.json')!r}]\n"
        "from cramp_dx.cli.main import main\n"
        "import io, contextlib\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    rc = main()\n"
        "heavy = ('PySide6', 'shiboken6', 'sqlalchemy', 'reportlab', 'alembic')\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
        "print(rc, bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "0 []", out.stdout + out.stderr

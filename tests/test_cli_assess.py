"""`cramp-dx --version` and `cramp-dx assess`: output shapes, exit codes, no traceback, no Qt."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
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


@pytest.mark.parametrize(
    ("surgery", "path", "says"),
    [
        ({"levels": ["L5-L4"]}, "surgery.levels[0]", 'write the upper vertebra first: "L4-L5"'),
        ({"levels": ["L4-L5", "L3-L5"]}, "surgery.levels[1]",
         'list each level, e.g. "L3-L4", "L4-L5"'),
        ({"levels": ["S2-T10"]}, "surgery.levels[0]", "S2 is outside the accepted range T10 to S1"),
        ({"levels": ["L4-L5\nL5-S1"]}, "surgery.levels[0]", "contains a space or line break"),
        ({"levels": ["L4 - L5"]}, "surgery.levels[0]", "contains a space or line break"),
        ({"durotomy": "yes"}, "surgery.durotomy", 'must be true or false, got "yes"'),
        ({"position": "sitting"}, "surgery.position",
         "accepted: prone, knee_chest, lateral_decubitus, supine"),
        ({"approach": "oblique"}, "surgery.approach",
         "accepted: open, minimally_invasive, lateral, anterior"),
    ],
)
def test_a_bad_operation_detail_exits_2_naming_its_json_path(tmp_path, surgery, path, says) -> None:
    bad = tmp_path / "bad.json"
    data = {"format": "cramp-dx-case/1", "surgery": {"date": "2026-01-01", **surgery},
            "visit": {"date": "2026-02-01"}}
    bad.write_text(json.dumps(data), encoding="utf-8")
    out = cli("assess", str(bad))
    assert out.returncode == 2
    (line,) = out.stderr.strip().splitlines()
    assert line.startswith(f"cramp-dx: error: {path}: ") and says in line
    if path.startswith("surgery.levels"):
        assert 'accepted: one adjacent level written upper-lower, "T10-T11" down to "L5-S1"' in line
    assert "Traceback" not in out.stderr and out.stdout == ""


def test_a_case_with_every_operation_detail_is_assessed(tmp_path) -> None:
    good = tmp_path / "good.json"
    surgery = {"date": "2026-01-01", "procedure": "fusion", "levels": ["T12-L1", "L5-L6", "L6-S1"],
               "approach": "anterior", "position": "knee_chest", "instrumentation": True,
               "interbody_device": True, "durotomy": True, "bmp_used": False,
               "iliac_crest_graft": False, "pelvic_fixation": True}
    good.write_text(json.dumps({"format": "cramp-dx-case/1", "surgery": surgery,
                                "visit": {"date": "2026-02-01"}}), encoding="utf-8")
    out = cli("assess", str(good), "--format", "json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["differential"]

"""Core benchmark (issue 2): in-process `assess` on a full case, and `cramp-dx assess` as a
whole process against a bare `python -c pass`, timed in the same run.

Run: .venv/bin/python benchmarks/bench_core.py [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cramp_dx.casefile.io import case_to_dict, parse_case  # noqa: E402
from cramp_dx.engine import assess  # noqa: E402
from cramp_dx.knowledge import load_knowledge  # noqa: E402


def full_neuro_exam() -> dict:
    """Every sign of the neurological examination on both legs: an L5 pattern on the left (a
    root to compare with the levels), the right examined and normal."""
    from cramp_dx.case.model import MUSCLES, REFLEXES, SENSORY_AREAS

    l5 = {"dorsum_of_foot": "reduced", "great_toe": "reduced", "lateral_leg": "painful"}
    weak = {"great_toe_extension": 4, "ankle_dorsiflexion": 4, "hip_abduction": 4}
    return {
        "left": {
            "sensory": {area: l5.get(area, "normal") for area in SENSORY_AREAS},
            "strength": {muscle: weak.get(muscle, 5) for muscle in MUSCLES},
            "reflexes": {**dict.fromkeys(REFLEXES, "normal"), "medial_hamstring": "reduced"},
        },
        "right": {
            "sensory": dict.fromkeys(SENSORY_AREAS, "normal"),
            "strength": dict.fromkeys(MUSCLES, 5),
            "reflexes": dict.fromkeys(REFLEXES, "normal"),
        },
    }


def full_case() -> dict:
    """Every finding assessed (alternating present/absent, opposites consistent), every
    measurement, every lab twice (an earlier and a latest value), a dozen medications, orders,
    and a full neurological examination (the level check)."""
    kb = load_knowledge()
    findings: dict[str, bool] = {}
    for index, finding in enumerate(kb.findings.values()):
        if finding.opposite and finding.opposite in findings:
            continue
        findings[finding.id] = index % 3 == 0
    measurements = {m.id: round(m.minimum + (m.maximum - m.minimum) / 3, 2) for m in kb.measurements.values()}
    labs = []
    for lab in kb.labs.values():
        low, high = lab.plausible
        mid = round(low + (high - low) / 50, 3)
        labs.append({"test": lab.id, "value": mid, "unit": lab.unit, "collected": "2026-08-01"})
        labs.append(
            {"test": lab.loinc, "value": round(mid * 1.1, 3), "unit": lab.unit, "collected": "2026-09-01"}
        )
    meds = [
        "furosemide",
        "omeprazole",
        "atorvastatin",
        "sertraline",
        "gabapentin",
        "oxycodone",
        "baclofen",
        "prednisone",
        "raloxifene",
        "albuterol inhaler",
        "Herbal tea",
        "quinine",
    ]
    return {
        "format": "cramp-dx-case/1",
        "patient": {
            "mrn": "BENCH-1",
            "family_name": "Bench",
            "given_name": "Full",
            "birth_date": "1955-05-05",
            "sex": "female",
        },
        "surgery": {
            "procedure": "fusion",
            "levels": ["L4-L5", "L5-S1"],
            "date": "2026-06-01",
            "approach": "open",
            "prior_spine_surgeries": 1,
            "duration_hours": 4.0,
        },
        "visit": {"date": "2026-09-02", "symptom_side": "left", "notes": "Benchmark case."},
        "findings": findings,
        "measurements": measurements,
        "labs": labs,
        "medications": [{"name": m, "dose": "1 tab"} for m in meds],
        "orders": {"venous_duplex": {"state": "ordered", "date": "2026-09-02"}},
        "neuro_exam": full_neuro_exam(),
    }


def time_in_process(runs: int) -> list[float]:
    workup = parse_case(full_case())
    kb = load_knowledge()
    for _ in range(50):
        assess(workup, kb)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        assess(workup, kb)
        samples.append(time.perf_counter() - start)
    return samples


def time_processes(case_path: Path, runs: int) -> tuple[list[float], list[float]]:
    bare, cli = [], []
    cmd_bare = [sys.executable, "-c", "pass"]
    cmd_cli = [sys.executable, "-m", "cramp_dx", "assess", str(case_path), "--format", "json"]
    for cmd in (cmd_bare, cmd_cli):  # warm the file cache
        subprocess.run(cmd, capture_output=True, check=True)
    for _ in range(runs):  # interleaved, so load on the shared machine hits both alike
        for cmd, out in ((cmd_bare, bare), (cmd_cli, cli)):
            start = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=True)
            out.append(time.perf_counter() - start)
    return bare, cli


def heavy_modules(case_path: Path) -> list[str]:
    code = (
        "import sys, io, contextlib\n"
        f"sys.argv = ['cramp-dx', 'assess', {str(case_path)!r}]\n"
        "from cramp_dx.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()): main()\n"
        "heavy = ('PySide6', 'shiboken6', 'sqlalchemy', 'reportlab', 'alembic')\n"
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in heavy})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return [m for m in out.stdout.strip().split(",") if m]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true", help="print rows as JSON")
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--process-runs", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.process_runs = 300, 8

    samples = time_in_process(args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        case_path = Path(tmp) / "full.json"
        case_path.write_text(json.dumps(case_to_dict(parse_case(full_case()))), encoding="utf-8")
        bare, cli = time_processes(case_path, args.process_runs)
        heavy = heavy_modules(case_path)
    assess_ms = statistics.median(samples) * 1000
    bare_ms = statistics.median(bare) * 1000
    cli_ms = statistics.median(cli) * 1000
    rows = [
        {
            "benchmark": "core: assess() on a full case, in-process (median)",
            "value": round(assess_ms, 3),
            "unit": "ms",
            "baseline": None,
            "ratio": None,
            "target": "≤ 2 ms",
            "ok": assess_ms <= 2.0,
        },
        {
            "benchmark": "core: `cramp-dx assess` whole process vs `python -c pass`",
            "value": round(cli_ms, 1),
            "unit": "ms",
            "baseline": round(bare_ms, 1),
            "ratio": round(cli_ms / bare_ms, 2),
            "target": "≤ 15×",
            "ok": cli_ms / bare_ms <= 15,
        },
        {
            "benchmark": "core: heavy modules imported by `assess`",
            "value": ", ".join(heavy) or "none",
            "unit": "",
            "baseline": None,
            "ratio": None,
            "target": "none",
            "ok": not heavy,
        },
    ]
    if args.json:
        print(json.dumps(rows))
    else:
        for row in rows:
            ratio = (
                f"  ratio {row['ratio']}× (baseline {row['baseline']} {row['unit']})" if row["ratio"] else ""
            )
            print(
                f"{row['benchmark']}: {row['value']} {row['unit']}{ratio}  target {row['target']}  "
                f"{'OK' if row['ok'] else 'MISSED'}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Clinical accuracy on the published cases (tests/clinical/published, sources in SOURCES.md):
top-1, top-3, red-flag sensitivity and specificity, and each case's place.

Run: .venv/bin/python benchmarks/clinical_accuracy.py [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from support.clinical import run_all, summary  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    results = run_all()
    figures = summary(results)
    if args.json:
        print(
            json.dumps(
                {
                    **figures,
                    "cases_detail": [
                        r.__dict__
                        | {
                            "must_flags": sorted(r.must_flags),
                            "allowed_flags": sorted(r.allowed_flags),
                            "fired": sorted(r.fired),
                        }
                        for r in results
                    ],
                },
                indent=2,
                default=list,
            )
        )
        return 0
    for r in results:
        mark = "1" if r.rank == 1 else ("3" if r.rank <= 3 else "-")
        flags = ""
        if r.missed_flags:
            flags += f"  MISSED {sorted(r.missed_flags)}"
        if r.false_alarms:
            flags += f"  FALSE {sorted(r.false_alarms)}"
        top = ", ".join(r.top)
        print(f"[{mark}] {r.name:60s} {r.diagnosis:40s} rank {r.rank:2d}  top: {top}{flags}")
    f = figures
    print(
        f"\n{f['cases']:.0f} published cases: top-1 {f['top1']:.0%}, top-3 {f['top3']:.0%}, "
        f"red-flag sensitivity {f['flag_sensitivity']:.0%}, specificity {f['flag_specificity']:.1%}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

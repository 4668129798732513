"""What the damage screen at open costs on a 100,000-patient record (SQLite): the screen
alone (cramp_dx.store.pagecheck, the file warm in the page cache, as on a desk that uses it
daily) against the record's start-up in a fresh process: opening it (screen included),
signing in and listing the recent patients, as the app and every record command do. Each is
a median of fresh processes, alternated. Target: the screen under 10 % of that start-up.

    .venv/bin/python benchmarks/bench_damage_check.py [--keep DIR] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

SCREEN = """
import sqlite3, sys, time
from pathlib import Path
from cramp_dx.store.pagecheck import structure_problems
path = Path(sys.argv[1])
raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
roots = raw.execute("SELECT type, name, rootpage FROM sqlite_master WHERE rootpage > 0").fetchall()
raw.close()
started = time.perf_counter()
problems = structure_problems(path, roots)
print(time.perf_counter() - started, len(problems))
"""

START = """
import sys, time
started = time.perf_counter()
from cramp_dx.services import Services
from cramp_dx.store import open_database
database = open_database(sys.argv[1])
services = Services(database, Services.authenticate(database, "doc", "bench-password"))
assert len(services.recent_patients(50)) == 50
database.dispose()
print(time.perf_counter() - started, 0)
"""


def timed(code: str, path: Path) -> float:
    out = subprocess.run([sys.executable, "-c", code, str(path)], check=True, capture_output=True,
                         text=True, cwd=ROOT).stdout.split()
    assert out[1] == "0", out
    return float(out[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", help="folder for the database (default: a temp folder)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true", help="fewer runs (same record)")
    args = parser.parse_args()
    if args.quick:
        args.runs = 3
    from bench_record import generate

    from cramp_dx.services import Services
    from cramp_dx.store import open_database

    folder = Path(args.keep or tempfile.mkdtemp(prefix="cramp_dx_bench_"))
    path = folder / "damage.sqlite3"
    if not path.exists():
        db = open_database(str(path))
        Services.create_account(db, "doc", "bench-password", "physician")
        db.dispose()
        generate(path, args.patients)
    timed(START, path)  # warm the page cache
    screens, starts = [], []
    for _ in range(args.runs):
        screens.append(timed(SCREEN, path))
        starts.append(timed(START, path))
    screen, start = statistics.median(screens) * 1000, statistics.median(starts) * 1000
    ratio = screen / start
    row = {"benchmark": f"record: damage screen at open ({args.patients:,} patients, SQLite) vs "
           "start-up (open, sign in, recent patients)", "value": round(screen, 1), "unit": "ms",
           "baseline": round(start, 1), "ratio": round(ratio, 3), "target": "< 10 % of start-up",
           "ok": ratio < 0.10}
    if args.json:
        print(json.dumps([row]))
    else:
        print(f"damage screen {screen:.1f} ms; start-up {start:.1f} ms; {ratio:.1%} (target < 10 %)")
    return 0 if ratio < 0.10 else 1


if __name__ == "__main__":
    sys.exit(main())

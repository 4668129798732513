"""Record speed on SQLite: 100,000 patients and 300,000 visits, then patient search, opening a
full visit and saving one field change with its audit row, each as a median and as a ratio to
the same work done with the bare `sqlite3` module in the same process.

    .venv/bin/python benchmarks/bench_record.py [--patients N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from support.synthetic import FAMILY, FINDINGS, GIVEN, SYLLABLES  # noqa: E402

from cramp_dx.services import Services  # noqa: E402
from cramp_dx.services.changes import SetMeasurement  # noqa: E402
from cramp_dx.store import open_database  # noqa: E402
from cramp_dx.store.keys import PREFIX_END, name_key  # noqa: E402


def generate(path: Path, patients: int, visits_per_patient: int = 3) -> float:
    """Bulk-insert the synthetic record straight into the migrated file."""
    started = time.perf_counter()
    rng = random.Random(7)
    now = datetime.now(UTC).isoformat(sep=" ")
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("PRAGMA synchronous = OFF")
    with raw:
        patient_rows = []
        for pid in range(1, patients + 1):
            family = rng.choice(FAMILY) + rng.choice(SYLLABLES) + rng.choice(SYLLABLES)
            given = rng.choice(GIVEN)
            born = date(1930, 1, 1) + timedelta(days=rng.randrange(0, 27000))
            patient_rows.append(
                (
                    pid,
                    f"MRN{pid:07d}",
                    family,
                    given,
                    name_key(family),
                    name_key(given),
                    born.isoformat(),
                    rng.choice(["female", "male"]),
                    1,
                    now,
                    now,
                )
            )
        raw.executemany("INSERT INTO patient VALUES (?,?,?,?,?,?,?,?,?,?,?)", patient_rows)
        visit_rows, surgery_rows, finding_rows, meas_rows, lab_rows, med_rows = ([] for _ in range(6))
        vid = 0
        for pid in range(1, patients + 1):
            operated = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 600))
            for k in range(visits_per_patient):
                vid += 1
                seen = operated + timedelta(days=14 + 30 * k)
                visit_rows.append(
                    (vid, pid, seen.isoformat(), "bilateral", None, "intake", 1, 1, None, None, now, now)
                )
                surgery_rows.append((vid, vid, operated.isoformat(), "laminectomy", "L4-L5", "open", 0, 2.0))
                for finding in rng.sample(FINDINGS, 4):
                    finding_rows.append((vid, finding, rng.random() < 0.5))
                meas_rows.append((vid, "temperature_c", 36.5))
                meas_rows.append((vid, "heart_rate_bpm", float(rng.randrange(55, 110))))
                lab_rows.append((vid, vid, 0, "magnesium", 1.9, "mg/dL", seen.isoformat()))
                med_rows.append((vid, vid, 0, "omeprazole", "20 mg daily", None, None, None))
        raw.executemany("INSERT INTO visit VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", visit_rows)
        raw.executemany(
            "INSERT INTO surgery (id, visit_id, surgery_date, procedure, levels, approach, "
            "prior_spine_surgeries, duration_hours) VALUES (?,?,?,?,?,?,?,?)",
            surgery_rows,
        )
        raw.executemany("INSERT INTO visit_finding VALUES (?,?,?)", finding_rows)
        raw.executemany("INSERT INTO visit_measurement VALUES (?,?,?)", meas_rows)
        raw.executemany(
            "INSERT INTO visit_lab (id, visit_id, position, test, value, unit, collected) "
            "VALUES (?,?,?,?,?,?,?)",
            lab_rows,
        )
        raw.executemany("INSERT INTO visit_medication VALUES (?,?,?,?,?,?,?,?)", med_rows)
    raw.execute("ANALYZE")
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    return time.perf_counter() - started


def median_ms(work: Callable[[int], object], runs: int) -> float:
    times = []
    for i in range(runs):
        started = time.perf_counter()
        work(i)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def raw_connection(path: Path) -> sqlite3.Connection:
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("PRAGMA synchronous = FULL")
    raw.execute("PRAGMA foreign_keys = ON")
    return raw


RAW_SEARCH = (
    "SELECT * FROM patient WHERE mrn = ? OR family_key BETWEEN ? AND ? OR given_key BETWEEN ? "
    "AND ? ORDER BY family_key, given_key, id LIMIT 50"
)
RAW_VISIT = [
    "SELECT * FROM visit WHERE id = ?",
    "SELECT * FROM patient WHERE id = (SELECT patient_id FROM visit WHERE id = ?)",
    "SELECT * FROM surgery WHERE visit_id = ?",
    "SELECT * FROM visit_finding WHERE visit_id = ?",
    "SELECT * FROM visit_measurement WHERE visit_id = ?",
    "SELECT * FROM visit_lab WHERE visit_id = ? ORDER BY position",
    "SELECT * FROM visit_medication WHERE visit_id = ? ORDER BY position",
    "SELECT * FROM visit_order WHERE visit_id = ?",
    "SELECT * FROM visit_plan_item WHERE visit_id = ?",
    "SELECT * FROM red_flag_ack WHERE visit_id = ?",
    "SELECT * FROM addendum WHERE visit_id = ?",
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--keep", help="folder for the database (default: a temp folder)")
    parser.add_argument("--quick", action="store_true", help="fewer runs (same 100,000 patients)")
    parser.add_argument("--json", action="store_true", help="print rows as JSON (benchmarks/run_all.py)")
    args = parser.parse_args()
    if args.quick:
        args.runs = 60
    folder = Path(args.keep or tempfile.mkdtemp(prefix="cramp_dx_bench_"))
    path = folder / "bench.sqlite3"
    path.unlink(missing_ok=True)
    db = open_database(str(path))
    doc = Services.create_account(db, "doc", "bench-password", "physician")
    db.dispose()
    seconds = generate(path, args.patients)
    db = open_database(str(path))
    svc = Services(db, doc)
    raw = raw_connection(path)
    visits = args.patients * 3
    if not args.json:
        print(f"generated {args.patients:,} patients and {visits:,} visits in {seconds:.1f} s")
    rng = random.Random(11)
    prefixes = [name_key(rng.choice(FAMILY))[:3] + rng.choice(SYLLABLES) for _ in range(args.runs)]
    mrns = [f"MRN{rng.randrange(1, args.patients):07d}" for _ in range(args.runs)]
    births = [
        (date(1930, 1, 1) + timedelta(days=rng.randrange(0, 27000))).isoformat() for _ in range(args.runs)
    ]
    visit_ids = [rng.randrange(1, visits + 1) for _ in range(args.runs)]

    def raw_search(text: str) -> list[tuple]:
        key = name_key(text)
        return raw.execute(RAW_SEARCH, (text, key, key + PREFIX_END, key, key + PREFIX_END)).fetchall()

    def raw_birth(text: str) -> list[tuple]:
        return raw.execute(
            "SELECT * FROM patient WHERE birth_date = ? OR mrn = ? "
            "ORDER BY family_key, given_key, id LIMIT 50",
            (text, text),
        ).fetchall()

    def raw_open(visit_id: int) -> None:
        for query in RAW_VISIT:
            raw.execute(query, (visit_id,)).fetchall()

    records = {vid: svc.load_visit(vid) for vid in set(visit_ids)}

    def app_save(i: int) -> None:
        vid = visit_ids[i]
        rec = records[vid]
        old = rec.workup.measurements.get("heart_rate_bpm")
        records[vid] = svc.apply(vid, SetMeasurement("heart_rate_bpm", float(60 + i % 50), old), rec.version)

    def raw_save(i: int) -> None:
        vid = visit_ids[i]
        raw.execute("BEGIN IMMEDIATE")
        raw.execute(
            "UPDATE visit_measurement SET value = ? WHERE visit_id = ? AND measurement_id = 'heart_rate_bpm'",
            (float(70 + i % 50), vid),
        )
        raw.execute("UPDATE visit SET version = version + 1 WHERE id = ?", (vid,))
        last = raw.execute("SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1").fetchone()
        raw.execute(
            "INSERT INTO audit_event (id, at, account_id, username, action, entity, prev_hash, "
            "hash) VALUES (?, ?, 1, 'doc', 'update', 'visit', ?, ?)",
            (last[0] + 1, datetime.now(UTC).isoformat(), last[1], f"raw{i}-{time.time_ns()}"),
        )
        raw.execute("COMMIT")

    def bare_commit(i: int) -> None:
        raw.execute("BEGIN")
        raw.execute("UPDATE visit SET notes = ? WHERE id = 1", (str(i),))
        raw.execute("COMMIT")

    rows = [
        (
            "search by name prefix",
            10.0,
            median_ms(lambda i: svc.search_patients(prefixes[i]), args.runs),
            median_ms(lambda i: raw_search(prefixes[i]), args.runs),
        ),
        (
            "search by MRN",
            10.0,
            median_ms(lambda i: svc.search_patients(mrns[i]), args.runs),
            median_ms(lambda i: raw_search(mrns[i]), args.runs),
        ),
        (
            "search by birth date",
            10.0,
            median_ms(lambda i: svc.search_patients(births[i]), args.runs),
            median_ms(lambda i: raw_birth(births[i]), args.runs),
        ),
        (
            "open a full visit",
            15.0,
            median_ms(lambda i: svc.load_visit(visit_ids[i]), args.runs),
            median_ms(lambda i: raw_open(visit_ids[i]), args.runs),
        ),
        ("save one field + audit row", 5.0, median_ms(app_save, args.runs), median_ms(raw_save, args.runs)),
    ]
    commit = median_ms(bare_commit, args.runs)
    if args.json:
        out = [
            {"benchmark": f"record: {name} ({args.patients:,} patients, {visits:,} visits, SQLite)",
             "value": round(app, 2), "unit": "ms", "baseline": round(bare, 3), "ratio": round(app / bare, 1),
             "target": f"≤ {target:g} ms", "ok": app <= target}
            for name, target, app, bare in rows
        ]
        out.append({"benchmark": "record: save one field + audit row vs a bare sqlite3 commit",
                    "value": round(rows[-1][2], 2), "unit": "ms", "baseline": round(commit, 3),
                    "ratio": round(rows[-1][2] / commit, 1), "target": "≤ 5 ms", "ok": rows[-1][2] <= 5})
        print(json.dumps(out))
        raw.close()
        db.dispose()
        return 0
    print(f"{'operation':<28} {'median ms':>10} {'target':>8} {'raw sqlite3':>12} {'ratio':>7}")
    failed = False
    for name, target, app, bare in rows:
        ok = app <= target
        failed |= not ok
        print(f"{name:<28} {app:>10.2f} {target:>7.0f}{'' if ok else '!'} {bare:>12.3f} {app / bare:>6.1f}x")
    print(f"{'bare sqlite3 commit':<28} {commit:>10.3f}")
    print(f"save / bare commit ratio: {rows[-1][2] / commit:.1f}x")
    raw.close()
    db.dispose()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Record speed on PostgreSQL: a throwaway server started and removed here, a synthetic record
loaded with COPY (100,000 patients / 300,000 visits by default; --patients 1000000 for a
group of clinics), then

- through the service layer and with bare psycopg in the same run: patient search by name
  prefix, MRN and birth date, the recent-patients list, opening a full visit, and saving one
  field with its audit row (each as median and p95, and the ratio of the medians);
- with --workstations N: N processes working through the service layer for --seconds
  (search, open, toggle findings, add labs, sign), checked afterwards by re-reading the
  record (tests/support/workstations.py) and by verifying the audit chain.

    .venv/bin/python benchmarks/bench_record_pg.py [--patients N] [--workstations 20 --seconds 60]

The server runs with fsync and synchronous_commit on (every save is on disk when it returns),
on 127.0.0.1, with the settings in SERVER_SETTINGS.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import psycopg  # noqa: E402
from support.pgcluster import Cluster  # noqa: E402
from support.synthetic import (  # noqa: E402
    BIRTH_DAYS,
    FAMILY,
    FIRST_BIRTH,
    GIVEN,
    SYLLABLES,
    latest_visit_ids,
    load_postgres,
    mrn,
)

from cramp_dx.services import Services  # noqa: E402
from cramp_dx.services.changes import SetMeasurement  # noqa: E402
from cramp_dx.store import open_database  # noqa: E402
from cramp_dx.store.keys import PREFIX_END, name_key  # noqa: E402

SERVER_SETTINGS = {
    "shared_buffers": "1GB",
    "effective_cache_size": "4GB",
    "maintenance_work_mem": "512MB",
    "max_wal_size": "8GB",
    "max_connections": "100",
}
PASSWORD = "bench-password"


def percentile(times: Sequence[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Figure:
    name: str
    target_ms: float | None
    app: list[float]
    bare: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.app)

    @property
    def bare_median(self) -> float:
        return statistics.median(self.bare)


def timed(work: Callable[[int], object], runs: int) -> list[float]:
    times = []
    for i in range(runs):
        started = time.perf_counter()
        work(i)
        times.append((time.perf_counter() - started) * 1000)
    return times


def name_prefixes(rng: random.Random, count: int) -> list[str]:
    """What is typed into the search box: 2 letters up to a whole name, four times in five a
    family name, else a given name."""
    prefixes = []
    for _ in range(count):
        if rng.random() < 0.8:
            name = rng.choice(FAMILY) + rng.choice(SYLLABLES) + rng.choice(SYLLABLES)
        else:
            name = rng.choice(GIVEN)
        prefixes.append(name[: rng.randint(2, len(name))])
    return prefixes


RAW_NAME = """
SELECT * FROM (
    (SELECT * FROM patient WHERE mrn = %(text)s)
    UNION
    (SELECT * FROM patient WHERE family_key BETWEEN %(key)s AND %(end)s
     ORDER BY family_key, given_key, id LIMIT 50)
    UNION
    (SELECT * FROM patient WHERE given_key BETWEEN %(key)s AND %(end)s
     ORDER BY family_key, given_key, id LIMIT 50)
) found ORDER BY family_key, given_key, id LIMIT 50
"""
RAW_BIRTH = (
    "SELECT * FROM patient WHERE birth_date = %s OR mrn = %s ORDER BY family_key, given_key, id LIMIT 50"
)
RAW_RECENT = [
    "SELECT patient_id, updated_at FROM visit ORDER BY updated_at DESC LIMIT 200",
    "SELECT id, updated_at FROM patient ORDER BY updated_at DESC LIMIT 50",
]
RAW_STATS = (
    "SELECT v.patient_id, max(s.surgery_date), max(v.visit_date), count(v.id) FROM visit v "
    "LEFT JOIN surgery s ON s.visit_id = v.id WHERE v.patient_id = ANY(%s) GROUP BY v.patient_id"
)
RAW_LOCK_VISIT = "SELECT patient_id FROM visit WHERE id = %s FOR UPDATE"
RAW_SET_HEART_RATE = (
    "UPDATE visit_measurement SET value = %s WHERE visit_id = %s AND measurement_id = 'heart_rate_bpm'"
)
RAW_AUDIT_TAIL = "SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1"
RAW_AUDIT_INSERT = (
    "INSERT INTO audit_event (id, at, account_id, username, action, entity, entity_id, patient_id, "
    "visit_id, field, old_value, new_value, prev_hash, hash) VALUES (%s, %s, 1, 'doc', 'update', "
    "'visit', %s, %s, %s, 'measurements.heart_rate_bpm', NULL, %s, %s, %s)"
)
RAW_VISIT = [
    "SELECT * FROM visit WHERE id = %(v)s",
    "SELECT * FROM patient WHERE id = (SELECT patient_id FROM visit WHERE id = %(v)s)",
    "SELECT * FROM surgery WHERE visit_id = %(v)s",
    "SELECT * FROM visit_finding WHERE visit_id = %(v)s ORDER BY finding_id",
    "SELECT * FROM visit_measurement WHERE visit_id = %(v)s ORDER BY measurement_id",
    "SELECT * FROM visit_lab WHERE visit_id = %(v)s ORDER BY position",
    "SELECT * FROM visit_medication WHERE visit_id = %(v)s ORDER BY position",
    "SELECT * FROM visit_order WHERE visit_id = %(v)s",
    "SELECT * FROM visit_plan_item WHERE visit_id = %(v)s ORDER BY position",
    "SELECT * FROM red_flag_ack WHERE visit_id = %(v)s",
    "SELECT * FROM addendum WHERE visit_id = %(v)s ORDER BY id",
]


class Bare:
    """The same work with psycopg alone: hand-written SQL, one connection, no ORM."""

    def __init__(self, conninfo: str) -> None:
        self.connection = psycopg.connect(conninfo)

    def _patients(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        self.connection.execute(RAW_STATS, [[row[0] for row in rows]]).fetchall()
        return rows

    def search_name(self, text: str) -> list[tuple[Any, ...]]:
        key = name_key(text)
        with self.connection.transaction():
            rows = self.connection.execute(
                RAW_NAME, {"text": text, "key": key, "end": key + PREFIX_END}
            ).fetchall()
            return self._patients(rows)

    def search_birth(self, text: str) -> list[tuple[Any, ...]]:
        with self.connection.transaction():
            born = datetime.fromisoformat(text).date()
            rows = self.connection.execute(RAW_BIRTH, (born, text)).fetchall()
            return self._patients(rows)

    def recent(self) -> None:
        with self.connection.transaction():
            ids = [row[0] for query in RAW_RECENT for row in self.connection.execute(query)]
            rows = self.connection.execute("SELECT * FROM patient WHERE id = ANY(%s)", [ids[:50]])
            self._patients(rows.fetchall())

    def open_visit(self, visit_id: int) -> None:
        with self.connection.transaction():
            for query in RAW_VISIT:
                self.connection.execute(query, {"v": visit_id}).fetchall()

    def save(self, visit_id: int, value: float) -> None:
        """What a save does: lock the visit and patient, write the field and the version, append
        the chained audit row under the audit lock, commit."""
        c = self.connection
        with c.transaction():
            c.execute("SELECT active FROM account WHERE id = 1").fetchone()
            patient = c.execute(RAW_LOCK_VISIT, (visit_id,)).fetchone()
            c.execute("SELECT id FROM patient WHERE id = %s FOR UPDATE", patient).fetchone()
            c.execute(RAW_SET_HEART_RATE, (value, visit_id))
            c.execute("UPDATE visit SET version = version + 1, updated_at = now() WHERE id = %s", (visit_id,))
            c.execute("SELECT pg_advisory_xact_lock(1)")
            last_id, last_hash = c.execute(RAW_AUDIT_TAIL).fetchone()
            at = datetime.now(UTC).isoformat()
            c.execute(
                RAW_AUDIT_INSERT,
                (last_id + 1, at, str(visit_id), patient[0], visit_id, str(value), last_hash,
                 f"bare-{time.time_ns()}-{visit_id}"),
            )

    def commit_only(self, value: int) -> None:
        with self.connection.transaction():
            self.connection.execute("UPDATE visit SET notes = %s WHERE id = 1", (str(value),))

    def close(self) -> None:
        self.connection.close()


def single_client(
    url: str, conninfo: str, doc: Any, patients: int, runs: int
) -> tuple[list[Figure], list[float]]:
    db = open_database(url)
    svc = Services(db, doc)
    bare = Bare(conninfo)
    rng = random.Random(11)
    prefixes = name_prefixes(rng, runs)
    mrns = [mrn(rng.randrange(1, patients + 1)) for _ in range(runs)]
    births = [(FIRST_BIRTH + timedelta(days=rng.randrange(BIRTH_DAYS))).isoformat() for _ in range(runs)]
    editable = latest_visit_ids(patients)
    visit_ids = [rng.randrange(1, patients * 3 + 1) for _ in range(runs)]
    save_ids = [editable[rng.randrange(len(editable))] for _ in range(runs)]
    records = {vid: svc.load_visit(vid) for vid in set(save_ids)}

    def app_save(i: int) -> None:
        vid = save_ids[i]
        rec = records[vid]
        old = rec.workup.measurements.get("heart_rate_bpm")
        records[vid] = svc.apply(vid, SetMeasurement("heart_rate_bpm", float(60 + i % 50), old), rec.version)

    for i in range(min(runs, 20)):  # warm both paths: statement caches, prepared statements
        svc.search_patients(prefixes[i])
        bare.search_name(prefixes[i])
        svc.load_visit(visit_ids[i])
        bare.open_visit(visit_ids[i])
    figures = [
        Figure("search by name prefix", 10.0,
               timed(lambda i: svc.search_patients(prefixes[i]), runs),
               timed(lambda i: bare.search_name(prefixes[i]), runs)),
        Figure("search by MRN", 10.0,
               timed(lambda i: svc.search_patients(mrns[i]), runs),
               timed(lambda i: bare.search_name(mrns[i]), runs)),
        Figure("search by birth date", 10.0,
               timed(lambda i: svc.search_patients(births[i]), runs),
               timed(lambda i: bare.search_birth(births[i]), runs)),
        Figure("recent patients (empty search)", 10.0,
               timed(lambda i: svc.recent_patients(), runs),
               timed(lambda i: bare.recent(), runs)),
        Figure("open a full visit", 15.0,
               timed(lambda i: svc.load_visit(visit_ids[i]), runs),
               timed(lambda i: bare.open_visit(visit_ids[i]), runs)),
        Figure("save one field + audit row", 10.0,
               timed(app_save, runs),
               timed(lambda i: bare.save(save_ids[i], float(70 + i % 50)), runs)),
    ]
    commits = timed(bare.commit_only, runs)
    bare.close()
    db.dispose()
    return figures, commits


def database_size(conninfo: str) -> int:
    with psycopg.connect(conninfo) as connection:
        return int(connection.execute("SELECT pg_database_size(current_database())").fetchone()[0])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="fewer runs, no workstations")
    parser.add_argument("--json", action="store_true", help="print rows as JSON (benchmarks/run_all.py)")
    parser.add_argument("--workdir", help="folder for the server's files (default: the temp folder)")
    args = parser.parse_args()
    if args.quick:
        args.runs = 100
    with Cluster.start(SERVER_SETTINGS, parent=args.workdir, no_sync=False) as cluster:
        name = cluster.create_database("cramp_dx")
        url, conninfo = cluster.url(name), cluster.conninfo(name)
        db = open_database(url)
        doc = Services.create_account(db, "doc", PASSWORD, "physician")
        db.dispose()
        load = load_postgres(conninfo, args.patients, account_id=doc.id, username=doc.username)
        size = database_size(conninfo)
        if not args.json:
            print(
                f"loaded {load.patients:,} patients and {load.visits:,} visits "
                f"({sum(load.rows.values()):,} rows, {size / 2**30:.2f} GiB) in {load.seconds:.0f} s: "
                f"COPY {load.copy_seconds:.0f} s, indexes {load.index_seconds:.0f} s, "
                f"VACUUM ANALYZE {load.vacuum_seconds:.0f} s",
                flush=True,
            )
        figures, commits = single_client(url, conninfo, doc, args.patients, args.runs)
    scale = f"{args.patients:,} patients, {args.patients * 3:,} visits, PostgreSQL"
    if args.json:
        rows = [
            {"benchmark": f"record: {f.name} ({scale})", "value": round(f.median, 2), "unit": "ms",
             "baseline": round(f.bare_median, 3), "ratio": round(f.median / f.bare_median, 1),
             "target": f"≤ {f.target_ms:g} ms" if f.target_ms else "", "ok": f.median <= (f.target_ms or 1e9)}
            for f in figures
        ]
        print(json.dumps(rows))
        return 0
    print(f"{'operation':<32} {'median':>8} {'p95':>8} {'target':>7} {'psycopg':>8} {'p95':>8} {'ratio':>6}")
    failed = False
    for f in figures:
        ok = f.target_ms is None or f.median <= f.target_ms
        failed |= not ok
        print(
            f"{f.name:<32} {f.median:>8.2f} {percentile(f.app, 0.95):>8.2f} {f.target_ms or 0:>6.0f}"
            f"{'' if ok else '!'} {f.bare_median:>8.3f} {percentile(f.bare, 0.95):>8.3f} "
            f"{f.median / f.bare_median:>5.1f}x"
        )
    commit, commit_p95 = statistics.median(commits), percentile(commits, 0.95)
    print(f"{'bare commit (one UPDATE)':<32} {commit:>8.2f} {commit_p95:>8.2f}")
    print(f"machine: {os.cpu_count()} cores; server settings: {SERVER_SETTINGS}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

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
import contextlib
import functools
import json
import os
import random
import resource
import signal
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import psycopg  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
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
from support.workstations import Plan, Run, check, create_accounts, run_workstations  # noqa: E402

from cramp_dx.services import Services, audit  # noqa: E402
from cramp_dx.services.changes import SetMeasurement  # noqa: E402
from cramp_dx.store import open_database  # noqa: E402
from cramp_dx.store.database import APPLICATION_NAME  # noqa: E402
from cramp_dx.store.keys import PREFIX_END, name_key  # noqa: E402
from cramp_dx.store.models import AuditEvent  # noqa: E402

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
RAW_VISIT = [
    "SELECT * FROM visit WHERE id = %(v)s",
    "SELECT * FROM patient WHERE id = (SELECT patient_id FROM visit WHERE id = %(v)s)",
    "SELECT * FROM surgery WHERE visit_id = %(v)s",
    "SELECT * FROM visit_finding WHERE visit_id = %(v)s ORDER BY finding_id",
    "SELECT * FROM visit_measurement WHERE visit_id = %(v)s ORDER BY measurement_id",
    "SELECT * FROM visit_lab WHERE visit_id = %(v)s ORDER BY position",
    "SELECT * FROM visit_medication WHERE visit_id = %(v)s ORDER BY position",
    "SELECT * FROM visit_order WHERE visit_id = %(v)s",
    "SELECT * FROM visit_neuro_sign WHERE visit_id = %(v)s",
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
        the chained audit row (with the server's audit_append, as the app does), commit."""
        c = self.connection
        with c.transaction():
            c.execute("SELECT active FROM account WHERE id = 1").fetchone()
            patient = c.execute(RAW_LOCK_VISIT, (visit_id,)).fetchone()
            c.execute("SELECT id FROM patient WHERE id = %s FOR UPDATE", patient).fetchone()
            c.execute(RAW_SET_HEART_RATE, (value, visit_id))
            c.execute("UPDATE visit SET version = version + 1, updated_at = now() WHERE id = %s", (visit_id,))
            pending = {
                "account_id": 1, "username": "doc", "action": "update", "entity": "visit",
                "entity_id": str(visit_id), "patient_id": patient[0], "visit_id": visit_id,
                "field": "measurements.heart_rate_bpm", "old_value": None, "new_value": str(value),
            }
            c.execute("SELECT audit_append(%s::jsonb)", (json.dumps([pending]),))

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


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class ServerMonitor:
    """While the workstations run: the server's CPU time (its processes, and the backends that
    ended, through the postmaster's children's times), its peak memory (PSS: shared buffers
    counted once), and from pg_stat_activity four times a second the workstations'
    connections and how many of them wait for the audit lock or for a row lock."""

    def __init__(self, cluster: Cluster, conninfo: str) -> None:
        self.cluster = cluster
        self.conninfo = conninfo
        self.peak_pss = 0
        self.peak_connections = 0
        self.samples: list[tuple[int, int, int]] = []  # (connections, audit-lock waits, row-lock waits)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def cpu_seconds(self) -> float:
        ticks = 0
        pids = self.cluster.server_pids()
        for n, pid in enumerate(pids):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
            if n == 0:
                ticks += int(fields[13]) + int(fields[14])  # cutime, cstime: backends that ended
        return ticks / os.sysconf("SC_CLK_TCK")

    def pss_bytes(self) -> int:
        total = 0
        for pid in self.cluster.server_pids():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
        return total

    def _sample(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True, application_name="bench-monitor") as db:
            tick = 0
            while not self._stop.wait(0.25):
                row = db.execute(ACTIVITY, (APPLICATION_NAME,)).fetchone()
                self.samples.append((row[0], row[1], row[2]))
                self.peak_connections = max(self.peak_connections, row[0])
                tick += 1
                if tick % 4 == 0:
                    self.peak_pss = max(self.peak_pss, self.pss_bytes())

    def mean(self, which: int) -> float:
        busy = [s[which] for s in self.samples if s[0]]
        return statistics.mean(busy) if busy else 0.0

    def __enter__(self) -> ServerMonitor:
        self.cpu_before = self.cpu_seconds()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu = self.cpu_seconds() - self.cpu_before


ACTIVITY = """
SELECT count(*),
       count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'),
       count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event <> 'advisory')
FROM pg_stat_activity WHERE application_name = %s
"""


@dataclass
class Concurrency:
    workstations: int
    think: float
    run: Run
    problems: list[str]
    server_cpu: float
    client_cpu: float
    server_pss: int
    connections: int
    waiting_audit: float
    waiting_rows: float

    @property
    def saves_per_second(self) -> float:
        return len(self.run.saves) / self.run.seconds

    @property
    def operations_per_second(self) -> float:
        return sum(len(self.run.ms(op)) for op in ("search", "open", "save")) / self.run.seconds


@dataclass
class AuditCheck:
    problems: list[str]
    rows: int
    seconds: float


def workstations(
    cluster: Cluster, url: str, conninfo: str, doc: Any, patients: int, count: int, seconds: float,
    thinks: list[float],
) -> tuple[list[Concurrency], AuditCheck]:
    """One run of `count` workstations per think time, each checked by re-reading the record;
    then the whole audit chain verified."""
    db = open_database(url + "?application_name=bench")
    names = create_accounts(db, doc, count)
    phases = []
    for n, think in enumerate(thinks):
        plan = Plan(url, seconds=seconds, patients=patients, think_seconds=think, seed=n + 1)
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with ServerMonitor(cluster, conninfo) as monitor:
            run = run_workstations(plan, names)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        client_cpu = sum(getattr(children, f) - getattr(children_before, f) for f in ("ru_utime", "ru_stime"))
        phases.append(
            Concurrency(count, think, run, check(db, run), monitor.cpu, client_cpu, monitor.peak_pss,
                        monitor.peak_connections, monitor.mean(1), monitor.mean(2))
        )
    started = time.perf_counter()
    problems = audit.verify(db)
    verify_seconds = time.perf_counter() - started
    with db.session() as session:
        rows = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    db.dispose()
    return phases, AuditCheck(problems, rows, verify_seconds)


def summarize(c: Concurrency) -> list[str]:
    run = c.run
    save, search, opened = run.ms("save"), run.ms("search"), run.ms("open")
    kinds = {kind: sum(1 for s in run.saves if s.kind == kind) for kind in ("finding", "lab", "sign")}
    pace = f"a mean pause of {c.think:g} s before each action" if c.think else "no pause between actions"
    return [
        f"{c.workstations} workstations for {run.seconds:.0f} s, {pace} (processes on this machine's "
        f"{os.cpu_count()} cores, with the server)",
        f"  saves: {len(run.saves):,} ({kinds['finding']:,} findings, {kinds['lab']:,} labs, "
        f"{kinds['sign']:,} signs) = {c.saves_per_second:.1f} saves/s; all operations "
        f"{c.operations_per_second:.1f}/s",
        f"  save latency ms: p50 {percentile(save, 0.5):.1f}, p95 {percentile(save, 0.95):.1f}, "
        f"p99 {percentile(save, 0.99):.1f}",
        f"  search ms: p50 {percentile(search, 0.5):.1f}, p95 {percentile(search, 0.95):.1f}; "
        f"open ms: p50 {percentile(opened, 0.5):.1f}, p95 {percentile(opened, 0.95):.1f}",
        f"  conflicts reported: {len(run.conflicts):,}; visits signed meanwhile: "
        f"{sum(w.signed_meanwhile for w in run.workstations):,}",
        f"  re-read check: {len(c.problems)} problems (lost or silently overwritten saves, false conflicts)"
        + "".join(f"\n    {p}" for p in c.problems[:10]),
        f"  CPU: server {c.server_cpu / run.seconds:.2f} cores, workstation processes "
        f"{c.client_cpu / run.seconds:.2f} cores (start-up included); server memory peak "
        f"{c.server_pss / 2**20:,.0f} MiB PSS",
        f"  connections: {c.connections} at most (one per workstation); on average "
        f"{c.waiting_audit:.2f} waiting for the audit lock and {c.waiting_rows:.2f} for a row lock",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--workstations", type=int, default=20, help="0: no concurrency run")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each concurrency run")
    parser.add_argument(
        "--think", default="0", help="mean pause before each action, seconds; a comma list runs each in turn"
    )
    parser.add_argument("--quick", action="store_true", help="100 runs, no concurrency run")
    parser.add_argument("--json", action="store_true", help="print rows as JSON (benchmarks/run_all.py)")
    parser.add_argument("--workdir", help="folder for the server's files (default: the temp folder)")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.workstations = 100, 0
    for stop in (signal.SIGTERM, signal.SIGHUP):  # leave through the `with`: the server is removed
        signal.signal(stop, lambda number, _frame: sys.exit(128 + number))
    say = (lambda *_: None) if args.json else functools.partial(print, flush=True)
    say(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load average {load_average()}")
    phases: list[Concurrency] = []
    audit_check = None
    with Cluster.start(SERVER_SETTINGS, parent=args.workdir, no_sync=False) as cluster:
        name = cluster.create_database("cramp_dx")
        url, conninfo = cluster.url(name), cluster.conninfo(name)
        db = open_database(url)
        doc = Services.create_account(db, "doc", PASSWORD, "physician")
        db.dispose()
        load = load_postgres(conninfo, args.patients, account_id=doc.id, username=doc.username)
        size = database_size(conninfo)
        say(
            f"loaded {load.patients:,} patients and {load.visits:,} visits "
            f"({sum(load.rows.values()):,} rows, {size / 2**30:.2f} GiB) in {load.seconds:.0f} s: "
            f"COPY {load.copy_seconds:.0f} s, indexes {load.index_seconds:.0f} s, "
            f"VACUUM ANALYZE {load.vacuum_seconds:.0f} s"
        )
        figures, commits = single_client(url, conninfo, doc, args.patients, args.runs)
        say(f"single-client runs done, load average {load_average()}")
        if args.workstations:
            thinks = [float(t) for t in args.think.split(",")]
            phases, audit_check = workstations(
                cluster, url, conninfo, doc, args.patients, args.workstations, args.seconds, thinks
            )
    scale = f"{args.patients:,} patients, {args.patients * 3:,} visits, PostgreSQL"
    if args.json:
        print(json.dumps(json_rows(figures, phases, audit_check, scale)))
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
    for phase in phases:
        print("\n".join(summarize(phase)))
        failed |= bool(phase.problems)
    if audit_check is not None:
        print(
            f"audit chain ({audit_check.rows:,} rows): "
            + (f"{len(audit_check.problems)} problems: {audit_check.problems[:3]}" if audit_check.problems
               else "intact")
            + f", verified in {audit_check.seconds:.0f} s"
        )
        failed |= bool(audit_check.problems)
    print(f"server settings: {SERVER_SETTINGS}; load average at the end {load_average()}")
    return 1 if failed else 0


def json_rows(
    figures: list[Figure], phases: list[Concurrency], audit_check: AuditCheck | None, scale: str
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"benchmark": f"record: {f.name} ({scale})", "value": round(f.median, 2), "unit": "ms",
         "baseline": round(f.bare_median, 3), "ratio": round(f.median / f.bare_median, 1),
         "target": f"≤ {f.target_ms:g} ms", "ok": f.median <= (f.target_ms or 0)}
        for f in figures
    ]
    for phase in phases:
        label = f"record: {phase.workstations} workstations, pause {phase.think:g} s"
        save = phase.run.ms("save")
        rows.append({"benchmark": f"{label}, saves per second ({scale})",
                     "value": round(phase.saves_per_second, 1), "unit": "", "baseline": None,
                     "ratio": None, "target": "", "ok": None})
        rows.append({"benchmark": f"{label}, save p50 / p95 / p99",
                     "value": "/".join(f"{percentile(save, q):.0f}" for q in (0.5, 0.95, 0.99)),
                     "unit": "ms", "baseline": None, "ratio": None, "target": "", "ok": None})
        rows.append({"benchmark": f"{label}, saves lost or silently overwritten",
                     "value": len(phase.problems), "unit": "", "baseline": None, "ratio": None,
                     "target": "0", "ok": not phase.problems})
    if audit_check is not None:
        rows.append({"benchmark": f"record: audit chain after the workstations ({audit_check.rows:,} rows)",
                     "value": "intact" if not audit_check.problems else f"{len(audit_check.problems)} breaks",
                     "unit": "", "baseline": None, "ratio": None, "target": "intact",
                     "ok": not audit_check.problems})
    return rows


if __name__ == "__main__":
    sys.exit(main())

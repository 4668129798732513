"""Simulated workstations: N processes, each signed in as its own physician, working on a
synthetic record (support/synthetic.py) through the service layer for a fixed time, and the
check afterwards that nothing was lost or silently overwritten.

Each workstation repeats an encounter: search (a name prefix, an MRN or a birth date), open a
visit, make one to four edits (toggle a finding, add a lab), and now and then sign the visit.
A share of the encounters go to a few "hot" visits every workstation works on, so edits
collide; a conflict is handled as the app does (the record as it now is becomes the copy
being edited). Every save is logged with the version it was based on, the value its editor
saw, the value written and the version it returned.

`check` then re-reads the record: per visit, the returned versions must run without gap or
repeat up to the visit's version; each save has its audit row, naming the value the record
held, which must be the one its editor saw (else it overwrote a change unseen); the last value
saved for each field is the one in the record, and every lab added is there; every conflict
names a value some other workstation saved.

    plan = Plan(url, seconds=60, patients=100_000)
    run = run_workstations(plan, create_accounts(db, 20))
    problems = check(db, run)
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import random
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from cramp_dx.case.model import LabResult
from cramp_dx.services import Account, ConflictError, RedFlagsOpenError, Services, SignedVisitError
from cramp_dx.services.audit import to_json
from cramp_dx.services.changes import AddLab, SetFinding
from cramp_dx.store import Database, open_database
from cramp_dx.store import models as m
from support.synthetic import BIRTH_DAYS, FAMILY, FINDINGS, FIRST_BIRTH, GIVEN, latest_visit_ids, mrn

PASSWORD = "workstation-password"


@dataclass(frozen=True)
class Plan:
    url: str
    seconds: float
    patients: int
    visits_per_patient: int = 3
    #: editable visits every workstation also works on, so that edits collide
    hot_visits: int = 20
    hot_share: float = 0.3
    #: share of the other encounters that end with signing the visit
    sign_share: float = 0.1
    #: the findings toggled (fewer: more collisions)
    findings: tuple[str, ...] = tuple(FINDINGS)
    #: mean pause before each action, as a person reading and typing (exponential; 0: none)
    think_seconds: float = 0.0
    seed: int = 1


@dataclass(frozen=True)
class Save:
    workstation: int
    kind: str  # "finding", "lab" or "sign"
    visit_id: int
    field: str
    base_version: int
    seen: Any
    new: Any
    version: int


@dataclass(frozen=True)
class Conflict:
    workstation: int
    visit_id: int
    field: str
    base_version: int
    seen: Any
    mine: Any
    theirs: Any
    current_version: int


@dataclass
class Workstation:
    index: int
    saves: list[Save] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    signed_meanwhile: int = 0
    # signing refused because a red flag is still unacknowledged: the rule working, not a loss
    sign_refused_open_flag: int = 0
    errors: list[str] = field(default_factory=list)
    ms: dict[str, list[float]] = field(default_factory=lambda: {"search": [], "open": [], "save": []})


@dataclass
class Run:
    plan: Plan
    seconds: float  # wall time from the common start to the last workstation's stop
    audit_before: int  # the audit tail's id before the run
    workstations: list[Workstation]

    @property
    def saves(self) -> list[Save]:
        return [s for w in self.workstations for s in w.saves]

    @property
    def conflicts(self) -> list[Conflict]:
        return [c for w in self.workstations for c in w.conflicts]

    def ms(self, operation: str) -> list[float]:
        return [t for w in self.workstations for t in w.ms[operation]]


def create_accounts(db: Database, actor: Account, count: int) -> list[str]:
    """Physician accounts ws01, ws02, …, added by `actor` (an admin, or a physician while the
    record has none)."""
    names = [f"ws{n:02d}" for n in range(1, count + 1)]
    for name in names:
        Services.create_account(db, name, PASSWORD, "physician", actor=actor)
    return names


def _lab_value(workstation: int, n: int) -> float:
    """A plausible magnesium (mg/dL) no other save uses, so each added lab can be found."""
    return round(1.0 + (workstation * 100_000 + n) / 10_000_000, 7)


def _search_text(rng: random.Random, patients: int) -> str:
    roll = rng.random()
    if roll < 0.6:
        name = rng.choice(FAMILY) if rng.random() < 0.8 else rng.choice(GIVEN)
        return name[: rng.randint(2, len(name))]
    if roll < 0.85:
        return mrn(rng.randrange(1, patients + 1))
    return (FIRST_BIRTH + timedelta(days=rng.randrange(BIRTH_DAYS))).isoformat()


def _think(plan: Plan, rng: random.Random, deadline: float) -> bool:
    """Pause as a person would before the next action; False when the run is over."""
    if plan.think_seconds > 0:
        time.sleep(max(0.0, min(rng.expovariate(1 / plan.think_seconds), deadline - time.monotonic())))
    return time.monotonic() < deadline


def _encounter(svc: Services, me: Workstation, plan: Plan, rng: random.Random, hot: list[int],
               cold: range, deadline: float, counter: list[int]) -> None:
    if not _think(plan, rng, deadline):
        return
    started = time.perf_counter()
    svc.search_patients(_search_text(rng, plan.patients))
    me.ms["search"].append((time.perf_counter() - started) * 1000)
    is_hot = rng.random() < plan.hot_share
    visit_id = rng.choice(hot) if is_hot else cold[rng.randrange(len(cold))]
    if not _think(plan, rng, deadline):
        return
    started = time.perf_counter()
    record = svc.load_visit(visit_id)
    me.ms["open"].append((time.perf_counter() - started) * 1000)
    if record.read_only:
        return
    for _ in range(rng.randint(1, 4)):
        if not _think(plan, rng, deadline):
            return
        if rng.random() < 0.7:
            finding = rng.choice(plan.findings)
            seen = record.workup.findings.get(finding)
            change: SetFinding | AddLab = SetFinding(finding, not seen, seen)
            kind, new = "finding", not seen
        else:
            counter[0] += 1
            lab = LabResult("magnesium", _lab_value(me.index, counter[0]), "mg/dL")
            change, kind, seen, new = AddLab(lab), "lab", None, lab.value
        started = time.perf_counter()
        try:
            saved = svc.apply(visit_id, change, record.version)
        except ConflictError as conflict:
            me.conflicts.append(
                Conflict(me.index, visit_id, conflict.field, record.version, seen, conflict.mine,
                         conflict.theirs, conflict.current.version)
            )
            record = conflict.current
            continue
        except SignedVisitError:
            me.signed_meanwhile += 1
            return
        finally:
            me.ms["save"].append((time.perf_counter() - started) * 1000)
        me.saves.append(
            Save(me.index, kind, visit_id, change.field, record.version, seen, new, saved.version)
        )
        record = saved
    if not is_hot and rng.random() < plan.sign_share and _think(plan, rng, deadline):
        started = time.perf_counter()
        try:
            signed = svc.sign(visit_id)
        except SignedVisitError:
            me.signed_meanwhile += 1
            return
        except RedFlagsOpenError:
            me.sign_refused_open_flag += 1
            return
        finally:
            me.ms["save"].append((time.perf_counter() - started) * 1000)
        me.saves.append(Save(me.index, "sign", visit_id, "status", record.version, record.status, "signed",
                             signed.version))


def _workstation(index: int, plan: Plan, username: str, start: Any, out: str) -> None:
    """One workstation's process: sign in, warm up, wait for the others, work until the end."""
    me = Workstation(index)
    db = open_database(plan.url, upgrade=False)
    try:
        svc = Services(db, Services.authenticate(db, username, PASSWORD))
        editable = latest_visit_ids(plan.patients, plan.visits_per_patient)
        hot = list(editable[: plan.hot_visits])
        cold = editable[plan.hot_visits :]
        rng = random.Random(plan.seed * 1000 + index)
        svc.search_patients("an")
        svc.load_visit(hot[0])
        start.wait()
        deadline = time.monotonic() + plan.seconds
        counter = [0]
        while time.monotonic() < deadline:
            _encounter(svc, me, plan, rng, hot, cold, deadline, counter)
    except Exception as exc:  # reported by `check`, never silently dropped
        me.errors.append(f"{type(exc).__name__}: {exc}")
        start.abort()  # the others, if still waiting to begin, stop waiting
    finally:
        db.dispose()
        Path(out).write_text(json.dumps(asdict(me)))


def run_workstations(plan: Plan, usernames: list[str]) -> Run:
    """Start one process per user name, let them all begin together, wait for them."""
    db = open_database(plan.url, upgrade=False)
    with db.session() as session:
        audit_before = session.execute(select(func.coalesce(func.max(m.AuditEvent.id), 0))).scalar_one()
    db.dispose()
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(usernames) + 1)
    with tempfile.TemporaryDirectory(prefix="cramp_dx_ws_") as folder:
        outs = [str(Path(folder) / f"ws{n}.json") for n in range(len(usernames))]
        processes = [
            context.Process(target=_workstation, args=(n, plan, name, start, outs[n]), daemon=True)
            for n, name in enumerate(usernames)
        ]
        for process in processes:
            process.start()
        with contextlib.suppress(threading.BrokenBarrierError):
            start.wait(timeout=600)
        began = time.monotonic()
        for process in processes:
            process.join(timeout=plan.seconds + 600)
        seconds = time.monotonic() - began
        stations = []
        for n, (process, out) in enumerate(zip(processes, outs, strict=True)):
            if not Path(out).exists():
                stations.append(Workstation(n, errors=[f"exited with {process.exitcode}, no results"]))
                continue
            data = json.loads(Path(out).read_text())
            stations.append(
                Workstation(
                    index=data["index"],
                    saves=[Save(**s) for s in data["saves"]],
                    conflicts=[Conflict(**c) for c in data["conflicts"]],
                    signed_meanwhile=data["signed_meanwhile"],
                    sign_refused_open_flag=data.get("sign_refused_open_flag", 0),
                    errors=data["errors"],
                    ms=data["ms"],
                )
            )
    return Run(plan, seconds, audit_before, stations)


def _visit_state(db: Database, visit_ids: list[int]) -> dict[int, dict[str, Any]]:
    state: dict[int, dict[str, Any]] = {v: {"findings": {}, "labs": []} for v in visit_ids}
    with db.session() as session:
        for vid, version, status in session.execute(
            select(m.Visit.id, m.Visit.version, m.Visit.status).where(m.Visit.id.in_(visit_ids))
        ):
            state[vid].update(version=version, status=status)
        for vid, finding, present in session.execute(
            select(m.VisitFinding.visit_id, m.VisitFinding.finding_id, m.VisitFinding.present).where(
                m.VisitFinding.visit_id.in_(visit_ids)
            )
        ):
            state[vid]["findings"][finding] = present
        for vid, value in session.execute(
            select(m.VisitLab.visit_id, m.VisitLab.value).where(m.VisitLab.visit_id.in_(visit_ids))
        ):
            state[vid]["labs"].append(value)
    return state


def _audit_rows(db: Database, since: int) -> dict[int, list[m.AuditEvent]]:
    rows: dict[int, list[m.AuditEvent]] = defaultdict(list)
    with db.session() as session:
        query = select(m.AuditEvent).where(m.AuditEvent.id > since).order_by(m.AuditEvent.id)
        for row in session.execute(query).scalars():
            if row.visit_id is not None and row.action in ("update", "sign"):
                rows[row.visit_id].append(row)
    return rows


def check(db: Database, run: Run) -> list[str]:
    """Every way the record disagrees with what the workstations were told; [] when none."""
    problems = [f"workstation {w.index}: {e}" for w in run.workstations for e in w.errors]
    by_visit: dict[int, list[Save]] = defaultdict(list)
    for save in run.saves:
        by_visit[save.visit_id].append(save)
    trail = _audit_rows(db, run.audit_before)
    touched = sorted(set(by_visit) | set(trail))
    state = _visit_state(db, touched)
    for vid in touched:
        problems += _check_visit(vid, sorted(by_visit[vid], key=lambda s: s.version), trail[vid], state[vid])
    for conflict in run.conflicts:
        problems += _check_conflict(conflict, by_visit[conflict.visit_id])
    return problems


def _check_visit(vid: int, saves: list[Save], trail: list[m.AuditEvent], now: dict[str, Any]) -> list[str]:
    problems = []
    versions = [s.version for s in saves]
    if len(set(versions)) != len(versions):
        repeated = sorted({v for v in versions if versions.count(v) > 1})
        problems.append(f"visit {vid}: several saves returned version {repeated} (one overwrote another)")
    elif versions and versions != list(range(versions[0], versions[0] + len(versions))):
        problems.append(f"visit {vid}: the saves' versions {versions} have gaps (a write nobody logged)")
    if versions and now.get("version") != versions[-1]:
        problems.append(f"visit {vid}: the record is at version {now.get('version')}, "
                        f"the last save returned {versions[-1]} (a save was lost)")
    if len(trail) != len(saves):
        problems.append(f"visit {vid}: {len(saves)} saves but {len(trail)} audit rows")
    for save, row in zip(saves, trail, strict=False):
        written = json.loads(row.new_value or "null")
        if save.kind == "lab":
            written = written.get("value") if isinstance(written, dict) else None
        if row.field != save.field or written != save.new:
            problems.append(f"visit {vid} version {save.version}: the audit row says {row.field} = "
                            f"{written}, the save wrote {save.field} = {save.new}")
        elif save.kind != "lab" and row.old_value != to_json(save.seen):
            problems.append(f"visit {vid} version {save.version}: {save.field} held {row.old_value} but "
                            f"its editor saw {to_json(save.seen)} (overwritten without a conflict)")
    last: dict[str, Save] = {s.field: s for s in saves}
    for name, save in last.items():
        if save.kind == "finding" and now["findings"].get(name.removeprefix("findings.")) != save.new:
            problems.append(f"visit {vid}: {name} is {now['findings'].get(name.removeprefix('findings.'))} "
                            f"in the record, the last save wrote {save.new} (lost)")
        if save.kind == "sign" and now.get("status") != "signed":
            problems.append(f"visit {vid}: signed at version {save.version} but now {now.get('status')}")
    for save in saves:
        if save.kind == "lab" and not any(abs(v - save.new) < 1e-9 for v in now["labs"]):
            problems.append(f"visit {vid}: the lab {save.new} added at version {save.version} is missing")
    signed = [s.version for s in saves if s.kind == "sign"]
    if signed and versions[-1] > signed[0]:
        problems.append(f"visit {vid}: saved after it was signed at version {signed[0]}")
    return problems


def _check_conflict(conflict: Conflict, saves: list[Save]) -> list[str]:
    """A conflict must be real: between the editor's version and the one it was shown, another
    save changed the field, and the value it was shown is the last one saved there."""
    if conflict.theirs == conflict.seen:
        return [f"visit {conflict.visit_id}: conflict on {conflict.field} though it still held "
                f"{conflict.seen!r}"]
    between = [s for s in saves if s.field == conflict.field
               and conflict.base_version < s.version <= conflict.current_version]
    if not between:
        return [f"visit {conflict.visit_id}: conflict on {conflict.field} at version "
                f"{conflict.current_version} with no save of it since version {conflict.base_version}"]
    latest = max(between, key=lambda s: s.version)
    if latest.new != conflict.theirs:
        return [f"visit {conflict.visit_id}: conflict showed {conflict.field} = {conflict.theirs!r}, "
                f"the last save there wrote {latest.new!r}"]
    return []

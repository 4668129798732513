"""The audit trail: append-only rows, hash-chained.

Each row's `hash` is SHA-256 over its own content and the previous row's hash; ids are
consecutive, so the chain has one order. A row changed, deleted or inserted behind the app's
back breaks the chain and `verify` names it.

A transaction's audit rows take their place in the chain as it commits: `append` only queues
them, and just before the commit the chain's tail is read and the rows are inserted after it,
under a lock (SQLite: the write transaction's BEGIN IMMEDIATE, held throughout anyway;
PostgreSQL: a transaction-scoped advisory lock, taken by the audit_append function, which
chains the rows in the server exactly as `row_hash` does). On PostgreSQL a writer therefore
holds the audit lock for one statement and its commit only, sent to the server together (no
round trip to the workstation while it holds the lock); its reads, checks and data writes
run in parallel with other writers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, SessionTransaction

from cramp_dx.store.database import Database
from cramp_dx.store.models import AuditEvent, AuditSeal, VisitSeal

GENESIS = "0" * 64
# PostgreSQL: audit_append takes pg_advisory_xact_lock(0x43524D41, "CRMA") to append
_APPEND = text("SELECT audit_append(CAST(:pending AS jsonb))")
_PENDING_KEY = "cramp_dx_audit_pending"
_HEAD_KEY = "cramp_dx_audit_head"


@dataclass(frozen=True, slots=True)
class Actor:
    account_id: int | None
    username: str


def to_json(value: Any) -> str | None:
    """Canonical JSON of an audited value (None stays SQL NULL)."""
    if value is None:
        return None
    return json.dumps(_plain(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        items = ((f.name, getattr(value, f.name)) for f in fields(value))
        return {k: _plain(v) for k, v in items if v is not None and v != () and v != {}}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def row_hash(
    *,
    id: int,
    at: str,
    account_id: int | None,
    username: str,
    action: str,
    entity: str,
    entity_id: str | None,
    patient_id: int | None,
    visit_id: int | None,
    field: str | None,
    old_value: str | None,
    new_value: str | None,
    prev_hash: str,
) -> str:
    content = [
        id,
        at,
        account_id,
        username,
        action,
        entity,
        entity_id,
        patient_id,
        visit_id,
        field,
        old_value,
        new_value,
        prev_hash,
    ]
    payload = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    *,
    entity_id: object = None,
    patient_id: int | None = None,
    visit_id: int | None = None,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
) -> None:
    """Queue one audit row in the caller's transaction: it is chained and inserted as that
    transaction commits (so it commits with the change, or not at all)."""
    session.info.setdefault(_PENDING_KEY, []).append(
        {
            "account_id": actor.account_id,
            "username": actor.username,
            "action": action,
            "entity": entity,
            "entity_id": None if entity_id is None else str(entity_id),
            "patient_id": patient_id,
            "visit_id": visit_id,
            "field": field,
            "old_value": to_json(old),
            "new_value": to_json(new),
        }
    )


@event.listens_for(Session, "before_commit")
def _chain_pending(session: Session) -> None:
    """Insert the transaction's queued audit rows after the chain's tail. Everything else the
    transaction writes is flushed first, so the audit lock is held only from here to the end
    of the commit: on PostgreSQL one statement (the audit_append function of migration
    0005_search_indexes: lock, tail, hash and insert in the server) and the COMMIT."""
    pending = session.info.pop(_PENDING_KEY, None)
    if not pending:
        return
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_APPEND, {"pending": json.dumps(pending)})
    else:
        _append_sqlite(session, pending)
    _seal(session, pending)


def _append_sqlite(session: Session, pending: list[dict[str, Any]]) -> None:
    last = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    last_id, last_hash = (last.id, last.hash) if last else (0, GENESIS)
    for queued in pending:
        content = {
            "id": last_id + 1,
            "at": datetime.now(UTC).isoformat(timespec="microseconds"),
            **queued,
            "prev_hash": last_hash,
        }
        last_id, last_hash = content["id"], row_hash(**content)
        session.add(AuditEvent(**content, hash=last_hash))
    session.flush()


def _seal(session: Session, pending: list[dict[str, Any]]) -> None:
    """Seal the chain's new head (and the state of each visit the transaction audited) with
    this workstation's key, under the audit lock the append took. No key: the first
    workstation writing to a record without seals makes one; any other leaves its rows
    unsealed (audit --verify names them)."""
    from cramp_dx.store import signing

    tail = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).one()
    key = signing.load_key()
    if key is None:
        if session.execute(select(AuditSeal.audit_id).limit(1)).first() is not None:
            return
        key = signing.create_key()
    kid = signing.key_id(key)
    session.add(AuditSeal(audit_id=tail.id, hash=tail.hash, key_id=kid,
                          mac=signing.mac(key, signing.seal_message(tail.id, tail.hash))))
    visits = sorted({row["visit_id"] for row in pending if row["visit_id"] is not None})
    for visit_id in visits:
        digest = visit_digest(session, visit_id)
        if digest is None:
            continue
        text_digest = json.dumps(digest, sort_keys=True, separators=(",", ":"))
        session.merge(VisitSeal(
            visit_id=visit_id, audit_id=tail.id, digest=text_digest, key_id=kid,
            mac=signing.mac(key, visit_seal_message(visit_id, tail.id, text_digest)),
        ))
    session.flush()
    bind = session.get_bind()
    url = bind.engine.url if isinstance(bind, Connection) else bind.url
    session.info[_HEAD_KEY] = (signing.record_key(url), tail.id, tail.hash)


@event.listens_for(Session, "after_commit")
def _remember_head(session: Session) -> None:
    """The head this workstation just sealed is the one it checks on its next start."""
    head = session.info.pop(_HEAD_KEY, None)
    if head is not None:
        from cramp_dx.store import signing

        signing.remember_head(*head)


def visit_seal_message(visit_id: int, audit_id: int, digest: str) -> str:
    return f"cramp-dx visit seal/1\n{visit_id}\n{audit_id}\n{digest}"


def visit_digest(session: Session, visit_id: int) -> dict[str, str] | None:
    """A SHA-256 per field of the visit's stored state (None: no such visit): the workup's
    parts (the visit's own fields by name: notes, date, symptom_side), status and sign-off,
    the physician's selections and the addenda. The patient's demographics are not a visit's."""
    from cramp_dx.services.mapping import load_visit_row, read_state
    from cramp_dx.store import models as m

    visit = load_visit_row(session, visit_id)
    if visit is None:
        return None
    patient = session.get(m.Patient, visit.patient_id)
    if patient is None:
        return None
    state = read_state(session, visit, patient)
    parts: dict[str, Any] = {}
    for item in fields(state.workup):
        if item.name == "patient":
            continue
        value = getattr(state.workup, item.name)
        if item.name == "visit" and is_dataclass(value):
            parts.update({f.name: getattr(value, f.name) for f in fields(value)})
        else:
            parts[item.name] = value
    parts.update(
        status=visit.status,
        signed_by=visit.signed_by_id,
        signed_at=_aware_text(visit.signed_at),
        plan_items=state.plan_items,
        acknowledged_red_flags=state.acknowledged_red_flags,
        addenda=[(a.account_id, a.text) for a in visit.addenda],
    )
    return {
        name: hashlib.sha256((to_json(value) or "null").encode("utf-8")).hexdigest()
        for name, value in parts.items()
    }


def _aware_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


@event.listens_for(Session, "after_transaction_end")
def _drop_pending(session: Session, transaction: SessionTransaction) -> None:
    """A rolled-back transaction's queued rows are never written."""
    if transaction.parent is None:
        session.info.pop(_PENDING_KEY, None)
        session.info.pop(_HEAD_KEY, None)


class ChainCheck:
    """The hash chain checked row by row, in id order (rows as mappings of the columns)."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.expected_id = 1
        self.previous = GENESIS

    def add(self, row: Mapping[str, Any]) -> None:
        if row["id"] != self.expected_id:
            self.problems.append(f"audit row {self.expected_id}: missing (rows deleted or renumbered)")
        if row["prev_hash"] != self.previous:
            self.problems.append(f"audit row {row['id']}: does not follow the row before it")
        recomputed = row_hash(**{name: row[name] for name in _HASHED})
        if recomputed != row["hash"]:
            self.problems.append(f"audit row {row['id']}: content altered (hash does not match)")
        self.expected_id, self.previous = row["id"] + 1, row["hash"]

    @property
    def tail(self) -> tuple[int, str]:
        """(id, hash) of the last row checked; (0, GENESIS) for an empty trail."""
        return self.expected_id - 1, self.previous


_HASHED = (
    "id",
    "at",
    "account_id",
    "username",
    "action",
    "entity",
    "entity_id",
    "patient_id",
    "visit_id",
    "field",
    "old_value",
    "new_value",
    "prev_hash",
)


def verify_chain(connection: Connection) -> ChainCheck:
    """The chain of the record on `connection` (any transaction it is in), read in id order."""
    check = ChainCheck()
    table = AuditEvent.__table__
    query = select(table).order_by(table.c.id).execution_options(yield_per=2000)
    for row in connection.execute(query).mappings():
        check.add(row)
    return check


def verify(database: Database, *, against: Checkpoint | None = None) -> list[str]:
    """Every problem of the trail, or [] when it is intact: the record file's pages (SQLite),
    the protection triggers (by definition), the hash chain, the seals of the chain and of
    each visit's state, this workstation's last verified head and, given, a checkpoint. An
    intact trail's head becomes this workstation's last verified head."""
    from cramp_dx.store import signing

    problems: list[str] = []
    record = signing.record_key(database.url)
    try:
        with database.engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                from cramp_dx.store.pagecheck import confirmed

                problems += [f"the record file is damaged: {p}" for p in confirmed(
                    connection.connection.driver_connection)]  # type: ignore[arg-type]
            problems += missing_triggers(connection)
            check = verify_chain(connection)
            problems += check.problems
            problems += _head_problems(connection, signing.remembered_head(record),
                                       "this workstation verified")
            if against is not None:
                problems += _head_problems(connection, (against.audit_id, against.hash),
                                           f"the checkpoint {against.source} holds")
            with Session(bind=connection) as session:
                problems += seal_problems(session, check.tail)
                problems += visit_problems(session)
    except DBAPIError as exc:
        problems.append(f"the audit trail cannot be read: {exc.orig} (run `cramp-dx db check`)")
        return problems
    if not problems and check.tail[0]:
        signing.remember_head(record, *check.tail)
    return problems


def _head_problems(connection: Connection, head: tuple[int, str] | None, who: str) -> list[str]:
    """The row of a head verified earlier must still be there, unchanged (the chain then
    shows that nothing before it changed either)."""
    if head is None:
        return []
    audit_id, expected = head
    found = connection.execute(
        select(AuditEvent.hash).where(AuditEvent.id == audit_id)
    ).scalar()
    if found == expected:
        return []
    state = "is gone" if found is None else "has a different hash"
    return [
        f"the audit trail was truncated or rewritten: {who} audit row {audit_id} "
        f"(hash {expected[:12]}…) and it {state}"
    ]


def seal_problems(session: Session, tail: tuple[int, str]) -> list[str]:
    """Each seal made with this workstation's key must match its row; rows after the last
    good seal were written without the key (or forged)."""
    from cramp_dx.store import signing

    key = signing.load_key()
    seals = session.execute(
        select(AuditSeal, AuditEvent.hash)
        .join(AuditEvent, AuditEvent.id == AuditSeal.audit_id, isouter=True)
        .order_by(AuditSeal.audit_id)
    ).all()
    if key is None:
        if not seals and tail[0] == 0:
            return []
        return ["this workstation holds no audit signing key, so the seals cannot be checked: "
                "import the clinic's key (cramp-dx audit import-key FILE)"]
    kid = signing.key_id(key)
    problems: list[str] = []
    sealed_to = 0
    for seal, row_hash in seals:
        if seal.key_id != kid:
            problems.append(f"audit row {seal.audit_id}: sealed with another key ({seal.key_id}; this "
                            f"workstation holds {kid})")
        elif not signing.mac_ok(key, signing.seal_message(seal.audit_id, seal.hash), seal.mac):
            problems.append(f"audit row {seal.audit_id}: its seal is forged (made without the key)")
        elif row_hash is None:
            problems.append(f"the audit trail was truncated or rewritten: sealed audit row "
                            f"{seal.audit_id} is gone")
        elif row_hash != seal.hash:
            problems.append(f"audit row {seal.audit_id} was changed after it was sealed "
                            "(its hashes were recomputed)")
        else:
            sealed_to = max(sealed_to, seal.audit_id)
    if tail[0] > sealed_to:
        first = sealed_to + 1
        rows = f"row {first} is" if first == tail[0] else f"rows {first}–{tail[0]} are"
        problems.append(f"audit {rows} not sealed: written without the signing key, or "
                        "forged (a workstation without the clinic key: cramp-dx audit import-key)")
    return problems


def visit_problems(session: Session) -> list[str]:
    """Each visit audited since its trail was first sealed must still hold the state its
    last audited change left (a sealed digest per field); a field edited behind the app's
    back is named."""
    from cramp_dx.store import models as m
    from cramp_dx.store import signing

    key = signing.load_key()
    first_seal = session.execute(select(AuditSeal.audit_id).order_by(AuditSeal.audit_id).limit(1)).scalar()
    if key is None or first_seal is None:
        return []
    seals = {s.visit_id: s for s in session.execute(select(VisitSeal)).scalars()}
    last_change = dict(session.execute(
        select(AuditEvent.visit_id, func.max(AuditEvent.id))
        .where(AuditEvent.visit_id.is_not(None)).group_by(AuditEvent.visit_id)
    ).all())
    problems: list[str] = []
    for visit_id in session.execute(select(m.Visit.id).order_by(m.Visit.id)).scalars():
        seal = seals.get(visit_id)
        if seal is None:
            if last_change.get(visit_id, 0) > first_seal:
                problems.append(f"visit {visit_id}: its state seal is missing (removed behind the "
                                "app's back)")
            continue
        if not signing.mac_ok(key, visit_seal_message(visit_id, seal.audit_id, seal.digest), seal.mac):
            problems.append(f"visit {visit_id}: its state seal is forged or made with another key")
            continue
        if last_change.get(visit_id, 0) > seal.audit_id:
            problems.append(f"visit {visit_id}: changed by audit row {last_change[visit_id]} after "
                            f"its state was sealed (row {seal.audit_id})")
        sealed = json.loads(seal.digest)
        stored = visit_digest(session, visit_id) or {}
        changed = sorted(name for name in set(sealed) | set(stored) if sealed.get(name) != stored.get(name))
        problems += [
            f"visit {visit_id}: {name} differs from the state its audit trail sealed "
            "(edited behind the app's back)"
            for name in changed
        ]
    return problems


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed head exported by `cramp-dx audit checkpoint`."""

    audit_id: int
    hash: str
    source: str


def missing_triggers(connection: Connection) -> list[str]:
    """The triggers refusing UPDATE and DELETE (and TRUNCATE) of audit rows that are missing,
    disabled or not as cramp-dx defines them (compared by definition, not by name)."""
    from cramp_dx.store.protection import trigger_problems

    return trigger_problems(connection)


CHECKPOINT_FORMAT = "cramp-dx-checkpoint/1"


def _checkpoint_message(data: Mapping[str, Any]) -> str:
    content = {k: data[k] for k in ("format", "record", "audit_id", "hash", "key_id", "made_at")}
    return json.dumps(content, sort_keys=True, separators=(",", ":"))


def write_checkpoint(database: Database, path: Path) -> Checkpoint:
    """Verify the trail, then write its head, signed, to `path` (kept off the database: a
    later `audit --verify --against` shows that nothing up to that head changed or vanished)."""
    from cramp_dx.errors import CrampDxError
    from cramp_dx.files import write_atomic
    from cramp_dx.store import signing

    problems = verify(database)
    if problems:
        raise CrampDxError(
            "no checkpoint written: the audit trail has problems (see `cramp-dx audit --verify`): "
            + "; ".join(problems[:3])
        )
    key = signing.load_key()
    with database.engine.connect() as connection:
        tail = verify_chain(connection).tail
    if key is None or tail[0] == 0:
        raise CrampDxError("no checkpoint written: the audit trail is empty")
    data: dict[str, Any] = {
        "format": CHECKPOINT_FORMAT,
        "record": signing.record_key(database.url),
        "audit_id": tail[0],
        "hash": tail[1],
        "key_id": signing.key_id(key),
        "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    data["mac"] = signing.mac(key, _checkpoint_message(data))
    write_atomic(Path(path), (json.dumps(data, indent=1) + "\n").encode("utf-8"))
    return Checkpoint(tail[0], tail[1], str(path))


def read_checkpoint(path: Path) -> Checkpoint:
    """A checkpoint file, its signature checked with this workstation's key; InputError
    naming the file and what is wrong otherwise."""
    from cramp_dx.errors import InputError, Problem
    from cramp_dx.store import signing

    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(Problem(str(path), "no such file")) from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(Problem(str(path), f"cannot be read as a checkpoint ({exc})")) from None
    wanted = ("format", "record", "audit_id", "hash", "key_id", "made_at", "mac")
    if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT or any(
        k not in data for k in wanted
    ) or not isinstance(data["audit_id"], int) or not isinstance(data["mac"], str):
        raise InputError(Problem(str(path), (
            f"not a checkpoint (format {CHECKPOINT_FORMAT}, as written by `cramp-dx audit "
            "checkpoint -o FILE`)")))
    key = signing.load_key()
    if key is None:
        raise InputError(Problem(str(path), "this workstation holds no audit signing key to check "
                                 "it with (cramp-dx audit import-key FILE)"))
    if data["key_id"] != signing.key_id(key):
        raise InputError(Problem(str(path), (
            f"signed with another key ({data['key_id']}); this workstation holds "
            f"{signing.key_id(key)}")))
    if not signing.mac_ok(key, _checkpoint_message(data), data["mac"]):
        raise InputError(Problem(str(path), "its signature does not match: the file was altered"))
    return Checkpoint(int(data["audit_id"]), str(data["hash"]), str(path))

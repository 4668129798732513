"""The audit trail: append-only rows, hash-chained.

Each row's `hash` is SHA-256 over its own content and the previous row's hash; ids are
consecutive, so the chain has one order. A row changed, deleted or inserted behind the app's
back breaks the chain and `verify` names it.

A transaction's audit rows take their place in the chain as it commits: `append` only queues
them, and just before the commit the chain's tail is read and the rows are inserted after it,
under a lock (SQLite: the write transaction's BEGIN IMMEDIATE, held throughout anyway;
PostgreSQL: a transaction-scoped advisory lock, taken by the audit_append function, which
chains the rows in the server exactly as `row_hash` does). On PostgreSQL a writer therefore
holds the audit lock for one statement and its commit only; its reads, checks and data writes
run in parallel with other writers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, event, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, SessionTransaction

from cramp_dx.store.database import Database
from cramp_dx.store.models import AuditEvent

GENESIS = "0" * 64
# PostgreSQL: audit_append takes pg_advisory_xact_lock(0x43524D41, "CRMA") to append
_APPEND = text("SELECT audit_append(CAST(:pending AS jsonb))")
_PENDING_KEY = "cramp_dx_audit_pending"


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
        return
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


@event.listens_for(Session, "after_transaction_end")
def _drop_pending(session: Session, transaction: SessionTransaction) -> None:
    """A rolled-back transaction's queued rows are never written."""
    if transaction.parent is None:
        session.info.pop(_PENDING_KEY, None)


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


def verify(database: Database) -> list[str]:
    """Every break in the chain, or [] when the trail is intact; also checks that the
    triggers refusing UPDATE and DELETE are still in place."""
    problems: list[str] = []
    try:
        with database.engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                from cramp_dx.store.pagecheck import confirmed

                problems += [f"the record file is damaged: {p}" for p in confirmed(
                    connection.connection.driver_connection)]  # type: ignore[arg-type]
            problems += missing_triggers(connection)
            check = verify_chain(connection)
            problems += check.problems
    except DBAPIError as exc:
        problems.append(f"the audit trail cannot be read: {exc.orig} (run `cramp-dx db check`)")
    return problems


def missing_triggers(connection: Connection) -> list[str]:
    """The triggers refusing UPDATE and DELETE (and TRUNCATE) of audit rows that are missing,
    disabled or not as cramp-dx defines them (compared by definition, not by name)."""
    from cramp_dx.store.protection import trigger_problems

    return trigger_problems(connection)

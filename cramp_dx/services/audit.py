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
from collections.abc import Iterator
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import event, select, text
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
    0003_search_indexes: lock, tail, hash and insert in the server) and the COMMIT."""
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


def _rows(database: Database) -> Iterator[AuditEvent]:
    with database.session() as session:
        result = session.execute(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=2000))
        yield from result.scalars()


def verify(database: Database) -> list[str]:
    """Every break in the chain, or [] when the trail is intact; also checks that the
    triggers refusing UPDATE and DELETE are still in place."""
    problems = _missing_triggers(database)
    expected_id, previous = 1, GENESIS
    for row in _rows(database):
        if row.id != expected_id:
            problems.append(f"audit row {expected_id}: missing (rows deleted or renumbered)")
        if row.prev_hash != previous:
            problems.append(f"audit row {row.id}: does not follow the row before it")
        recomputed = row_hash(
            id=row.id,
            at=row.at,
            account_id=row.account_id,
            username=row.username,
            action=row.action,
            entity=row.entity,
            entity_id=row.entity_id,
            patient_id=row.patient_id,
            visit_id=row.visit_id,
            field=row.field,
            old_value=row.old_value,
            new_value=row.new_value,
            prev_hash=row.prev_hash,
        )
        if recomputed != row.hash:
            problems.append(f"audit row {row.id}: content altered (hash does not match)")
        expected_id, previous = row.id + 1, row.hash
    return problems


def _missing_triggers(database: Database) -> list[str]:
    with database.engine.connect() as connection:
        if database.is_sqlite:
            query = "SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='audit_event'"
        else:
            query = (
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_event'::regclass AND NOT tgisinternal"
            )
        present = {row[0] for row in connection.execute(text(query))}
    wanted = {"audit_event_no_update"} | (
        {"audit_event_no_delete"} if database.is_sqlite else {"audit_event_no_truncate"}
    )
    return [f"audit protection trigger {name} is missing" for name in sorted(wanted - present)]

"""The database triggers that refuse changing, deleting (and on PostgreSQL truncating) audit
rows, and the check that they are still in place *as defined*: a trigger replaced by a
same-named one that does nothing, a disabled trigger or a rewritten trigger function is as
good as none, so the check compares definitions, not names.

SQLite keeps each trigger's CREATE statement in `sqlite_master.sql`; PostgreSQL keeps the
trigger (`pg_get_triggerdef`), whether it fires (`pg_trigger.tgenabled`: 'O' = enabled, 'D' =
disabled) and the body of its function (`pg_proc.prosrc`). The definitions below are those of
migration 0001_initial; `tests/test_audit_protection.py` checks that they agree."""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

SQLITE_TRIGGERS = {
    "audit_event_no_update": """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'audit rows cannot be changed'); END""",
    "audit_event_no_delete": """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'audit rows cannot be deleted'); END""",
}
POSTGRES_FUNCTION = "audit_event_refuse"
POSTGRES_FUNCTION_BODY = "BEGIN RAISE EXCEPTION 'audit rows cannot be changed or deleted'; END"
# as pg_get_triggerdef prints them (the table's schema prefix removed)
POSTGRES_TRIGGERS = {
    "audit_event_no_update": "CREATE TRIGGER audit_event_no_update BEFORE DELETE OR UPDATE ON "
    "audit_event FOR EACH ROW EXECUTE FUNCTION audit_event_refuse()",
    "audit_event_no_truncate": "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON "
    "audit_event FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse()",
}


def normalized(sql: str | None) -> str:
    """`sql` with runs of white space made one space (how a definition is compared)."""
    return re.sub(r"\s+", " ", sql or "").strip()


def trigger_problems(connection: Connection) -> list[str]:
    """Every protection trigger of audit_event that is missing, disabled or not as defined,
    and any other trigger on audit_event (one could rewrite rows as they are inserted)."""
    if connection.dialect.name == "sqlite":
        return _sqlite_problems(connection)
    return _postgres_problems(connection)


def _sqlite_problems(connection: Connection) -> list[str]:
    rows = connection.execute(text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'"
    ))
    present = {row[0]: row[1] for row in rows}
    problems = []
    for name, definition in SQLITE_TRIGGERS.items():
        if name not in present:
            problems.append(f"audit protection trigger {name} is missing")
        elif normalized(present[name]) != normalized(definition):
            problems.append(
                f"audit protection trigger {name} has been replaced (its definition is not "
                f"cramp-dx's): {normalized(present[name])[:200]}"
            )
    problems += [
        f"unexpected trigger {name} on audit_event: {normalized(sql)[:200]}"
        for name, sql in sorted(present.items()) if name not in SQLITE_TRIGGERS
    ]
    return problems


def _postgres_problems(connection: Connection) -> list[str]:
    rows = connection.execute(text(
        "SELECT t.tgname, t.tgenabled, pg_get_triggerdef(t.oid), p.proname, p.prosrc "
        "FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE t.tgrelid = 'audit_event'::regclass AND NOT t.tgisinternal"
    )).all()
    present = {row[0]: row for row in rows}
    problems = []
    for name, definition in POSTGRES_TRIGGERS.items():
        row = present.get(name)
        if row is None:
            problems.append(f"audit protection trigger {name} is missing")
            continue
        _, enabled, triggerdef, function, body = row
        enabled = enabled.decode() if isinstance(enabled, bytes) else str(enabled)
        if enabled != "O":
            problems.append(f"audit protection trigger {name} is disabled (tgenabled = {enabled!r})")
        shown = normalized(re.sub(r" ON \S+\.audit_event ", " ON audit_event ", triggerdef))
        if shown != normalized(definition):
            problems.append(f"audit protection trigger {name} has been replaced: {shown[:200]}")
        if function != POSTGRES_FUNCTION or normalized(body) != POSTGRES_FUNCTION_BODY:
            problems.append(
                f"audit protection trigger {name}: its function {function}() has been rewritten "
                f"(body: {normalized(body)[:200]})"
            )
    problems += [
        f"unexpected trigger {name} on audit_event: {normalized(row[2])[:200]}"
        for name, row in sorted(present.items()) if name not in POSTGRES_TRIGGERS
    ]
    return problems

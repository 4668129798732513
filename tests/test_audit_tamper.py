"""The tamper scenarios of issue 15: someone who can write the SQLite file, or who holds the
PostgreSQL URL (here: a superuser), rewrites history behind the app's back. Every one must be
reported by `audit.verify`, naming what was done.

The attacker knows the chain's algorithm (plain SHA-256, `audit.row_hash`) and recomputes
hashes; they do not hold the signing key. Where seals exist they remove the seals that would
give them away (the careful attacker)."""

# the shared fixtures are imported by name, so test parameters "redefine" them
# ruff: noqa: F811

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Connection, create_engine, inspect, text
from support.postgres import postgres_server, postgres_url  # noqa: F401
from support.record import Record, any_url, example, make_record  # noqa: F401

from cramp_dx.services import audit
from cramp_dx.services.changes import AcknowledgeRedFlag, SetNotes
from cramp_dx.services.errors import RedFlagsOpenError
from cramp_dx.store import open_database
from cramp_dx.store.protection import POSTGRES_TRIGGERS, SQLITE_TRIGGERS

HASHED = (
    "id", "at", "account_id", "username", "action", "entity", "entity_id", "patient_id",
    "visit_id", "field", "old_value", "new_value", "prev_hash",
)


@dataclass
class Tampered:
    url: str
    record: Record
    signed_visit: int
    open_visit: int


def _sign(rec: Record, visit_id: int) -> None:
    svc = rec.services("doc")
    try:
        svc.sign(visit_id, lab_ranges={})
    except RedFlagsOpenError as exc:
        for flag in exc.flag_ids:
            visit = svc.load_visit(visit_id)
            svc.apply(visit_id, AcknowledgeRedFlag(flag), visit.version)
        svc.sign(visit_id, lab_ranges={})


@pytest.fixture
def victim(any_url: str) -> Iterator[Tampered]:
    rec = make_record(any_url)
    svc = rec.services("doc")
    signed = svc.import_case(example("ex1-diuretic-cramps"))
    _sign(rec, signed.id)
    opened = svc.import_case(example("ex2-early-swollen-calf"))
    for n in range(6):
        visit = svc.load_visit(opened.id)
        svc.apply(opened.id, SetNotes(f"note {n}", visit.workup.visit.notes), visit.version)
    assert audit.verify(rec.db) == []
    yield Tampered(any_url, rec, signed.id, opened.id)
    rec.db.dispose()


# --- the attacker's tools -------------------------------------------------------------------


def attack(victim: Tampered, *steps: Callable[[Connection], None]) -> list[str]:
    """Run `steps` as the attacker (a plain connection: no app, no key), then verify."""
    engine = create_engine(victim.url)
    with engine.begin() as connection:
        for step in steps:
            step(connection)
    engine.dispose()
    database = open_database(victim.url, upgrade=False, screen=False)
    try:
        return audit.verify(database)
    finally:
        database.dispose()


def _sqlite(connection: Connection) -> bool:
    return connection.dialect.name == "sqlite"


def unprotect(connection: Connection) -> None:
    if _sqlite(connection):
        for name in SQLITE_TRIGGERS:
            connection.execute(text(f"DROP TRIGGER {name}"))
    else:
        connection.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))


def reprotect(connection: Connection) -> None:
    """The triggers back exactly as they were (so the definition check sees nothing)."""
    if _sqlite(connection):
        for definition in SQLITE_TRIGGERS.values():
            connection.execute(text(definition))
    else:
        connection.execute(text("ALTER TABLE audit_event ENABLE TRIGGER USER"))


def drop_seals_from(audit_id: int) -> Callable[[Connection], None]:
    def step(connection: Connection) -> None:
        if "audit_seal" in inspect(connection).get_table_names():
            connection.execute(text("DELETE FROM audit_seal WHERE audit_id >= :n"), {"n": audit_id})
    return step


def rows(connection: Connection, from_id: int = 1) -> list[dict]:
    query = text(f"SELECT {', '.join(HASHED)}, hash FROM audit_event WHERE id >= :n ORDER BY id")
    return [dict(r) for r in connection.execute(query, {"n": from_id}).mappings()]


def last_id(connection: Connection) -> int:
    return int(connection.execute(text("SELECT max(id) FROM audit_event")).scalar() or 0)


def rehash_from(audit_id: int) -> Callable[[Connection], None]:
    """Recompute every hash from `audit_id` on, with plain SHA-256, as the app would."""
    def step(connection: Connection) -> None:
        previous = connection.execute(
            text("SELECT hash FROM audit_event WHERE id = :n"), {"n": audit_id - 1}
        ).scalar() or audit.GENESIS
        for row in rows(connection, audit_id):
            row["prev_hash"] = previous
            new_hash = audit.row_hash(**{k: row[k] for k in HASHED})
            connection.execute(
                text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE id = :i"),
                {"p": previous, "h": new_hash, "i": row["id"]},
            )
            previous = new_hash
    return step


def sql(statement: str, **params: object) -> Callable[[Connection], None]:
    def step(connection: Connection) -> None:
        connection.execute(text(statement), params)
    return step


def sign_row_id(connection: Connection) -> int:
    return int(connection.execute(text("SELECT id FROM audit_event WHERE action = 'sign'")).scalar())


def found(problems: list[str], pattern: str) -> bool:
    return any(re.search(pattern, p) for p in problems)




# --- 1-8: detected by the plain hash chain and the trigger check ------------------------------


def test_01_a_row_altered_without_rehashing_is_named(victim):
    problems = attack(victim, unprotect, sql("UPDATE audit_event SET username = 'mallory' WHERE id = 3"),
                      reprotect)
    assert found(problems, r"audit row 3: content altered")


def test_02_a_row_deleted_from_the_middle_is_named(victim):
    problems = attack(victim, unprotect, sql("DELETE FROM audit_event WHERE id = 3"), reprotect)
    assert found(problems, r"audit row 3: missing")


def test_03_a_row_appended_with_a_made_up_prev_hash_is_named(victim):
    def append(connection: Connection) -> None:
        row = rows(connection, last_id(connection))[0]
        row.update(id=row["id"] + 1, prev_hash="0" * 64, action="sign")
        row["hash"] = audit.row_hash(**{k: row[k] for k in HASHED})
        connection.execute(text(f"INSERT INTO audit_event ({', '.join(row)}) VALUES "
                                f"({', '.join(':' + k for k in row)})"), row)
    problems = attack(victim, append)
    assert found(problems, r"audit row \d+: does not follow the row before it")


def test_04_the_update_trigger_dropped_is_named(victim):
    on = "" if victim.url.startswith("sqlite") else " ON audit_event"
    problems = attack(victim, sql(f"DROP TRIGGER audit_event_no_update{on}"))
    assert found(problems, r"trigger audit_event_no_update is missing")


def test_05_the_delete_or_truncate_trigger_dropped_is_named(victim):
    name = "audit_event_no_delete" if victim.url.startswith("sqlite") else "audit_event_no_truncate"
    on = "" if victim.url.startswith("sqlite") else " ON audit_event"
    problems = attack(victim, sql(f"DROP TRIGGER {name}{on}"))
    assert found(problems, rf"trigger {name} is missing")


def test_06_two_rows_swapped_are_named(victim):
    def swap(connection: Connection) -> None:
        a, b = rows(connection, 3)[:2]
        for target, source in ((a, b), (b, a)):
            connection.execute(text("UPDATE audit_event SET action = :action, field = :field, "
                                    "new_value = :new_value WHERE id = :id"),
                               {**source, "id": target["id"]})
    problems = attack(victim, unprotect, swap, reprotect)
    assert found(problems, r"audit row [34]: content altered")


def test_07_a_hash_overwritten_is_named(victim):
    def overwrite(connection: Connection) -> None:
        connection.execute(text("UPDATE audit_event SET hash = :h WHERE id = :n"),
                           {"h": "f" * 64, "n": last_id(connection)})
    problems = attack(victim, unprotect, overwrite, reprotect)
    assert found(problems, r"audit row \d+: content altered")


def test_08_a_row_inserted_past_a_gap_is_named(victim):
    def append(connection: Connection) -> None:
        row = rows(connection, last_id(connection))[0]
        row.update(prev_hash=row["hash"], id=row["id"] + 2)
        row["hash"] = audit.row_hash(**{k: row[k] for k in HASHED})
        connection.execute(text(f"INSERT INTO audit_event ({', '.join(row)}) VALUES "
                                f"({', '.join(':' + k for k in row)})"), row)
    problems = attack(victim, append)
    assert found(problems, r"audit row \d+: missing")


# --- 9-16: undetected before issue 15 -------------------------------------------------------


def _truncate(keep_before: Callable[[Connection], int]) -> Callable[[Connection], None]:
    def step(connection: Connection) -> None:
        first = keep_before(connection)
        drop_seals_from(first)(connection)
        connection.execute(text("DELETE FROM audit_event WHERE id >= :n"), {"n": first})
    return step


def test_09_the_last_row_deleted_is_detected(victim):
    problems = attack(victim, unprotect, _truncate(last_id), reprotect)
    assert found(problems, r"truncated or rewritten")


def test_10_the_last_five_rows_deleted_are_detected(victim):
    problems = attack(victim, unprotect, _truncate(lambda c: last_id(c) - 4), reprotect)
    assert found(problems, r"truncated or rewritten")


def test_11_every_row_deleted_is_detected(victim):
    problems = attack(victim, unprotect, _truncate(lambda c: 1), reprotect)
    assert found(problems, r"truncated or rewritten")


def test_12_a_row_altered_and_every_later_hash_recomputed_is_detected(victim):
    problems = attack(victim, unprotect, drop_seals_from(3),
                      sql("UPDATE audit_event SET new_value = '\"forged\"' WHERE id = 3"),
                      rehash_from(3), reprotect)
    assert found(problems, r"not sealed")


def test_13_a_sign_off_reattributed_to_the_nurse_is_detected(victim):
    def reattribute(connection: Connection) -> None:
        row = sign_row_id(connection)
        nurse = victim.record.nurse
        drop_seals_from(row)(connection)
        connection.execute(text("UPDATE audit_event SET username = :u, account_id = :a WHERE id = :n"),
                           {"u": nurse.username, "a": nurse.id, "n": row})
        rehash_from(row)(connection)
    problems = attack(victim, unprotect, reattribute, reprotect)
    assert found(problems, r"truncated or rewritten")


def test_14_a_fabricated_sign_row_appended_is_detected(victim):
    def append(connection: Connection) -> None:
        row = rows(connection, last_id(connection))[0]
        row.update(id=row["id"] + 1, prev_hash=row["hash"], action="sign", field="status",
                   old_value='"intake"', new_value='"signed"', visit_id=victim.open_visit)
        row["hash"] = audit.row_hash(**{k: row[k] for k in HASHED})
        connection.execute(text(f"INSERT INTO audit_event ({', '.join(row)}) VALUES "
                                f"({', '.join(':' + k for k in row)})"), row)
    problems = attack(victim, append)
    assert found(problems, r"audit rows? \d+(–\d+)? (is|are) not sealed")


def test_15_triggers_replaced_by_same_named_no_ops_are_detected(victim):
    def replace_triggers(connection: Connection) -> None:
        if _sqlite(connection):
            for name in SQLITE_TRIGGERS:
                connection.execute(text(f"DROP TRIGGER {name}"))
                event = "UPDATE" if "update" in name else "DELETE"
                connection.execute(text(
                    f"CREATE TRIGGER {name} BEFORE {event} ON audit_event BEGIN SELECT 1; END"))
        else:
            connection.execute(text(
                "CREATE OR REPLACE FUNCTION audit_event_refuse() RETURNS trigger LANGUAGE plpgsql "
                "AS $$ BEGIN IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"))
    problems = attack(victim, replace_triggers)
    assert found(problems, r"trigger audit_event_no_update( has been replaced|: its function .* rewritten)")


@pytest.mark.postgres
def test_15b_a_disabled_trigger_is_detected_on_postgres(postgres_url):
    rec = make_record(postgres_url)
    rec.db.dispose()
    victim = Tampered(postgres_url, rec, 0, 0)
    problems = attack(victim, sql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update"))
    assert found(problems, r"trigger audit_event_no_update is disabled")


@pytest.mark.parametrize(
    ("statement", "field"),
    [
        ("UPDATE visit SET notes = 'rewritten' WHERE id = :v", "notes"),
        ("UPDATE visit_lab SET value = value + 1 WHERE visit_id = :v", "labs"),
        ("UPDATE visit SET status = 'intake' WHERE id = :v", "status"),
    ],
    ids=["notes", "lab_value", "status"],
)
def test_16_a_direct_edit_of_a_visit_names_the_visit_and_field(victim, statement, field):
    visit = victim.signed_visit
    problems = attack(victim, sql(statement, v=visit))
    assert found(problems, rf"visit {visit}: {field}\b")


def test_the_protection_definitions_are_those_of_the_first_migration():
    from pathlib import Path

    source = (Path(__file__).resolve().parent.parent / "cramp_dx/store/migrations/versions/"
              "0001_initial.py").read_text()
    for definition in SQLITE_TRIGGERS.values():
        assert definition in source
    assert "audit_event_refuse()" in source
    assert set(POSTGRES_TRIGGERS) == {"audit_event_no_update", "audit_event_no_truncate"}

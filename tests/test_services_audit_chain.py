"""Audit rows join the chain as their transaction commits: a writer that has not committed yet
does not hold up another writer's save on PostgreSQL, the chain stays whole and in commit
order, and a rolled-back transaction's rows are never written."""

# the shared fixtures are imported by name, so test parameters "redefine" them
# ruff: noqa: F811

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import pytest
from sqlalchemy import select, text
from support.postgres import postgres_server, postgres_url  # noqa: F401
from support.record import any_url, example, make_record, record  # noqa: F401

from cramp_dx.services import audit, changes
from cramp_dx.store.models import AuditEvent


@pytest.mark.postgres
def test_an_uncommitted_writer_does_not_hold_up_another_save(postgres_url):
    rec = make_record(postgres_url)
    svc = rec.services()
    first = svc.import_case(example("ex1-diuretic-cramps"))
    second = svc.import_case(example("ex2-early-swollen-calf"))
    actor = audit.Actor(rec.doc.id, rec.doc.username)
    with ThreadPoolExecutor(max_workers=1) as other, rec.db.write_session() as session, session.begin():
        session.execute(text("UPDATE visit SET notes = 'slow writer' WHERE id = :v"), {"v": first.id})
        audit.append(session, actor, "update", "visit", visit_id=first.id, field="notes", new="slow writer")
        session.flush()
        seen = second.workup.measurements.get("heart_rate_bpm")
        change = changes.SetMeasurement("heart_rate_bpm", 71.0, seen)
        saving = other.submit(svc.apply, second.id, change, second.version)
        try:
            saved = saving.result(timeout=10)
        except FutureTimeout:
            pytest.fail("a save waited for another writer's open transaction")
    assert saved.workup.measurements["heart_rate_bpm"] == 71.0
    with rec.db.session() as session:
        tail = session.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(2)).scalars().all()
    assert [(e.visit_id, e.field) for e in tail] == [
        (first.id, "notes"),
        (second.id, "measurements.heart_rate_bpm"),
    ]
    assert audit.verify(rec.db) == []
    rec.db.dispose()


def test_rows_of_a_rolled_back_transaction_are_never_written(record):
    actor = audit.Actor(record.doc.id, record.doc.username)
    with record.db.write_session() as session:
        with pytest.raises(RuntimeError), session.begin():
            audit.append(session, actor, "update", "visit", field="dropped", new=1)
            raise RuntimeError("refused")
        with session.begin():
            audit.append(session, actor, "update", "visit", field="kept", new=2)
    with record.db.session() as session:
        fields = session.execute(select(AuditEvent.field).where(AuditEvent.field.is_not(None))).all()
    assert fields == [("kept",)]
    assert audit.verify(record.db) == []


def test_several_rows_of_one_transaction_are_chained_in_the_order_appended(record):
    actor = audit.Actor(record.doc.id, record.doc.username)
    with record.db.transaction() as session:
        for n in range(3):
            audit.append(session, actor, "update", "visit", field=f"step{n}", new=n)
    with record.db.session() as session:
        rows = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    assert [r.field for r in rows[-3:]] == ["step0", "step1", "step2"]
    assert [r.id for r in rows] == list(range(1, len(rows) + 1))
    assert audit.verify(record.db) == []


AWKWARD = ['say "hi"', "back\\slash", "line\nbreak\ttab\rreturn", "\x01\x1f\x7f", "Zoë 😀 مرحبا \u2028", "",
           "null"]


def test_awkward_text_is_chained_so_that_the_chain_verifies(record):
    """On PostgreSQL the server hashes the rows (audit_append); verify hashes them in Python."""
    actor = audit.Actor(record.doc.id, 'd"oc\\')
    with record.db.transaction() as session:
        for n, value in enumerate(AWKWARD):
            audit.append(session, actor, "update", "visit", entity_id=n, field=value, old=value,
                         new={"v": value})
    with record.db.session() as session:
        newest = select(AuditEvent.field).order_by(AuditEvent.id.desc()).limit(len(AWKWARD))
        assert [row.field for row in session.execute(newest)][::-1] == AWKWARD
    assert audit.verify(record.db) == []


@pytest.mark.postgres
def test_a_failed_append_saves_nothing(postgres_url):
    rec = make_record(postgres_url)
    svc = rec.services()
    r = svc.import_case(example("ex1-diuretic-cramps"))
    change = changes.SetMeasurement("heart_rate_bpm", 99.0, 88.0)
    with rec.db.transaction() as session:
        session.execute(text("ALTER FUNCTION audit_append(jsonb) RENAME TO audit_append_away"))
    try:
        with pytest.raises(Exception, match="audit_append"):
            svc.apply(r.id, change, r.version)
    finally:
        with rec.db.transaction() as session:
            session.execute(text("ALTER FUNCTION audit_append_away(jsonb) RENAME TO audit_append"))
    again = svc.load_visit(r.id)
    assert (again.version, again.workup.measurements["heart_rate_bpm"]) == (r.version, 88.0)
    assert svc.apply(r.id, change, r.version).workup.measurements["heart_rate_bpm"] == 99.0
    assert audit.verify(rec.db) == []
    rec.db.dispose()

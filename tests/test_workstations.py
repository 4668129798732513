"""The simulated-workstation harness of the PostgreSQL benchmark (support/workstations.py),
briefly: several processes editing the same visits through the service layer lose and silently
overwrite nothing, their conflicts are real ones, the audit chain is intact; and the check
finds a lost save and an overwrite when there is one."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from support.pgcluster import Cluster
from support.postgres import postgres_server  # noqa: F401
from support.synthetic import latest_visit_ids, load_postgres
from support.workstations import PASSWORD, Plan, Run, check, create_accounts, run_workstations

from cramp_dx.services import Services, audit, changes
from cramp_dx.store import Database, open_database, signing

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def finished(postgres_server: Cluster) -> Iterator[tuple[Database, Run]]:  # noqa: F811
    name = postgres_server.create_database()
    url = postgres_server.url(name)
    db = open_database(url)
    lead = Services.create_account(db, "lead", PASSWORD, "physician")
    load_postgres(postgres_server.conninfo(name), 300, account_id=lead.id, username=lead.username)
    # the synthetic rows are written behind the app's back: seal the trail as it then stands,
    # as the upgrade to seals does for an existing record
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_seal"))
        signing.adopt_trail(connection, db.url)
    names = create_accounts(db, lead, 3)
    plan = Plan(url, seconds=3.0, patients=300, hot_visits=2, hot_share=0.6, sign_share=1.0,
                findings=("smoker", "diabetes"))
    run = run_workstations(plan, names)
    KEYS.append(signing.load_key())
    yield db, run
    db.dispose()


KEYS: list[bytes | None] = []


def test_concurrent_workstations_lose_and_overwrite_nothing(finished):
    db, run = finished
    signing.store_key(KEYS[-1])  # the clinic key (this test has its own config folder)
    saves, conflicts = run.saves, run.conflicts
    assert check(db, run) == []
    assert audit.verify(db) == []
    assert {w.index for w in run.workstations if w.saves} == {0, 1, 2}
    assert {s.kind for s in saves} == {"finding", "lab", "sign"}
    assert conflicts, "the hot visits produced no conflict to check"


def test_the_check_finds_a_lost_save_and_an_overwrite(finished):
    db, run = finished
    svc = Services(db, Services.authenticate(db, "ws01", PASSWORD))
    visit_id = latest_visit_ids(run.plan.patients)[1]  # the second hot visit
    current = svc.load_visit(visit_id)
    seen = current.workup.findings.get("smoker")
    svc.apply(visit_id, changes.SetFinding("smoker", not seen, seen), current.version)
    problems = check(db, run)
    assert any(f"visit {visit_id}" in p and "a save was lost" in p for p in problems)

    finding = next(s for s in run.saves if s.kind == "finding" and s.visit_id != visit_id)
    tampered = dataclasses.replace(finding, seen=None if finding.seen is not None else True)
    index = run.workstations[finding.workstation].saves.index(finding)
    run.workstations[finding.workstation].saves[index] = tampered
    try:
        assert any("overwritten without a conflict" in p for p in check(db, run))
    finally:
        run.workstations[finding.workstation].saves[index] = finding

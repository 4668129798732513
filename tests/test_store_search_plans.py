"""The patient list and the visit read from indexes on PostgreSQL: every statement the service
sends for a search, the recent-patients list and opening a visit is run again under
EXPLAIN (ANALYZE) on a record of 20,000 patients and 60,000 visits (big enough that the
planner prefers a sequential scan wherever no index serves), and no plan may scan the patient
or visit table sequentially; a name prefix reads its first rows in order instead of all its
matches."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import event
from support.pgcluster import Cluster
from support.postgres import postgres_server  # noqa: F401
from support.synthetic import BULK_TABLES, load_postgres

from cramp_dx.services import Services
from cramp_dx.store import Database, open_database

PATIENTS = 20_000
LIMIT = 50

pytestmark = pytest.mark.postgres


@dataclass
class Plan:
    statement: str
    tree: dict[str, Any]

    def nodes(self) -> Iterator[dict[str, Any]]:
        stack = [self.tree]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(node.get("Plans", []))

    def seq_scans(self) -> list[str]:
        return [n["Relation Name"] for n in self.nodes() if n["Node Type"] == "Seq Scan"]

    def rows_read(self, table: str) -> int:
        """Rows the scans of `table` produced or filtered out (all loops)."""
        return sum(
            (n["Actual Rows"] + n.get("Rows Removed by Filter", 0)) * n["Actual Loops"]
            for n in self.nodes()
            if n.get("Relation Name") == table and "Scan" in n["Node Type"]
        )


@pytest.fixture(scope="module")
def big_record(postgres_server: Cluster) -> Iterator[tuple[Database, Services]]:  # noqa: F811
    name = postgres_server.create_database()
    db = open_database(postgres_server.url(name))
    doc = Services.create_account(db, "doc", "doctor-secret-1", "physician")
    load_postgres(postgres_server.conninfo(name), PATIENTS, account_id=doc.id, username=doc.username)
    yield db, Services(db, doc)
    db.dispose()


def plans(db: Database, action: Callable[[], object]) -> list[Plan]:
    """Run `action`, then EXPLAIN (ANALYZE) each SELECT it sent, with its parameters."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    found = []
    with db.engine.connect() as connection:
        for statement, parameters in sent:
            result = connection.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
            document = result.scalar_one()
            tree = (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]
            found.append(Plan(statement, tree))
    return found


SEARCHES = {
    "two letters of a family name": "sm",
    "a whole family name": "Smithanbe",
    "a given name prefix": "ann",
    "a prefix matching nobody": "qx",
    "an MRN": "MRN0012345",
    "a birth date": "1950-03-04",
    "a birth date, day first": "04.03.1950",
    "family, given": "smith, an",
    "nothing (recent patients)": "",
}


@pytest.mark.parametrize("text", SEARCHES.values(), ids=SEARCHES.keys())
def test_the_search_scans_no_table_sequentially(big_record, text):
    db, svc = big_record
    found = plans(db, lambda: svc.search_patients(text, limit=LIMIT))
    assert found, "the search sent no SELECT"
    scans = {table for plan in found for table in plan.seq_scans()}
    assert not scans & {"patient", "visit"}, [p.statement for p in found if p.seq_scans()]


def test_a_short_name_prefix_reads_its_first_rows_in_order_not_every_match(big_record):
    db, svc = big_record
    matches = len([p for p in svc.search_patients("sm", limit=PATIENTS)])
    assert matches > 10 * LIMIT  # "sm" matches one family name in 36
    patient_query = plans(db, lambda: svc.search_patients("sm", limit=LIMIT))[0]
    assert patient_query.rows_read("patient") <= 3 * LIMIT


def test_opening_and_listing_visits_scan_no_table_sequentially(big_record):
    db, svc = big_record
    for action in (lambda: svc.load_visit(30_000), lambda: svc.list_visits(10_000)):
        for plan in plans(db, action):
            assert not set(plan.seq_scans()) & {"patient", "visit"}, plan.statement


def test_opening_a_visit_reads_its_rows_in_one_query_by_index(big_record):
    """The visit's child rows come in one UNION ALL (mapping.workup_query), each part read by
    its visit_id index: no sequential scan of any table the synthetic record fills."""
    db, svc = big_record
    found = plans(db, lambda: svc.load_visit(30_001))
    workup = [p for p in found if "UNION ALL" in p.statement]
    assert len(workup) == 1
    read = {n.get("Relation Name") for n in workup[0].nodes()} - {None}
    assert set(BULK_TABLES) - {"patient", "visit"} <= read
    assert not set(workup[0].seq_scans()) & set(BULK_TABLES), workup[0].seq_scans()

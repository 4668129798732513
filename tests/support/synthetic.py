"""A synthetic record for benchmarks and plan tests: the names, findings and labs the record
benchmarks search and edit, and a PostgreSQL bulk load with COPY (one clinic of 100,000
patients, or a group of clinics of 1,000,000, in minutes).

Every patient has `visits_per_patient` visits with a surgery (with its operation details), four
findings, two measurements, a lab (with its LOINC code and collection time), a medication and
six signs of a neurological examination; all but the latest visit are signed. Each patient and
visit gets the audit row the app would have written for it, chained from the record's
current tail, so `audit --verify` checks a trail of realistic length.
"""

from __future__ import annotations

import json
import random
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from cramp_dx.services.audit import GENESIS, row_hash
from cramp_dx.store.keys import name_key

if TYPE_CHECKING:
    import psycopg

FAMILY = [
    "Smith",
    "Müller",
    "García",
    "Nguyen",
    "Okafor",
    "Kowalski",
    "Rossi",
    "Johansson",
    "Dubois",
    "Novak",
    "Silva",
    "Kim",
    "Schmidt",
    "Brown",
    "Wilson",
    "Moore",
    "Taylor",
    "Anderson",
    "Thomas",
    "Jackson",
    "White",
    "Harris",
    "Martin",
    "Thompson",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Campbell",
    "Mitchell",
]
SYLLABLES = ["an", "be", "co", "da", "el", "fi", "ga", "ho", "in", "jo", "ka", "lu", "ma", "ne"]
GIVEN = ["Ann", "Bert", "Zoë", "Carl", "Dora", "Eva", "Finn", "Gita", "Hugo", "Ines", "Jan", "Kai"]
FINDINGS = [
    "nocturnal_cramps",
    "smoker",
    "diabetes",
    "calf_swelling_unilateral",
    "numbness_tingling",
    "back_spasms",
    "prior_dvt",
    "poor_fluid_intake",
]
FIRST_BIRTH = date(1930, 1, 1)
BIRTH_DAYS = 27000
#: the tables the bulk load fills (audit_event is appended to, never truncated)
BULK_TABLES = (
    "patient",
    "visit",
    "surgery",
    "visit_finding",
    "visit_measurement",
    "visit_lab",
    "visit_medication",
    "visit_neuro_sign",
)
#: emptied with them (they reference visit), so the bulk tables may be truncated
_ALSO_TRUNCATED = ("visit_order", "visit_plan_item", "red_flag_ack", "addendum")
_BATCH = 20_000  # patients per round of COPY statements


def mrn(patient_id: int) -> str:
    return f"MRN{patient_id:07d}"


def family_name(rng: random.Random) -> str:
    return rng.choice(FAMILY) + rng.choice(SYLLABLES) + rng.choice(SYLLABLES)


def birth_date(rng: random.Random) -> date:
    return FIRST_BIRTH + timedelta(days=rng.randrange(0, BIRTH_DAYS))


def latest_visit_ids(patients: int, visits_per_patient: int = 3) -> range:
    """The unsigned visit of each patient (its latest): the ones a benchmark may edit."""
    return range(visits_per_patient, patients * visits_per_patient + 1, visits_per_patient)


@dataclass
class LoadReport:
    patients: int
    visits: int
    rows: dict[str, int] = field(default_factory=dict)
    copy_seconds: float = 0.0
    index_seconds: float = 0.0
    vacuum_seconds: float = 0.0

    @property
    def seconds(self) -> float:
        return self.copy_seconds + self.index_seconds + self.vacuum_seconds


def _line(*values: object) -> str:
    """One row in COPY text format (the synthetic values hold no tab, newline or backslash)."""
    return "\t".join("\\N" if value is None else str(value) for value in values) + "\n"


COLUMNS = {
    "patient": "id, mrn, family_name, given_name, family_key, given_key, birth_date, sex, version, "
    "created_at, updated_at",
    "visit": "id, patient_id, visit_date, symptom_side, notes, status, version, clinician_id, "
    "signed_by_id, signed_at, created_at, updated_at",
    "surgery": "id, visit_id, surgery_date, procedure, levels, approach, prior_spine_surgeries, "
    "duration_hours, position, instrumentation, interbody_device, durotomy, bmp_used, iliac_crest_graft, "
    "pelvic_fixation",
    "visit_finding": "visit_id, finding_id, present",
    "visit_measurement": "visit_id, measurement_id, value",
    "visit_lab": "id, visit_id, position, test, value, unit, collected, loinc, collected_at",
    "visit_medication": "id, visit_id, position, name, dose, start_date, status, note",
    "visit_neuro_sign": "visit_id, side, kind, item, grade, state",
    "audit_event": "id, at, account_id, username, action, entity, entity_id, patient_id, visit_id, "
    "field, old_value, new_value, prev_hash, hash",
}


class _Batch:
    """The COPY text of one batch of patients, per table."""

    def __init__(self, tail: tuple[int, str], account_id: int, username: str) -> None:
        self.lines: dict[str, list[str]] = {table: [] for table in COLUMNS}
        self.last_id, self.last_hash = tail
        self.account_id = account_id
        self.username = username

    def audit(self, at: datetime, action: str, entity: str, entity_id: int, patient_id: int,
              visit_id: int | None, new: dict[str, object]) -> None:
        """The audit row the service would have written, chained to the one before."""
        content = {
            "id": self.last_id + 1,
            "at": at.isoformat(timespec="microseconds"),
            "account_id": self.account_id,
            "username": self.username,
            "action": action,
            "entity": entity,
            "entity_id": str(entity_id),
            "patient_id": patient_id,
            "visit_id": visit_id,
            "field": None,
            "old_value": None,
            "new_value": json.dumps(new, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
            "prev_hash": self.last_hash,
        }
        digest = row_hash(**content)
        self.lines["audit_event"].append(_line(*content.values(), digest))
        self.last_id, self.last_hash = content["id"], digest


def _generate(
    batch: _Batch,
    rng: random.Random,
    first: int,
    last: int,
    visits_per_patient: int,
    account_id: int,
    start: datetime,
) -> None:
    patients, visits, surgeries = batch.lines["patient"], batch.lines["visit"], batch.lines["surgery"]
    findings, measurements = batch.lines["visit_finding"], batch.lines["visit_measurement"]
    labs, medications = batch.lines["visit_lab"], batch.lines["visit_medication"]
    signs = batch.lines["visit_neuro_sign"]
    for pid in range(first, last + 1):
        family = family_name(rng)
        given = rng.choice(GIVEN)
        born = birth_date(rng).isoformat()
        sex = rng.choice(["female", "male"])
        created = start + timedelta(seconds=pid * 30)
        operated = date(2022, 1, 1) + timedelta(days=rng.randrange(0, 1200))
        latest_change = created + timedelta(days=30 * visits_per_patient)
        patients.append(
            f"{pid}\t{mrn(pid)}\t{family}\t{given}\t{name_key(family)}\t{name_key(given)}\t{born}\t"
            f"{sex}\t1\t{created}\t{latest_change}\n"
        )
        batch.audit(created, "create", "patient", pid, pid, None,
                    {"mrn": mrn(pid), "family_name": family, "given_name": given, "birth_date": born,
                     "sex": sex})
        for k in range(visits_per_patient):
            vid = (pid - 1) * visits_per_patient + k + 1
            seen = (operated + timedelta(days=14 + 30 * k)).isoformat()
            at = created + timedelta(days=30 * k)
            if k < visits_per_patient - 1:
                signed = at + timedelta(hours=1)
                visits.append(
                    f"{vid}\t{pid}\t{seen}\tbilateral\t\\N\tsigned\t2\t{account_id}\t{account_id}\t"
                    f"{signed}\t{at}\t{signed}\n"
                )
            else:
                visits.append(
                    f"{vid}\t{pid}\t{seen}\tbilateral\t\\N\tintake\t1\t{account_id}\t\\N\t\\N\t"
                    f"{at}\t{at}\n"
                )
            surgeries.append(
                f"{vid}\t{vid}\t{operated}\tlaminectomy\tL4-L5\topen\t0\t2.0\tprone\tt\tf\tf\tf\t\\N\tf\n"
            )
            chosen = {name: rng.random() < 0.5 for name in rng.sample(FINDINGS, 4)}
            for name in sorted(chosen):
                findings.append(f"{vid}\t{name}\t{'t' if chosen[name] else 'f'}\n")
            heart_rate = float(rng.randrange(55, 110))
            measurements.append(f"{vid}\theart_rate_bpm\t{heart_rate}\n")
            measurements.append(f"{vid}\ttemperature_c\t36.5\n")
            labs.append(
                f"{vid}\t{vid}\t0\tmagnesium\t1.9\tmg/dL\t{seen}\t19123-9\t{seen}T08:30:00+00:00\n"
            )
            toe = 3 + vid % 3  # (not from rng: the names and findings stay as they were)
            signs.extend(
                f"{vid}\t{side}\t{kind}\t{item}\t{grade}\t{state}\n"
                for side, kind, item, grade, state in (
                    ("left", "reflexes", "ankle", "\\N", "reduced"),
                    ("left", "sensory", "dorsum_of_foot", "\\N", "reduced"),
                    ("left", "sensory", "lateral_leg", "\\N", "normal"),
                    ("left", "strength", "great_toe_extension", toe, "\\N"),
                    ("right", "reflexes", "ankle", "\\N", "normal"),
                    ("right", "strength", "great_toe_extension", 5, "\\N"),
                )
            )
            medications.append(f"{vid}\t{vid}\t0\tomeprazole\t20 mg daily\t\\N\t\\N\t\\N\n")
            batch.audit(at, "import", "visit", vid, pid, vid,
                        {"visit": {"date": seen}, "findings": chosen,
                         "measurements": {"heart_rate_bpm": heart_rate, "temperature_c": 36.5}})


def _secondary_indexes(connection: psycopg.Connection) -> list[tuple[str, str, str]]:
    """(table, name, how to re-create) of every index on the loaded tables but the primary
    keys: unique constraints as constraints, plain indexes by their definition."""
    rows = connection.execute(
        "SELECT t.relname, i.relname, c.contype, pg_get_constraintdef(c.oid), pg_get_indexdef(i.oid) "
        "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "LEFT JOIN pg_constraint c ON c.conindid = i.oid AND c.conrelid = t.oid "
        "WHERE t.relname = ANY(%s) AND NOT x.indisprimary",
        [[*BULK_TABLES, "audit_event"]],
    ).fetchall()
    return [
        (table, name, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' if kind else create)
        for table, name, kind, definition, create in rows
    ]


def load_postgres(
    conninfo: str,
    patients: int,
    *,
    account_id: int,
    username: str,
    visits_per_patient: int = 3,
    seed: int = 7,
) -> LoadReport:
    """Fill an upgraded, otherwise empty record (accounts only) with COPY.

    One transaction: the bulk tables are truncated first, so COPY FREEZE writes them
    all-visible; the secondary indexes and unique constraints are dropped during the load and
    rebuilt after it (one sort each instead of millions of random inserts); foreign keys are
    not checked row by row (session_replication_role = replica; the generated ids are
    consistent). Python generates the next batch while the server copies the last one.
    VACUUM ANALYZE follows, as after any bulk load."""
    import psycopg

    report = LoadReport(patients=patients, visits=patients * visits_per_patient)
    rng = random.Random(seed)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    started = time.perf_counter()
    with psycopg.connect(conninfo) as connection:
        connection.execute("SET session_replication_role = replica")
        connection.execute("SET maintenance_work_mem = '512MB'")
        connection.execute(f"TRUNCATE {', '.join(BULK_TABLES + _ALSO_TRUNCATED)}")
        indexes = _secondary_indexes(connection)
        for table, name, create in indexes:
            if create.startswith("ALTER"):
                connection.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            else:
                connection.execute(f'DROP INDEX "{name}"')
        row = connection.execute("SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1").fetchone()
        tail = (row[0], row[1]) if row else (0, GENESIS)

        def copy(batch: _Batch) -> None:
            for table, lines in batch.lines.items():
                if lines:
                    freeze = " WITH (FREEZE)" if table in BULK_TABLES else ""
                    statement = f"COPY {table} ({COLUMNS[table]}) FROM STDIN{freeze}"
                    with connection.cursor().copy(statement) as stream:
                        stream.write("".join(lines))
                    report.rows[table] = report.rows.get(table, 0) + len(lines)

        with ThreadPoolExecutor(max_workers=1) as copier:
            pending: Future[None] | None = None
            for first in range(1, patients + 1, _BATCH):
                batch = _Batch(tail, account_id, username)
                _generate(batch, rng, first, min(patients, first + _BATCH - 1), visits_per_patient,
                          account_id, start)
                tail = (batch.last_id, batch.last_hash)
                if pending is not None:
                    pending.result()
                pending = copier.submit(copy, batch)
            if pending is not None:
                pending.result()
        report.copy_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for _table, _name, create in indexes:
            connection.execute(create)
        for table in ("patient", "visit", "surgery", "visit_lab", "visit_medication"):
            connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        connection.commit()
        report.index_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")
    report.vacuum_seconds = time.perf_counter() - started
    return report

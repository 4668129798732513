"""The service layer the GUI and CLI both call. Every public method is one transaction,
role-checked, with its audit rows written in that same transaction."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, Select, and_, bindparam, delete, func, or_, select, text, union
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, aliased

from cramp_dx.case.checks import (
    MAX_ADDENDA,
    MAX_ADDENDUM,
    MAX_MRN,
    MAX_NAME,
    date_problem,
    length_problem,
    record_id_problem,
    text_problem,
)
from cramp_dx.case.model import SEXES, Patient, Surgery, Visit, Workup
from cramp_dx.errors import InputError, Problem
from cramp_dx.knowledge import Knowledge
from cramp_dx.labimport import ImportPlan, LabMessage, check_patient, plan_import
from cramp_dx.services import audit, passwords
from cramp_dx.services.changes import (
    PATIENT_FIELDS,
    SURGERY_FIELDS,
    VISIT_FIELDS,
    AcknowledgeRedFlag,
    Change,
    SetPatientField,
    SetPlanItems,
    SetSurgeryField,
    SetVisitField,
    VisitState,
)
from cramp_dx.services.errors import (
    AuthError,
    ConflictError,
    NotFoundError,
    PermissionDenied,
    RedFlagsOpenError,
    SignedVisitError,
)
from cramp_dx.services.mapping import (
    load_visit_and_patient,
    load_visit_row,
    patient_of,
    read_state,
    surgery_of,
    write_patient,
    write_state,
)
from cramp_dx.services.permissions import (
    CLINICAL_ROLES,
    require_admin,
    require_clinical,
    require_physician,
    require_sections,
    section_of,
    workup_sections,
)
from cramp_dx.services.records import (
    Account,
    AddendumRow,
    AuditEntry,
    DemoPatient,
    EarlierLab,
    EmergencyAccessRow,
    PatientRow,
    VisitRecord,
    VisitRow,
)
from cramp_dx.store import models as m
from cramp_dx.store.database import Database
from cramp_dx.store.errors import StoreError
from cramp_dx.store.keys import PREFIX_END, name_key
from cramp_dx.store.models import ROLES

if TYPE_CHECKING:  # the restore machinery is imported when a restore runs
    from cramp_dx.services.restore import Restored

LOCKOUT_FAILURES = 5  # wrong passwords for one account ...
LOCKOUT_WINDOW = timedelta(minutes=15)  # ... within this time lock it ...
LOCKOUT_DURATION = timedelta(minutes=15)  # ... for this long
_ACCOUNTS_LOCK_KEY = 0x43524D55  # PostgreSQL advisory lock id while accounts change ("CRMU")
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,79}$")
# A nurse cannot add accounts: a record whose only account is a nurse could never get a
# physician or an admin, so the first account is one of these.
FIRST_ROLES = ("physician", "admin")
FIRST_ACCOUNT_RULE = (
    "the first account must be a physician or an admin (a nurse cannot add accounts, so nobody "
    "could add the next one); add nurses afterwards"
)
MIN_PASSWORD_LENGTH = 8
EMERGENCY_REASON_MIN = 10
EMERGENCY_REASON_MAX = 500


def _now() -> datetime:
    return datetime.now(UTC)


def _account(row: m.Account, now: datetime | None = None) -> Account:
    until = _aware(row.locked_until) if row.locked_until is not None else None
    return Account(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        active=row.active,
        locked_until=until if until is not None and until > (now or _now()) else None,
    )


def _knowledge() -> Knowledge:
    from cramp_dx.knowledge import load_knowledge

    return load_knowledge()


def _typed_name(username: str) -> str:
    """What someone typed as a user name, fit for an audit row: printable, at most 80."""
    text = (username or "").encode("utf-8", "replace").decode("utf-8")
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:80] or "?"


def _json_object(value: str | None) -> dict[str, Any]:
    import json

    try:
        loaded = json.loads(value) if value else {}
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _workstation() -> str:
    import socket

    return _typed_name(socket.gethostname())


def validate_workup(workup: Workup, stored: Workup | None = None) -> Workup:
    """Run the workup through the case-file reader, the one place that knows what a valid
    workup is; problems come back named by JSON path (`measurements.temperature_c`).

    Levels saved before the stricter level rule (SPEC-2: adjacent pairs, upper first, e.g. an old
    "L4-S1") are not checked again while they stay as stored, so such a visit can still be
    edited; a changed level list is checked in full."""
    from cramp_dx.casefile.io import case_to_dict, parse_case

    if stored is not None and stored.surgery.levels == workup.surgery.levels:
        data = case_to_dict(workup)
        data["surgery"].pop("levels", None)
        checked = parse_case(data)
        return replace(checked, surgery=replace(checked.surgery, levels=workup.surgery.levels))
    return parse_case(case_to_dict(workup))


@contextmanager
def _write(database: Database) -> Iterator[Session]:
    try:
        with database.write_session() as session, session.begin():
            yield session
    except DBAPIError as exc:
        if isinstance(exc, IntegrityError):
            raise InputError(f"the record refused the change: {exc.orig}") from None
        raise StoreError(f"the record could not be saved: {exc.orig}") from None


@contextmanager
def _read(database: Database) -> Iterator[Session]:
    try:
        with database.session() as session, session.begin():
            yield session
    except DBAPIError as exc:
        raise StoreError(f"the record could not be read: {exc.orig}") from None


def _has_admin(session: Session) -> bool:
    return session.execute(
        select(m.Account.id).where(m.Account.role == "admin", m.Account.active.is_(True)).limit(1)
    ).first() is not None


def _sign_in_outcome(
    session: Session, account: m.Account | None, password_ok: bool, now: datetime
) -> str | None:
    """None when the sign-in may go ahead, else why not; a wrong password is counted and the
    account locked once LOCKOUT_FAILURES fall within LOCKOUT_WINDOW (the failures then start
    over)."""
    if account is None:
        return "unknown user"
    if account.locked_until is not None and _aware(account.locked_until) > now:
        return "locked"
    if not account.active:
        return "disabled"
    if password_ok:
        return None
    failures = m.SignInFailure.__table__
    session.execute(
        delete(failures).where(failures.c.account_id == account.id, failures.c.at <= now - LOCKOUT_WINDOW)
    )
    session.execute(failures.insert().values(account_id=account.id, at=now))
    recent = session.execute(
        select(func.count()).select_from(failures).where(failures.c.account_id == account.id)
    ).scalar_one()
    if recent < LOCKOUT_FAILURES:
        return "wrong password"
    account.locked_until = now + LOCKOUT_DURATION
    session.execute(delete(failures).where(failures.c.account_id == account.id))
    audit.append(
        session,
        audit.Actor(account.id, account.username),
        "lock",
        "account",
        entity_id=account.id,
        field="locked_until",
        new=account.locked_until,
    )
    return "now locked"


@cache
def _list_statements() -> dict[str, Any]:
    """The patient-list queries, built once with bound parameters (building them costs more
    than running them)."""
    ids, limit = bindparam("ids", expanding=True), bindparam("limit", type_=Integer)
    return {
        "touched": select(m.Visit.patient_id, m.Visit.updated_at)
        .order_by(m.Visit.updated_at.desc())
        .limit(limit * 4),
        "created": select(m.Patient.id, m.Patient.updated_at)
        .order_by(m.Patient.updated_at.desc())
        .limit(limit),
        "patients": select(m.Patient).where(m.Patient.id.in_(ids)),
        "stats": select(
            m.Visit.patient_id,
            func.max(m.Surgery.surgery_date),
            func.max(m.Visit.visit_date),
            func.count(m.Visit.id),
        )
        .outerjoin(m.Surgery, m.Surgery.visit_id == m.Visit.id)
        .where(m.Visit.patient_id.in_(ids))
        .group_by(m.Visit.patient_id),
        "statuses": select(m.Visit.patient_id, m.Visit.status, m.Visit.visit_date, m.Visit.id)
        .where(m.Visit.patient_id.in_(ids)),
    }


def _recent_patients(database: Database, limit: int) -> list[PatientRow]:
    queries = _list_statements()
    with _read(database) as session:
        touched = session.execute(queries["touched"], {"limit": limit}).all()
        created = session.execute(queries["created"], {"limit": limit}).all()
        latest: dict[int, datetime] = {}
        for pid, when in [*touched, *created]:
            when = _aware(when)
            if pid not in latest or when > latest[pid]:
                latest[pid] = when
        ids = sorted(latest, key=lambda pid: latest[pid], reverse=True)[:limit]
        patients = {p.id: p for p in session.execute(queries["patients"], {"ids": ids}).scalars()}
        return _patient_rows(session, [patients[pid] for pid in ids if pid in patients])


class Services:
    """What one signed-in clinician can do with the record."""

    def __init__(self, database: Database, account: Account) -> None:
        self.db = database
        self.account = account
        self._actor = audit.Actor(account.id, account.username)
        # patient id -> the stated reason, for each record opened with emergency access
        self._emergency: dict[int, str] = {}
        self._names: dict[int, str] = {account.id: account.username}

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        """A write transaction as this account, refused once the account has been disabled:
        a session still open at another workstation must not keep changing the record."""
        with _write(self.db) as session:
            active = session.execute(
                select(m.Account.active).where(m.Account.id == self.account.id)
            ).scalar_one_or_none()
            if not active:
                raise AuthError(
                    f"the account {self.account.username} has been disabled; nothing was saved"
                )
            yield session

    # --- accounts -------------------------------------------------------------------------

    @staticmethod
    def create_account(
        database: Database,
        username: str,
        password: str,
        role: str,
        display_name: str | None = None,
        *,
        actor: Account | None = None,
    ) -> Account:
        """Create an account. The first account needs no `actor` and is a physician or an
        admin (FIRST_ROLES); after that an admin adds accounts, or, while the record has no
        active admin, a physician (a single desk whose first account is its physician is then
        never locked out of adding a nurse or an admin)."""
        problems = []
        if not _USERNAME.match(username or ""):
            problems.append(
                Problem("username", "1–80 letters, digits or . _ @ -, starting with a letter or digit")
            )
        if role not in ROLES:
            problems.append(Problem("role", f"{role!r} is not a role; accepted: {', '.join(ROLES)}"))
        if len(password or "") < MIN_PASSWORD_LENGTH:
            problems.append(Problem("password", f"at least {MIN_PASSWORD_LENGTH} characters"))
        shown_name = text_problem(display_name or "")
        if shown_name:
            problems.append(Problem("display_name", shown_name))
        if problems:
            raise InputError(problems)
        password_hash = passwords.hash_password(password)
        with _write(database) as session:
            if database.dialect == "postgresql":
                # one account change at a time, so two simultaneous first accounts (both
                # seeing an empty record) cannot both be created: the second waits, then sees
                # the first (SQLite: the write transaction's BEGIN IMMEDIATE does the same)
                session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ACCOUNTS_LOCK_KEY})
            if actor is None:
                if session.execute(select(m.Account.id).limit(1)).first() is not None:
                    raise AuthError("sign in as an admin to add accounts")
                if role not in FIRST_ROLES:
                    raise InputError(Problem("role", FIRST_ACCOUNT_RULE))
            elif not (actor.role == "physician" and not _has_admin(session)):
                require_admin(actor, "add accounts")
            if session.execute(select(m.Account.id).where(m.Account.username == username)).first():
                raise InputError(Problem("username", f"{username!r} is already taken"))
            row = m.Account(
                username=username,
                display_name=display_name or username,
                role=role,
                password_hash=password_hash,
                active=True,
                created_at=_now(),
            )
            session.add(row)
            session.flush()
            who = audit.Actor(actor.id, actor.username) if actor else audit.Actor(row.id, username)
            audit.append(
                session,
                who,
                "create",
                "account",
                entity_id=row.id,
                new={"username": username, "role": role, "display_name": row.display_name},
            )
            return _account(row)

    @staticmethod
    def prepare(database: Database) -> None:
        """Set up the ORM and compile the patient-list queries, reading no rows. The app
        calls this while the password is typed, so the first list after signing in does not
        pay for SQLAlchemy's one-off mapper set-up and statement compilation."""
        _recent_patients(database, 0)

    @staticmethod
    def authenticate(database: Database, username: str, password: str, *, via: str = "cli") -> Account:
        """Sign in. Every attempt is audited (`via`: "cli", "app", "app unlock"), failed or
        not; LOCKOUT_FAILURES wrong passwords within LOCKOUT_WINDOW lock the account for
        LOCKOUT_DURATION, in the record, so every workstation refuses it meanwhile."""
        row = None
        if _USERNAME.match(username or ""):  # anything else names no account (and may hold NUL)
            with _read(database) as session:
                row = session.execute(
                    select(m.Account).where(m.Account.username == username)
                ).scalar_one_or_none()
        ok = passwords.verify_password(row.password_hash if row else None, password)
        rehash = ok and row is not None and passwords.needs_rehash(row.password_hash)
        new_hash = passwords.hash_password(password) if rehash else None
        with _write(database) as session:
            stored = session.get(m.Account, row.id, with_for_update=True) if row is not None else None
            outcome = _sign_in_outcome(session, stored, ok, _now())
            who = (
                audit.Actor(stored.id, stored.username)
                if stored is not None
                else audit.Actor(None, _typed_name(username))
            )
            context = {"via": via, "workstation": _workstation()}
            if outcome is not None:
                audit.append(
                    session, who, "sign_in_failed", "account",
                    entity_id=stored.id if stored else None, new={"reason": outcome, **context},
                )
            else:
                assert stored is not None
                session.execute(delete(m.SignInFailure).where(m.SignInFailure.account_id == stored.id))
                if new_hash is not None:
                    stored.password_hash = new_hash
                    audit.append(session, who, "rehash", "account", entity_id=stored.id)
                audit.append(session, who, "sign_in", "account", entity_id=stored.id, new=context)
            account = _account(stored) if stored is not None else None
        if outcome in ("locked", "now locked") and account is not None and account.locked_until:
            until = account.locked_until.astimezone().strftime("%H:%M")
            raise AuthError(
                f"{username}: too many failed sign-ins; the account is locked until {until} "
                f"({int(LOCKOUT_DURATION.total_seconds() // 60)} minutes). Try again then, or "
                "ask an admin to unlock it (cramp-dx user unlock NAME)"
            )
        if outcome is not None or account is None:
            raise AuthError("unknown user or wrong password")
        return account

    @staticmethod
    def has_accounts(database: Database) -> bool:
        return database.has_accounts()

    @staticmethod
    def has_active_admin(database: Database) -> bool:
        """Whether an active admin exists (if not, a physician may add accounts)."""
        with _read(database) as session:
            return _has_admin(session)

    def may_add_accounts(self) -> bool:
        return self.account.role == "admin" or (
            self.account.role == "physician" and not Services.has_active_admin(self.db)
        )

    def list_accounts(self) -> list[Account]:
        require_admin(self.account, "list accounts")
        with _read(self.db) as session:
            rows = session.execute(select(m.Account).order_by(m.Account.username)).scalars()
            return [_account(row) for row in rows]

    def set_password(self, username: str, password: str) -> None:
        if username != self.account.username:
            require_admin(self.account, "change another user's password")
        if len(password or "") < MIN_PASSWORD_LENGTH:
            raise InputError(Problem("password", f"at least {MIN_PASSWORD_LENGTH} characters"))
        new_hash = passwords.hash_password(password)
        with self._writing() as session:
            row = self._account_row(session, username)
            row.password_hash = new_hash
            audit.append(session, self._actor, "set_password", "account", entity_id=row.id)

    def set_active(self, username: str, active: bool) -> None:
        require_admin(self.account, "enable or disable accounts")
        if not active and username == self.account.username:
            raise InputError(Problem("username", "an admin cannot disable their own account"))
        with self._writing() as session:
            row = self._account_row(session, username)
            if row.active != active:
                audit.append(
                    session,
                    self._actor,
                    "update",
                    "account",
                    entity_id=row.id,
                    field="active",
                    old=row.active,
                    new=active,
                )
                row.active = active

    def unlock(self, username: str) -> None:
        """Lift a lockout after failed sign-ins before it ends by itself (an admin)."""
        require_admin(self.account, "unlock accounts")
        with self._writing() as session:
            row = self._account_row(session, username)
            session.execute(delete(m.SignInFailure).where(m.SignInFailure.account_id == row.id))
            if row.locked_until is not None:
                audit.append(
                    session,
                    self._actor,
                    "unlock",
                    "account",
                    entity_id=row.id,
                    field="locked_until",
                    old=row.locked_until,
                    new=None,
                )
                row.locked_until = None

    @staticmethod
    def _account_row(session: Session, username: str) -> m.Account:
        row = session.execute(select(m.Account).where(m.Account.username == username)).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"no account named {username!r}")
        return row

    # --- who reads clinical data ----------------------------------------------------------

    def may_read_clinical_data(self) -> bool:
        """Nurses and physicians read every patient's record; an admin (accounts only) reads
        none, except one opened with emergency access."""
        return self.account.role in CLINICAL_ROLES

    def _refuse_reading(self) -> PermissionDenied:
        return PermissionDenied(
            f"{self.account.username} ({self.account.role}) may not read clinical data: an admin "
            "manages accounts. In an emergency, open the patient's record with emergency "
            "access, stating the reason (it is audited and reported)"
        )

    def _may_read(self, patient_id: int | None) -> None:
        if self.may_read_clinical_data() or (patient_id is not None and patient_id in self._emergency):
            return
        raise self._refuse_reading()

    def _may_look_up(self) -> None:
        """Before a look-up by MRN or visit id: refused at once for an account that reads no
        clinical data and has opened no record with emergency access."""
        if not self.may_read_clinical_data() and not self._emergency:
            raise self._refuse_reading()

    def emergency_reason(self, patient_id: int) -> str | None:
        """The stated reason when this patient's record was opened with emergency access."""
        return self._emergency.get(patient_id)

    def emergency_access(self, mrn: str, reason: str) -> PatientRow:
        """Break the glass (ONC 170.315(d)(6)): open the record of the patient with this MRN
        although this account's role does not, with a stated reason. Audited at once
        ("emergency_access", with the reason, the role and the workstation), and so is every
        visit then read; `cramp-dx audit --emergency` reports them. Reading only: what a role
        may change stays as it is. Lasts until this sign-in ends."""
        reason = " ".join((reason or "").split())
        if len(reason) < EMERGENCY_REASON_MIN:
            raise InputError(
                Problem("reason", f"state why emergency access is needed (at least "
                        f"{EMERGENCY_REASON_MIN} characters)")
            )
        problem = text_problem(reason)
        if problem or len(reason) > EMERGENCY_REASON_MAX:
            raise InputError(Problem("reason", problem or f"at most {EMERGENCY_REASON_MAX} characters"))
        with self._writing() as session:
            row = session.execute(select(m.Patient).where(m.Patient.mrn == mrn)).scalar_one_or_none()
            if row is None:
                raise NotFoundError(f"no patient with MRN {mrn!r}")
            audit.append(
                session,
                self._actor,
                "emergency_access",
                "patient",
                entity_id=row.id,
                patient_id=row.id,
                new={"reason": reason, "role": self.account.role, "workstation": _workstation()},
            )
            self._emergency[row.id] = reason
            return _patient_rows(session, [row])[0]

    def _audit_emergency_read(self, patient_id: int, visit_id: int) -> None:
        if self.may_read_clinical_data():
            return
        with self._writing() as session:
            audit.append(
                session,
                self._actor,
                "emergency_read",
                "visit",
                entity_id=visit_id,
                patient_id=patient_id,
                visit_id=visit_id,
                new={"reason": self._emergency.get(patient_id)},
            )

    def emergency_report(self) -> list[EmergencyAccessRow]:
        """Every emergency access, oldest first: who, when, which patient, why (an admin or a
        physician reviews them)."""
        if self.account.role not in ("admin", "physician"):
            require_admin(self.account, "read the emergency access report")
        with _read(self.db) as session:
            rows = session.execute(
                select(m.AuditEvent, m.Patient.mrn)
                .outerjoin(m.Patient, m.Patient.id == m.AuditEvent.patient_id)
                .where(m.AuditEvent.action == "emergency_access")
                .order_by(m.AuditEvent.id)
            ).all()
            reads = dict(
                session.execute(
                    select(m.AuditEvent.patient_id, func.count())
                    .where(m.AuditEvent.action == "emergency_read")
                    .group_by(m.AuditEvent.patient_id)
                ).all()
            )
        report = []
        for event, mrn in rows:
            details = _json_object(event.new_value)
            report.append(
                EmergencyAccessRow(
                    at=event.at,
                    username=event.username,
                    role=str(details.get("role", "")),
                    mrn=mrn or f"patient {event.patient_id}",
                    reason=str(details.get("reason", "")),
                    workstation=str(details.get("workstation", "")),
                    visits_read=int(reads.get(event.patient_id, 0)),
                )
            )
        return report

    # --- patients -------------------------------------------------------------------------

    def search_patients(self, text: str, limit: int = 50) -> list[PatientRow]:
        """By MRN (exact), birth date (YYYY-MM-DD or DD.MM.YYYY), family or given name prefix,
        or "family, given" prefixes. Accents and case are ignored."""
        self._may_read(None)
        text = (text or "").strip()
        if not text:
            return self.recent_patients(limit)
        with _read(self.db) as session:
            statement, params = _search_query(text, limit)
            patients = list(session.execute(statement, params).scalars())
            return _patient_rows(session, patients)

    def recent_patients(self, limit: int = 50) -> list[PatientRow]:
        """Patients whose visits (or themselves) changed most recently."""
        self._may_read(None)
        return _recent_patients(self.db, limit)

    def ready_patients(self, text: str = "", limit: int = 50) -> list[PatientRow]:
        """Patients whose latest visit is ready for the physician, the longest waiting first;
        with `text`, only those the search finds."""
        self._may_read(None)
        if text.strip():
            return [r for r in self.search_patients(text, limit)
                    if r.visit_status == "ready_for_review"]
        with _read(self.db) as session:
            waiting = session.execute(
                select(m.Visit.patient_id)
                .where(m.Visit.status == "ready_for_review")
                .order_by(m.Visit.updated_at, m.Visit.id)
            ).scalars()
            ids = list(dict.fromkeys(waiting))
            patients = {p.id: p for p in session.execute(
                select(m.Patient).where(m.Patient.id.in_(ids))).scalars()}
            rows = _patient_rows(session, [patients[i] for i in ids if i in patients])
        return [r for r in rows if r.visit_status == "ready_for_review"][:limit]

    def get_patient(self, patient_id: int) -> PatientRow:
        self._may_read(patient_id)
        with _read(self.db) as session:
            row = session.get(m.Patient, patient_id)
            if row is None:
                raise NotFoundError(f"no patient with id {patient_id}")
            return _patient_rows(session, [row])[0]

    def find_patient(self, mrn: str) -> PatientRow:
        self._may_look_up()
        with _read(self.db) as session:
            row = session.execute(select(m.Patient).where(m.Patient.mrn == mrn)).scalar_one_or_none()
            if row is None:
                raise NotFoundError(f"no patient with MRN {mrn!r}")
            self._may_read(row.id)
            return _patient_rows(session, [row])[0]

    def create_patient(
        self,
        mrn: str,
        family_name: str | None,
        given_name: str | None,
        birth_date: date | None,
        sex: str | None,
    ) -> PatientRow:
        require_sections(self.account, {"patient"})
        patient = Patient(
            mrn=(mrn or "").strip(),
            family_name=(family_name or "").strip() or None,
            given_name=(given_name or "").strip() or None,
            birth_date=birth_date,
            sex=sex or None,
        )
        _check_patient(patient)
        with self._writing() as session:
            row = self._insert_patient(session, patient)
            return _patient_rows(session, [row])[0]

    def _insert_patient(self, session: Session, patient: Patient) -> m.Patient:
        assert patient.mrn is not None
        if session.execute(select(m.Patient.id).where(m.Patient.mrn == patient.mrn)).first():
            raise InputError(Problem("patient.mrn", f"MRN {patient.mrn!r} is already in the record"))
        now = _now()
        row = m.Patient(
            mrn=patient.mrn,
            family_name=patient.family_name,
            given_name=patient.given_name,
            family_key=name_key(patient.family_name),
            given_key=name_key(patient.given_name),
            birth_date=patient.birth_date,
            sex=patient.sex,
            version=1,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        audit.append(
            session,
            self._actor,
            "create",
            "patient",
            entity_id=row.id,
            patient_id=row.id,
            new=patient,
        )
        return row

    # --- visits ---------------------------------------------------------------------------

    def lab_history(
        self, patient_id: int, before_visit_id: int | None = None
    ) -> dict[str, list[EarlierLab]]:
        """The patient's lab results by lab id, oldest first, in one query. With
        `before_visit_id`: only from the visits before that one (an earlier visit date, or the
        same date and created earlier), so a visit shows what was known before it."""
        self._may_read(patient_id)
        lab, visit = m.VisitLab, m.Visit
        query = (
            select(lab.test, lab.value, lab.unit, lab.collected, visit.id, visit.visit_date)
            .join(visit, visit.id == lab.visit_id)
            .where(visit.patient_id == patient_id)
        )
        if before_visit_id is not None:
            ref = aliased(m.Visit)
            query = query.join(ref, ref.id == before_visit_id).where(
                or_(
                    visit.visit_date < ref.visit_date,
                    and_(visit.visit_date == ref.visit_date, visit.id < ref.id),
                )
            )
        query = query.order_by(
            func.coalesce(lab.collected, visit.visit_date), visit.id, lab.position
        )
        history: dict[str, list[EarlierLab]] = {}
        with _read(self.db) as session:
            for test, value, unit, collected, visit_id, visit_date in session.execute(query):
                history.setdefault(test, []).append(
                    EarlierLab(collected or visit_date, value, unit, visit_id, visit_date)
                )
        return history

    def list_visits(self, patient_id: int) -> list[VisitRow]:
        self._may_read(patient_id)
        with _read(self.db) as session:
            rows = session.execute(
                select(m.Visit, m.Surgery, m.Account.username)
                .outerjoin(m.Surgery, m.Surgery.visit_id == m.Visit.id)
                .outerjoin(m.Account, m.Account.id == m.Visit.signed_by_id)
                .where(m.Visit.patient_id == patient_id)
                .order_by(m.Visit.visit_date.desc(), m.Visit.id.desc())
            ).all()
            return [
                VisitRow(
                    id=v.id,
                    patient_id=v.patient_id,
                    visit_date=v.visit_date,
                    status=v.status,
                    version=v.version,
                    surgery_date=s.surgery_date if s else None,
                    procedure=s.procedure if s else None,
                    signed_by=signer,
                    signed_at=_aware(v.signed_at) if v.signed_at else None,
                )
                for v, s, signer in rows
            ]

    def latest_visit_id(self, mrn: str) -> int:
        """The most recent visit of the patient with this MRN (for `assess --mrn`)."""
        self._may_look_up()
        with _read(self.db) as session:
            pid = session.execute(select(m.Patient.id).where(m.Patient.mrn == mrn)).scalar()
            if pid is None:
                raise NotFoundError(f"no patient with MRN {mrn!r}")
            self._may_read(pid)
            vid = session.execute(
                select(m.Visit.id)
                .where(m.Visit.patient_id == pid)
                .order_by(m.Visit.visit_date.desc(), m.Visit.id.desc())
                .limit(1)
            ).scalar()
            if vid is None:
                raise NotFoundError(f"patient {mrn!r} has no visits")
            return int(vid)

    def visit_for(self, mrn: str, visit_id: int | None = None) -> VisitRecord:
        """`--mrn M [--visit ID]`: that visit (checked to belong to M) or the latest one."""
        if visit_id is None:
            return self.load_visit(self.latest_visit_id(mrn))
        record = self.load_visit(visit_id)
        if record.workup.patient.mrn != mrn:
            raise NotFoundError(f"visit {visit_id} does not belong to MRN {mrn!r}")
        return record

    def create_visit(self, patient_id: int, visit_date: date, surgery: Surgery | None = None) -> VisitRecord:
        """A new visit in `intake`; without `surgery`, the patient's latest one is copied."""
        require_sections(self.account, {"visit", "surgery"})
        with self._writing() as session:
            patient = session.get(m.Patient, patient_id)
            if patient is None:
                raise NotFoundError(f"no patient with id {patient_id}")
            if surgery is None:
                latest = session.execute(
                    select(m.Surgery)
                    .join(m.Visit, m.Visit.id == m.Surgery.visit_id)
                    .where(m.Visit.patient_id == patient_id)
                    .order_by(m.Visit.visit_date.desc(), m.Visit.id.desc())
                    .limit(1)
                ).scalar()
                if latest is None:
                    raise InputError(
                        Problem("surgery.date", "the patient has no earlier visit; give the surgery")
                    )
                surgery = surgery_of(latest)
            workup = Workup(surgery=surgery, visit=Visit(date=visit_date))
            return self._insert_visit(session, patient, workup, action="create")

    @staticmethod
    def demo_cases() -> list[Path]:
        """The fictional demo cases shipped in resources/demo/, in name order."""
        from cramp_dx.paths import resources_dir

        return sorted((resources_dir() / "demo").glob("*.json"))

    def add_demo_patients(self) -> list[DemoPatient]:
        """Import each demo case whose MRN is not in the record yet (one transaction each,
        as `import_case`); patients already there are left alone."""
        from cramp_dx.casefile.io import read_case

        results = []
        for path in self.demo_cases():
            workup = read_case(path)
            mrn = workup.patient.mrn or ""
            try:
                self.find_patient(mrn)
            except NotFoundError:
                record = self.import_case(workup)
                results.append(DemoPatient(mrn, workup.patient.family_name, True, record.id))
            else:
                results.append(DemoPatient(mrn, workup.patient.family_name, False))
        return results

    def import_case(self, workup: Workup) -> VisitRecord:
        """A case file as a new visit; the patient is matched by MRN or created."""
        require_sections(self.account, workup_sections(workup))
        mrn = (workup.patient.mrn or "").strip()
        if not mrn:
            raise InputError(Problem("patient.mrn", "needed to file the case under a patient"))
        _check_patient(workup.patient)
        with self._writing() as session:
            row = session.execute(select(m.Patient).where(m.Patient.mrn == mrn)).scalar_one_or_none()
            if row is None:
                row = self._insert_patient(session, workup.patient)
            else:
                self._merge_demographics(session, row, workup.patient)
            return self._insert_visit(session, row, workup, action="import")

    def _merge_demographics(self, session: Session, row: m.Patient, patient: Patient) -> None:
        """A case for a known MRN must describe the same person: differing names, birth date
        or sex are refused (a wrong-patient error), missing ones are filled in."""
        problems, filled = [], {}
        for name in ("family_name", "given_name", "birth_date", "sex"):
            theirs, ours = getattr(patient, name), getattr(row, name)
            if theirs is None or theirs == ours:
                continue
            if ours is None:
                filled[name] = theirs
            else:
                problems.append(
                    Problem(
                        f"patient.{name}",
                        f"MRN {row.mrn} is recorded with {name} {ours!s}, the case says "
                        f"{theirs!s}; check the MRN, or correct the patient first",
                    )
                )
        if problems:
            raise InputError(problems)
        for name, value in filled.items():
            audit.append(
                session,
                self._actor,
                "update",
                "patient",
                entity_id=row.id,
                patient_id=row.id,
                field=f"patient.{name}",
                old=None,
                new=value,
            )
        merged = replace(patient_of(row), **filled)
        write_patient(row, merged, _now())

    def _insert_visit(
        self, session: Session, patient: m.Patient, workup: Workup, *, action: str
    ) -> VisitRecord:
        workup = replace(workup, patient=patient_of(patient))
        workup = validate_workup(workup)
        state = VisitState(workup=workup)
        now = _now()
        visit = m.Visit(
            patient_id=patient.id,
            visit_date=workup.visit.date,
            status="intake",
            version=1,
            clinician_id=self.account.id,
            created_at=now,
            updated_at=now,
        )
        session.add(visit)
        write_state(visit, None, state, self.account.id, now)
        session.flush()
        content = replace(workup, patient=Patient())
        audit.append(
            session,
            self._actor,
            action,
            "visit",
            entity_id=visit.id,
            patient_id=patient.id,
            visit_id=visit.id,
            new=content,
        )
        return self._record(session, visit, state)

    def load_visit(self, visit_id: int) -> VisitRecord:
        _check_id(visit_id, "visit")
        self._may_look_up()
        with _read(self.db) as session:
            found = load_visit_and_patient(session, visit_id)
            if found is None:
                raise NotFoundError(f"no visit with id {visit_id}")
            visit, patient = found
            self._may_read(visit.patient_id)
            record = self._record(session, visit, read_state(session, visit, patient))
        self._audit_emergency_read(record.patient_id, record.id)
        return record

    def apply(self, visit_id: int, change: Change, base_version: int) -> VisitRecord:
        """Save one edit made on the copy loaded at `base_version`. If the visit moved on since
        and this field now differs from what the editor saw, raise ConflictError (nothing is
        written); edits of different fields merge."""
        _check_change_name(change)
        require_sections(self.account, {section_of(change)})
        with self._writing() as session:
            found = load_visit_and_patient(session, visit_id, for_update=True)
            if found is None:
                raise NotFoundError(f"no visit with id {visit_id}")
            visit, patient = found
            if visit.status == "signed":
                raise SignedVisitError(f"visit {visit_id} is signed and read-only; add an addendum instead")
            state = read_state(session, visit, patient)
            current = change.current(state)
            moved = visit.version != base_version or isinstance(change, SetPatientField)
            if change.conflicts and moved and current != change.old_value:
                raise ConflictError(
                    change.field, change.new_value, current, self._record(session, visit, state)
                )
            new_state = change.apply_to(state)
            if new_state == state:
                return self._record(session, visit, state)
            new_state = replace(new_state, workup=validate_workup(new_state.workup, state.workup))
            _check_selection(new_state)
            now = _now()
            if new_state.workup.patient != state.workup.patient:
                _check_patient(new_state.workup.patient)
                self._check_mrn_free(session, new_state.workup.patient.mrn, patient.id)
                write_patient(patient, new_state.workup.patient, now)
            write_state(visit, state, new_state, self.account.id, now)
            visit.version += 1
            visit.updated_at = now
            audit.append(
                session,
                self._actor,
                "update",
                "visit",
                entity_id=visit.id,
                patient_id=patient.id,
                visit_id=visit.id,
                field=change.field,
                old=current,
                new=change.new_value,
            )
            session.flush()
            return self._record(session, visit, new_state)

    def mark_ready(self, visit_id: int) -> VisitRecord:
        require_clinical(self.account, "mark a visit ready for review")
        return self._set_status(visit_id, "ready_for_review", "mark_ready")

    def sign(
        self, visit_id: int, *, lab_ranges: dict[str, dict[str, float]] | None = None
    ) -> VisitRecord:
        """Sign the visit, refused while any of its red flags is unacknowledged. The flags are
        those of the workup as saved, assessed with `lab_ranges` (the clinic's reference
        ranges the physician sees; default: this workstation's settings)."""
        require_physician(self.account, "sign a visit")
        if lab_ranges is None:
            from cramp_dx.settings import load_settings

            lab_ranges = load_settings().lab_ranges
        ranges = lab_ranges

        def refuse_open_red_flags(state: VisitState) -> None:
            from cramp_dx.engine import assess

            flags = assess(state.workup, lab_ranges=ranges or None).red_flags
            unacknowledged = [
                (f.id, f.title) for f in flags if f.id not in state.acknowledged_red_flags
            ]
            if unacknowledged:
                raise RedFlagsOpenError(visit_id, unacknowledged)

        return self._set_status(visit_id, "signed", "sign", check=refuse_open_red_flags)

    def _set_status(
        self,
        visit_id: int,
        status: str,
        action: str,
        check: Callable[[VisitState], None] | None = None,
    ) -> VisitRecord:
        with self._writing() as session:
            visit = load_visit_row(session, visit_id, for_update=True)
            if visit is None:
                raise NotFoundError(f"no visit with id {visit_id}")
            if visit.status == "signed":
                raise SignedVisitError(f"visit {visit_id} is already signed")
            patient = session.get(m.Patient, visit.patient_id)
            assert patient is not None
            if check is not None:
                check(read_state(session, visit, patient))
            if visit.status != status:
                now = _now()
                old = visit.status
                visit.status = status
                visit.version += 1
                visit.updated_at = now
                if status == "signed":
                    visit.signed_by_id = self.account.id
                    visit.signed_at = now
                audit.append(
                    session,
                    self._actor,
                    action,
                    "visit",
                    entity_id=visit.id,
                    patient_id=patient.id,
                    visit_id=visit.id,
                    field="status",
                    old=old,
                    new=status,
                )
                session.flush()
            return self._record(session, visit, read_state(session, visit, patient))

    def add_addendum(self, visit_id: int, text: str) -> VisitRecord:
        require_clinical(self.account, "add an addendum")
        text = (text or "").strip()
        if not text:
            raise InputError(Problem("addendum", "write the addendum's text"))
        problem = length_problem(text, MAX_ADDENDUM) or text_problem(text, multiline=True)
        if problem:
            raise InputError(Problem("addendum", problem))
        with self._writing() as session:
            visit = load_visit_row(session, visit_id, for_update=True)
            if visit is None:
                raise NotFoundError(f"no visit with id {visit_id}")
            if visit.status != "signed":
                raise InputError(
                    Problem("addendum", "only a signed visit takes addenda; edit this one directly")
                )
            if len(visit.addenda) >= MAX_ADDENDA:
                raise InputError(Problem("addendum", (
                    f"this visit has {len(visit.addenda)} addenda already; accepted: at most "
                    f"{MAX_ADDENDA} to one visit")))
            patient = session.get(m.Patient, visit.patient_id)
            assert patient is not None
            now = _now()
            visit.addenda.append(m.Addendum(account_id=self.account.id, created_at=now, text=text))
            visit.version += 1
            visit.updated_at = now
            audit.append(
                session,
                self._actor,
                "addendum",
                "visit",
                entity_id=visit.id,
                patient_id=patient.id,
                visit_id=visit.id,
                new=text,
            )
            session.flush()
            return self._record(session, visit, read_state(session, visit, patient))

    def write_pdf(self, visit_id: int, path: str | Path, data: bytes) -> Path:
        """Write the visit's PDF summary to `path` with its audit row (see write_output)."""
        return self.write_output(visit_id, "pdf", "pdf", path, data)

    def write_export(self, visit_id: int, kind: str, path: str | Path, data: bytes) -> Path:
        """Write an export of the visit (`kind`: case, fhir) to `path` with its audit row."""
        return self.write_output(visit_id, "export", kind, path, data)

    def write_output(self, visit_id: int, action: str, kind: str, path: str | Path, data: bytes) -> Path:
        """The one place a file of patient data and its audit row are written together: the
        data goes to an owner-only temporary file beside `path`, the audit row is committed,
        and only then is the file renamed into place. If the audit fails, no file is left
        (and one already at `path` is untouched)."""
        from cramp_dx.files import write_atomic

        target = Path(path).expanduser().absolute()
        return write_atomic(
            target, data, before_publish=lambda: self._record_output(visit_id, action, kind, target)
        )

    def record_print(self, visit_id: int, printer: str, path: str | Path) -> None:
        """A summary sent to a printer, audited like an export (before it is sent)."""
        self._record_output(visit_id, "print", f"printer {printer}"[:200], path)

    def record_export(self, visit_id: int, kind: str, path: str | Path) -> None:
        """Audit an export that is not a file (standard output): call before writing it."""
        self._record_output(visit_id, "export", kind, path)

    def _record_output(self, visit_id: int, action: str, kind: str, path: str | Path) -> None:
        with self._writing() as session:
            visit = session.get(m.Visit, visit_id)
            if visit is None:
                raise NotFoundError(f"no visit with id {visit_id}")
            self._may_read(visit.patient_id)
            audit.append(
                session,
                self._actor,
                action,
                "visit",
                entity_id=visit.id,
                patient_id=visit.patient_id,
                visit_id=visit.id,
                field=kind,
                new=str(path),
            )

    # --- lab import -----------------------------------------------------------------------

    def preview_lab_import(
        self, visit_id: int, message: LabMessage, lab_ranges: dict[str, dict[str, float]] | None = None
    ) -> ImportPlan:
        """What importing `message` into the visit would do, row by row; nothing is stored.
        A message about another patient, or with a value that cannot be real, is refused."""
        require_sections(self.account, {"lab"})
        record = self.load_visit(visit_id)
        check_patient(message.patient, record.workup.patient)
        return plan_import(message, record.workup, _knowledge(), lab_ranges)

    def import_labs(
        self,
        visit_id: int,
        message: LabMessage,
        source: str,
        lab_ranges: dict[str, dict[str, float]] | None = None,
    ) -> tuple[VisitRecord, ImportPlan]:
        """Store a lab message in one transaction with one audit row: the plan is made again
        against the visit as it is now (under its row lock), so a re-import or a concurrent
        entry never stores a duplicate, and a corrected result replaces the earlier one."""
        require_sections(self.account, {"lab"})
        with self._writing() as session:
            visit = load_visit_row(session, visit_id, for_update=True)
            if visit is None:
                raise NotFoundError(f"no visit with id {visit_id}")
            if visit.status == "signed":
                raise SignedVisitError(f"visit {visit_id} is signed and read-only; add an addendum instead")
            patient = session.get(m.Patient, visit.patient_id, with_for_update=True)
            assert patient is not None
            state = read_state(session, visit, patient)
            check_patient(message.patient, state.workup.patient)
            plan = plan_import(message, state.workup, _knowledge(), lab_ranges)
            new_state = state
            if plan.changes:
                new_state = replace(state, workup=validate_workup(replace(state.workup, labs=plan.labs)))
                now = _now()
                write_state(visit, state, new_state, self.account.id, now)
                visit.version += 1
                visit.updated_at = now
            audit.append(
                session,
                self._actor,
                "import_labs",
                "visit",
                entity_id=visit.id,
                patient_id=patient.id,
                visit_id=visit.id,
                field="labs",
                old=[row.reason for row in plan.rows if row.action == "replace"] or None,
                new={
                    "source": source,
                    "message": plan.kind,
                    "summary": plan.summary(),
                    "stored": [row.result for row in plan.rows if row.result is not None],
                    "skipped": [
                        f"{row.source} {row.lab}: {row.reason}" for row in plan.rows if row.action == "skip"
                    ],
                },
            )
            session.flush()
            return self._record(session, visit, new_state), plan

    # --- the record as a whole ------------------------------------------------------------

    def restore_record(self, source: Path) -> Restored:
        """Replace the whole record by the backup at `source` (an admin): checked first, the
        current content kept in a verified copy, refused while the record is in use, audited
        (cramp_dx.services.restore)."""
        require_admin(self.account, "restore the record from a backup")
        from cramp_dx.services.restore import restore_record

        return restore_record(self.db, Path(source), self.account)

    # --- audit ----------------------------------------------------------------------------

    def audit_trail(self, patient_id: int | None = None, limit: int | None = None) -> list[AuditEntry]:
        """The trail of one patient; with `patient_id` None (an admin), the events of the
        record as a whole — accounts, sign-ins, restores, emergency accesses — without the
        clinical content of patients' rows."""
        if patient_id is None:
            require_admin(self.account, "read the whole audit trail")
        else:
            self._may_read(patient_id)
        with _read(self.db) as session:
            query = select(m.AuditEvent).order_by(m.AuditEvent.id)
            if patient_id is not None:
                query = query.where(m.AuditEvent.patient_id == patient_id)
            else:
                query = query.where(
                    or_(m.AuditEvent.patient_id.is_(None), m.AuditEvent.action == "emergency_access")
                )
            if limit:
                query = query.limit(limit)
            return [
                AuditEntry(
                    id=r.id,
                    at=r.at,
                    username=r.username,
                    action=r.action,
                    entity=r.entity,
                    entity_id=r.entity_id,
                    patient_id=r.patient_id,
                    visit_id=r.visit_id,
                    field=r.field,
                    old_value=r.old_value,
                    new_value=r.new_value,
                )
                for r in session.execute(query).scalars()
            ]

    # --- helpers --------------------------------------------------------------------------

    def _usernames(self, session: Session, ids: set[int | None]) -> dict[int, str]:
        """Account id -> user name (which never changes), remembered for this session."""
        wanted = {i for i in ids if i is not None and i not in self._names}
        if wanted:
            query = select(m.Account.id, m.Account.username).where(m.Account.id.in_(wanted))
            self._names.update({int(row.id): str(row.username) for row in session.execute(query)})
        return self._names

    @staticmethod
    def _check_mrn_free(session: Session, mrn: str | None, patient_id: int) -> None:
        clash = session.execute(
            select(m.Patient.id).where(m.Patient.mrn == mrn, m.Patient.id != patient_id)
        ).first()
        if clash:
            raise InputError(Problem("patient.mrn", f"MRN {mrn!r} belongs to another patient"))

    def _record(self, session: Session, visit: m.Visit, state: VisitState) -> VisitRecord:
        # only a signed visit takes addenda, so an unsigned one (every one being edited) has none
        addenda = (
            session.execute(
                select(m.Addendum.id, m.Addendum.account_id, m.Addendum.created_at, m.Addendum.text)
                .where(m.Addendum.visit_id == visit.id)
                .order_by(m.Addendum.id)
            ).all()
            if visit.status == "signed"
            else []
        )
        names = self._usernames(
            session, {visit.clinician_id, visit.signed_by_id, *(a.account_id for a in addenda)}
        )
        return VisitRecord(
            id=visit.id,
            patient_id=visit.patient_id,
            version=visit.version,
            status=visit.status,
            workup=state.workup,
            plan_items=state.plan_items,
            acknowledged_red_flags=state.acknowledged_red_flags,
            signed_by=names.get(visit.signed_by_id) if visit.signed_by_id else None,
            signed_at=_aware(visit.signed_at) if visit.signed_at else None,
            addenda=tuple(
                AddendumRow(
                    id=a.id,
                    author=names.get(a.account_id, "?"),
                    created_at=_aware(a.created_at),
                    text=a.text,
                )
                for a in addenda
            ),
            clinician=names.get(visit.clinician_id) if visit.clinician_id else None,
        )


def _prefix(column: Any, name: str) -> Any:
    """`column` starts with the bound parameter `name` (and `name`_end is `name` + PREFIX_END)."""
    return column.between(bindparam(name), bindparam(f"{name}_end"))


def _search_query(text: str, limit: int) -> tuple[Select[tuple[m.Patient]], dict[str, Any]]:
    """The statement and parameters for the first `limit` patients matching `text`, in name
    order."""
    birth = _parse_date(text)
    if birth is not None:
        return _search_statement("birth date"), {"birth": birth, "text": text, "limit": limit}
    if "," in text:
        family, given = (name_key(part) for part in text.split(",", 1))
        params = {"family": family, "family_end": family + PREFIX_END, "limit": limit}
        if not given:
            return _search_statement("family"), params
        return _search_statement("family, given"), {**params, "given": given, "given_end": given + PREFIX_END}
    key = name_key(text)
    return _search_statement("name"), {"text": text, "key": key, "key_end": key + PREFIX_END, "limit": limit}


@cache
def _search_statement(kind: str) -> Select[tuple[m.Patient]]:
    """Built once per kind of search (building a union of subqueries costs more than running
    it). A search matching in several ways (MRN, family or given name; birth date or MRN) is
    one query per way, each reading at most `limit` rows in name order from an index, merged:
    an OR of them would make the database sort every match, hundreds of thousands for two
    letters typed."""
    patient = m.Patient
    ways = {
        "birth date": [patient.birth_date == bindparam("birth"), patient.mrn == bindparam("text")],
        "family": [_prefix(patient.family_key, "family")],
        "family, given": [and_(_prefix(patient.family_key, "family"), _prefix(patient.given_key, "given"))],
        "name": [
            patient.mrn == bindparam("text"),
            _prefix(patient.family_key, "key"),
            _prefix(patient.given_key, "key"),
        ],
    }[kind]
    limit = bindparam("limit", type_=Integer)
    if len(ways) == 1:
        return select(patient).where(ways[0]).order_by(*_name_order(patient)).limit(limit)
    branches = [
        select(patient).where(way).order_by(*_name_order(patient)).limit(limit).subquery()
        for way in ways
    ]
    found = aliased(patient, union(*(select(branch) for branch in branches)).subquery())
    return select(found).order_by(*_name_order(found)).limit(limit)


def _name_order(patient: Any) -> tuple[Any, ...]:
    return (patient.family_key, patient.given_key, patient.id)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        return None


def _check_id(value: int, what: str) -> None:
    """An id the database can hold; anything else names no row (and must not reach the
    driver, which would fail with an overflow)."""
    problem = record_id_problem(value)
    if problem:
        raise NotFoundError(f"no {what} with id {value}; {problem}")


def _check_patient(patient: Patient) -> None:
    """The checks a patient passes however it arrives (new, imported for a known MRN, edited)."""
    problems = []
    mrn = patient.mrn or ""
    if not mrn.strip():
        problems.append(Problem("patient.mrn", "the MRN is required"))
    elif len(mrn) > MAX_MRN or mrn != mrn.strip():
        problems.append(Problem("patient.mrn", f"at most {MAX_MRN} characters, no surrounding spaces"))
    elif text_problem(mrn):
        problems.append(Problem("patient.mrn", str(text_problem(mrn))))
    if patient.sex is not None and patient.sex not in SEXES:
        problems.append(Problem("patient.sex", f"{patient.sex!r}; accepted: {', '.join(SEXES)}"))
    if patient.birth_date is not None:
        problem = date_problem(patient.birth_date, birth=True)
        if problem:
            problems.append(Problem("patient.birth_date", problem))
    for name in ("family_name", "given_name"):
        value = getattr(patient, name)
        if value is not None and length_problem(value, MAX_NAME):
            problems.append(Problem(f"patient.{name}", str(length_problem(value, MAX_NAME))))
        elif value is not None and text_problem(value):
            problems.append(Problem(f"patient.{name}", str(text_problem(value))))
    if problems:
        raise InputError(problems)


def _check_change_name(change: Change) -> None:
    allowed = {
        SetPatientField: PATIENT_FIELDS,
        SetSurgeryField: SURGERY_FIELDS,
        SetVisitField: VISIT_FIELDS,
    }.get(type(change))
    name = getattr(change, "name", None)
    if allowed is not None and name not in allowed:
        raise InputError(Problem(change.field, f"not a field; accepted: {', '.join(allowed)}"))


def _check_selection(state: VisitState) -> None:
    """Plan items and acknowledged red flags must be ids the knowledge base knows."""
    from cramp_dx.knowledge import load_knowledge

    kb = load_knowledge()
    problems = []
    plan_ids = getattr(kb, "plan_items", None)
    if plan_ids is not None:
        for pid in state.plan_items:
            if pid not in plan_ids:
                problems.append(Problem("plan_items", f"unknown plan item {pid!r}"))
    flags = getattr(kb, "red_flags", None)
    if flags is not None:
        for fid in state.acknowledged_red_flags:
            if fid not in flags:
                problems.append(Problem("acknowledged_red_flags", f"unknown red flag {fid!r}"))
    if problems:
        raise InputError(problems)


def _patient_rows(session: Session, patients: list[m.Patient]) -> list[PatientRow]:
    ids = [p.id for p in patients]
    queries = _list_statements()
    found = session.execute(queries["stats"], {"ids": ids}).all()
    stats = {pid: (surgery, visit_date, count) for pid, surgery, visit_date, count in found}
    latest: dict[int, tuple[tuple[date, int], str]] = {}
    for pid, status, visit_date, visit_id in session.execute(queries["statuses"], {"ids": ids}):
        if pid not in latest or (visit_date, visit_id) > latest[pid][0]:
            latest[pid] = ((visit_date, visit_id), status)
    rows = []
    for p in patients:
        surgery, visit_date, count = stats.get(p.id, (None, None, 0))
        rows.append(
            PatientRow(
                id=p.id,
                mrn=p.mrn,
                family_name=p.family_name,
                given_name=p.given_name,
                birth_date=p.birth_date,
                sex=p.sex,
                version=p.version,
                latest_surgery_date=surgery,
                latest_visit_date=visit_date,
                visit_count=count,
                visit_status=latest[p.id][1] if p.id in latest else None,
            )
        )
    return rows


__all__ = ["AcknowledgeRedFlag", "Services", "SetPlanItems", "validate_workup"]

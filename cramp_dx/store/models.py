"""The record's tables as SQLAlchemy 2.x typed models.

The workup of a visit is stored normalised: one row per assessed finding (present/absent; no
row means not assessed), per measurement, lab value, medication line, test order, selected plan
item, red-flag acknowledgement and examined sign of the neurological examination. The
migrations in `migrations/versions/` create exactly these tables;
`tests/test_store_migrations.py` checks that they agree.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ROLES = ("nurse", "physician", "admin")
# byte-order comparison on both databases, so `key >= p AND key < p || U+10FFFF` is a prefix
KEY_TYPE = String(200).with_variant(String(200, collation="C"), "postgresql")
VISIT_STATUSES = ("intake", "ready_for_review", "signed")


class Base(DeclarativeBase):
    """Declarative base of every record table."""


class Account(Base):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # after repeated failed sign-ins: no sign-in until then (None: not locked)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SignInFailure(Base):
    """One failed sign-in of an account: the lockout counts those of the last minutes."""

    __tablename__ = "sign_in_failure"
    __table_args__ = (Index("ix_sign_in_failure_account", "account_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Patient(Base):
    __tablename__ = "patient"
    __table_args__ = (
        # the search's order: each branch of a name search reads its first rows in order
        Index("ix_patient_name_order", "family_key", "given_key", "id"),
        Index("ix_patient_given_key", "given_key"),
        Index("ix_patient_birth_date", "birth_date"),
        Index("ix_patient_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mrn: Mapped[str] = mapped_column(String(64), unique=True)
    family_name: Mapped[str | None] = mapped_column(String(200))
    given_name: Mapped[str | None] = mapped_column(String(200))
    # casefolded, accent-stripped names: a prefix search is an index range scan on any database
    family_key: Mapped[str] = mapped_column(KEY_TYPE, default="")
    given_key: Mapped[str] = mapped_column(KEY_TYPE, default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    visits: Mapped[list[Visit]] = relationship(back_populates="patient")


class Visit(Base):
    __tablename__ = "visit"
    __table_args__ = (
        Index("ix_visit_patient_date", "patient_id", "visit_date"),
        Index("ix_visit_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="RESTRICT"))
    visit_date: Mapped[date] = mapped_column(Date)
    symptom_side: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="intake")
    version: Mapped[int] = mapped_column(Integer, default=1)
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    patient: Mapped[Patient] = relationship(back_populates="visits")
    surgery: Mapped[Surgery | None] = relationship(
        back_populates="visit", cascade="all, delete-orphan", uselist=False
    )
    findings: Mapped[list[VisitFinding]] = relationship(cascade="all, delete-orphan")
    measurements: Mapped[list[VisitMeasurement]] = relationship(cascade="all, delete-orphan")
    labs: Mapped[list[VisitLab]] = relationship(
        cascade="all, delete-orphan", order_by="VisitLab.position"
    )
    medications: Mapped[list[VisitMedication]] = relationship(
        cascade="all, delete-orphan", order_by="VisitMedication.position"
    )
    orders: Mapped[list[VisitOrder]] = relationship(cascade="all, delete-orphan")
    neuro_signs: Mapped[list[VisitNeuroSign]] = relationship(cascade="all, delete-orphan")
    plan_items: Mapped[list[VisitPlanItem]] = relationship(
        cascade="all, delete-orphan", order_by="VisitPlanItem.position"
    )
    acknowledgements: Mapped[list[RedFlagAcknowledgement]] = relationship(
        cascade="all, delete-orphan"
    )
    addenda: Mapped[list[Addendum]] = relationship(
        cascade="all, delete-orphan", order_by="Addendum.id"
    )


class Surgery(Base):
    """The index surgery a visit is about. One row per visit, so that editing it never changes
    an earlier, signed visit; a new visit starts from a copy of the patient's latest one."""

    __tablename__ = "surgery"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id", ondelete="CASCADE"), unique=True)
    surgery_date: Mapped[date] = mapped_column(Date)
    procedure: Mapped[str | None] = mapped_column(String(40))
    levels: Mapped[str] = mapped_column(String(200), default="")  # "L4-L5,L5-S1"
    approach: Mapped[str | None] = mapped_column(String(40))
    prior_spine_surgeries: Mapped[int | None] = mapped_column(Integer)
    duration_hours: Mapped[float | None] = mapped_column(Float)
    # added in 0002; NULL = not recorded (the operation details of `case.model.Surgery`)
    position: Mapped[str | None] = mapped_column(String(40))
    instrumentation: Mapped[bool | None] = mapped_column(Boolean)
    interbody_device: Mapped[bool | None] = mapped_column(Boolean)
    durotomy: Mapped[bool | None] = mapped_column(Boolean)
    bmp_used: Mapped[bool | None] = mapped_column(Boolean)
    iliac_crest_graft: Mapped[bool | None] = mapped_column(Boolean)
    pelvic_fixation: Mapped[bool | None] = mapped_column(Boolean)

    visit: Mapped[Visit] = relationship(back_populates="surgery")


class VisitFinding(Base):
    __tablename__ = "visit_finding"

    visit_id: Mapped[int] = mapped_column(
        ForeignKey("visit.id", ondelete="CASCADE"), primary_key=True
    )
    finding_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    present: Mapped[bool] = mapped_column(Boolean)


class VisitMeasurement(Base):
    __tablename__ = "visit_measurement"

    visit_id: Mapped[int] = mapped_column(
        ForeignKey("visit.id", ondelete="CASCADE"), primary_key=True
    )
    measurement_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[float] = mapped_column(Float)


class VisitLab(Base):
    __tablename__ = "visit_lab"
    __table_args__ = (Index("ix_visit_lab_visit", "visit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    test: Mapped[str] = mapped_column(String(80))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(40))
    collected: Mapped[date | None] = mapped_column(Date)
    loinc: Mapped[str | None] = mapped_column(String(20))  # the code the result arrived with
    # the collection time as the laboratory sent it, ISO 8601 with its offset (text, so the
    # offset survives on SQLite and PostgreSQL alike)
    collected_at: Mapped[str | None] = mapped_column(String(40))


class VisitMedication(Base):
    __tablename__ = "visit_medication"
    __table_args__ = (Index("ix_visit_medication_visit", "visit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    dose: Mapped[str | None] = mapped_column(String(200))
    start_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)


class VisitOrder(Base):
    __tablename__ = "visit_order"

    visit_id: Mapped[int] = mapped_column(
        ForeignKey("visit.id", ondelete="CASCADE"), primary_key=True
    )
    test_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    order_date: Mapped[date | None] = mapped_column(Date)


class VisitNeuroSign(Base):
    """One examined sign of the neurological examination (added in 0003): a side, a kind
    (sensory / strength / reflexes) and an item; `grade` holds a muscle's MRC grade, `state` an
    area's or a reflex's value. No row means not examined."""

    __tablename__ = "visit_neuro_sign"

    visit_id: Mapped[int] = mapped_column(
        ForeignKey("visit.id", ondelete="CASCADE"), primary_key=True
    )
    side: Mapped[str] = mapped_column(String(10), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    item: Mapped[str] = mapped_column(String(40), primary_key=True)
    grade: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str | None] = mapped_column(String(20))


class VisitPlanItem(Base):
    __tablename__ = "visit_plan_item"

    visit_id: Mapped[int] = mapped_column(
        ForeignKey("visit.id", ondelete="CASCADE"), primary_key=True
    )
    plan_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class RedFlagAcknowledgement(Base):
    __tablename__ = "red_flag_ack"

    visit_id: Mapped[int] = mapped_column(
        ForeignKey("visit.id", ondelete="CASCADE"), primary_key=True
    )
    flag_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    acknowledged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Addendum(Base):
    __tablename__ = "addendum"
    __table_args__ = (Index("ix_addendum_visit", "visit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(Text)


class AuditEvent(Base):
    """Append-only: database triggers refuse UPDATE and DELETE, and `hash` chains each row to
    the one before it, so an alteration behind the app's back shows up in `audit --verify`.
    `id` is assigned by the writer (previous id + 1) under the audit lock, so the chain order
    is the id order."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_patient", "patient_id"),
        UniqueConstraint("hash", name="uq_audit_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))  # ISO 8601 UTC text: hashed exactly as stored
    account_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(80))
    patient_id: Mapped[int | None] = mapped_column(Integer)
    visit_id: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(200))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditSeal(Base):
    """An HMAC (key outside the database) over the audit chain's head after a transaction
    appended to it: rows up to `audit_id` cannot be rewritten without the key (added in 0007)."""

    __tablename__ = "audit_seal"

    audit_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16))
    mac: Mapped[str] = mapped_column(String(64))


class VisitSeal(Base):
    """An HMAC over a visit's stored state (a digest per field, JSON) as its last audited
    change, audit row `audit_id`, left it (added in 0007)."""

    __tablename__ = "visit_seal"

    visit_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    audit_id: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(16))
    mac: Mapped[str] = mapped_column(String(64))

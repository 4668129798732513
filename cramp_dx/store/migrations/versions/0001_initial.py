"""The first schema: accounts, patients, visits with their normalised workup, audit trail.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = (
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'audit rows cannot be changed'); END""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'audit rows cannot be deleted'); END""",
)
_POSTGRES_TRIGGERS = (
    """CREATE FUNCTION audit_event_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit rows cannot be changed or deleted'; END $$""",
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event
       FOR EACH ROW EXECUTE FUNCTION audit_event_refuse()""",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
       FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse()""",
)


def _key_type() -> sa.types.TypeEngine:
    return sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")


def _tz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(80), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
    )
    op.create_table(
        "patient",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("mrn", sa.String(64), nullable=False, unique=True),
        sa.Column("family_name", sa.String(200)),
        sa.Column("given_name", sa.String(200)),
        sa.Column("family_key", _key_type(), nullable=False),
        sa.Column("given_key", _key_type(), nullable=False),
        sa.Column("birth_date", sa.Date),
        sa.Column("sex", sa.String(10)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("updated_at", _tz(), nullable=False),
    )
    op.create_index("ix_patient_family_key", "patient", ["family_key"])
    op.create_index("ix_patient_given_key", "patient", ["given_key"])
    op.create_index("ix_patient_birth_date", "patient", ["birth_date"])
    op.create_table(
        "visit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "patient_id",
            sa.Integer,
            sa.ForeignKey("patient.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("visit_date", sa.Date, nullable=False),
        sa.Column("symptom_side", sa.String(20)),
        sa.Column("notes", sa.Text),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("clinician_id", sa.Integer, sa.ForeignKey("account.id")),
        sa.Column("signed_by_id", sa.Integer, sa.ForeignKey("account.id")),
        sa.Column("signed_at", _tz()),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("updated_at", _tz(), nullable=False),
    )
    op.create_index("ix_visit_patient_date", "visit", ["patient_id", "visit_date"])
    op.create_index("ix_visit_updated_at", "visit", ["updated_at"])
    op.create_table(
        "surgery",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "visit_id",
            sa.Integer,
            sa.ForeignKey("visit.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("surgery_date", sa.Date, nullable=False),
        sa.Column("procedure", sa.String(40)),
        sa.Column("levels", sa.String(200), nullable=False),
        sa.Column("approach", sa.String(40)),
        sa.Column("prior_spine_surgeries", sa.Integer),
        sa.Column("duration_hours", sa.Float),
    )

    def visit_fk() -> sa.Column:
        return sa.Column(
            "visit_id",
            sa.Integer,
            sa.ForeignKey("visit.id", ondelete="CASCADE"),
            primary_key=True,
        )

    op.create_table(
        "visit_finding",
        visit_fk(),
        sa.Column("finding_id", sa.String(80), primary_key=True),
        sa.Column("present", sa.Boolean, nullable=False),
    )
    op.create_table(
        "visit_measurement",
        visit_fk(),
        sa.Column("measurement_id", sa.String(80), primary_key=True),
        sa.Column("value", sa.Float, nullable=False),
    )
    op.create_table(
        "visit_lab",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "visit_id", sa.Integer, sa.ForeignKey("visit.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("test", sa.String(80), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("unit", sa.String(40), nullable=False),
        sa.Column("collected", sa.Date),
    )
    op.create_index("ix_visit_lab_visit", "visit_lab", ["visit_id"])
    op.create_table(
        "visit_medication",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "visit_id", sa.Integer, sa.ForeignKey("visit.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("dose", sa.String(200)),
        sa.Column("start_date", sa.Date),
        sa.Column("status", sa.String(20)),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_visit_medication_visit", "visit_medication", ["visit_id"])
    op.create_table(
        "visit_order",
        visit_fk(),
        sa.Column("test_id", sa.String(80), primary_key=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("order_date", sa.Date),
    )
    op.create_table(
        "visit_plan_item",
        visit_fk(),
        sa.Column("plan_id", sa.String(80), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "red_flag_ack",
        visit_fk(),
        sa.Column("flag_id", sa.String(80), primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id"), nullable=False),
        sa.Column("acknowledged_at", _tz(), nullable=False),
    )
    op.create_table(
        "addendum",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "visit_id", sa.Integer, sa.ForeignKey("visit.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id"), nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_index("ix_addendum_visit", "addendum", ["visit_id"])
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("account_id", sa.Integer),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(80)),
        sa.Column("patient_id", sa.Integer),
        sa.Column("visit_id", sa.Integer),
        sa.Column("field", sa.String(200)),
        sa.Column("old_value", sa.Text),
        sa.Column("new_value", sa.Text),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("hash", name="uq_audit_hash"),
    )
    op.create_index("ix_audit_patient", "audit_event", ["patient_id"])
    triggers = (
        _POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else _SQLITE_TRIGGERS
    )
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_refuse()")
    for table in (
        "audit_event",
        "addendum",
        "red_flag_ack",
        "visit_plan_item",
        "visit_order",
        "visit_medication",
        "visit_lab",
        "visit_measurement",
        "visit_finding",
        "surgery",
        "visit",
        "patient",
        "account",
    ):
        op.drop_table(table)

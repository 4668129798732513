"""Seals of the audit trail (issue 15): `audit_seal` holds an HMAC over the chain's head after
each transaction that appended to it, `visit_seal` an HMAC over each visit's state (a digest
per field) as its last audited change left it. The key is not in the database
(cramp_dx.store.signing).

New tables only: every existing row stays as it is. The trail of an existing record is sealed
as it stands the first time a workstation opens it after the upgrade (its visits are sealed as
each next changes).

Revision ID: 0007_audit_seals
Revises: 0006_neuro_exam
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_audit_seals"
down_revision = "0006_neuro_exam"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_seal",
        sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
    )
    op.create_table(
        "visit_seal",
        sa.Column("visit_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("audit_id", sa.Integer, nullable=False),
        sa.Column("digest", sa.Text, nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("visit_seal")
    op.drop_table("audit_seal")

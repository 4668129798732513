"""Sign-in lockout: failed sign-ins per account (a sliding window) and the time a locked
account may sign in again, kept in the record so every workstation sees them.

Revision ID: 0004_sign_in_lockout
Revises: 0003_lab_code_and_time
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_sign_in_lockout"
down_revision = "0003_lab_code_and_time"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True)))
    op.create_table(
        "sign_in_failure",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "account_id",
            sa.Integer,
            sa.ForeignKey("account.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sign_in_failure_account", "sign_in_failure", ["account_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_failure_account", "sign_in_failure")
    op.drop_table("sign_in_failure")
    with op.batch_alter_table("account") as batch:
        batch.drop_column("locked_until")

"""A lab result keeps the LOINC code it arrived with and its collection time.

Revision ID: 0003_lab_code_and_time
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_lab_code_and_time"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("visit_lab") as batch:
        batch.add_column(sa.Column("loinc", sa.String(20)))
        batch.add_column(sa.Column("collected_at", sa.String(40)))


def downgrade() -> None:
    with op.batch_alter_table("visit_lab") as batch:
        batch.drop_column("collected_at")
        batch.drop_column("loinc")

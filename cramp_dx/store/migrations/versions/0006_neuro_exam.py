"""The structured neurological examination: one row per examined sign (side, kind, item), with
the MRC grade of a muscle or the value of a sensory area or reflex.

A new table only: the visits of an existing record keep every row and read as "not examined".

Revision ID: 0006_neuro_exam
Revises: 0005_search_indexes
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_neuro_exam"
down_revision = "0005_search_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visit_neuro_sign",
        sa.Column(
            "visit_id",
            sa.Integer,
            sa.ForeignKey("visit.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("side", sa.String(10), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("item", sa.String(40), primary_key=True),
        sa.Column("grade", sa.Integer, nullable=True),
        sa.Column("state", sa.String(20), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("visit_neuro_sign")

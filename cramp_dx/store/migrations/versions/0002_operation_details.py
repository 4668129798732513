"""The operation in more detail: the patient's position on the table and six yes/no details
(screws and rods, interbody cage, dural tear, rhBMP-2, iliac crest graft, pelvic fixation).

Every new column is nullable (NULL = not recorded), so the surgeries of an existing record
keep their data and read as "not recorded" for the new details.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# the names of `case.model.OPERATION_FLAGS`, written out: a migration must not change when
# the model does
_FLAGS = (
    "instrumentation",
    "interbody_device",
    "durotomy",
    "bmp_used",
    "iliac_crest_graft",
    "pelvic_fixation",
)


def upgrade() -> None:
    # plain ADD COLUMN (nullable, no default) works on SQLite and PostgreSQL alike
    op.add_column("surgery", sa.Column("position", sa.String(40), nullable=True))
    for name in _FLAGS:
        op.add_column("surgery", sa.Column(name, sa.Boolean, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("surgery") as batch:
        for name in reversed(_FLAGS):
            batch.drop_column(name)
        batch.drop_column("position")

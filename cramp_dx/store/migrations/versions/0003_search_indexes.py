"""Indexes for the patient list at clinic-group scale (measured on PostgreSQL with 1,000,000
patients, benchmarks/bench_record_pg.py):

- patient (family_key, given_key, id): the search's own order, so each branch of a name search
  reads its first 50 rows from the index in order instead of sorting every match; it replaces
  the index on family_key alone, which is its prefix;
- patient (updated_at): the recent-patients list (the empty search shown after signing in)
  read the newest patients by a scan of the whole table.

Revision ID: 0003_search_indexes
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0003_search_indexes"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_patient_name_order", "patient", ["family_key", "given_key", "id"])
    op.drop_index("ix_patient_family_key", table_name="patient")
    op.create_index("ix_patient_updated_at", "patient", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_patient_updated_at", table_name="patient")
    op.create_index("ix_patient_family_key", "patient", ["family_key"])
    op.drop_index("ix_patient_name_order", table_name="patient")

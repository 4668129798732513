"""What the record needs at clinic-group scale on PostgreSQL (measured with
benchmarks/bench_record_pg.py: 1,000,000 patients; 20 workstations):

- index patient (family_key, given_key, id): the search's own order, so each branch of a name
  search reads its first 50 rows from the index in order instead of sorting every match; it
  replaces the index on family_key alone, which is its prefix;
- index patient (updated_at): the recent-patients list (the empty search shown after signing
  in) read the newest patients by a scan of the whole table;
- PostgreSQL function audit_append(jsonb): chains a transaction's audit rows in the server,
  in one statement (lock, tail, SHA-256, insert), so a writer holds the audit lock for that
  statement and its COMMIT only, with no round trip to the workstation in between. It hashes
  exactly as cramp_dx.services.audit.row_hash does (the JSON text of the row's values).

Revision ID: 0005_search_indexes
Revises: 0004_sign_in_lockout
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0005_search_indexes"
down_revision = "0004_sign_in_lockout"
branch_labels = None
depends_on = None


# pg_advisory_xact_lock key of audit appends: 0x43524D41 ("CRMA"), as in services/audit.py
_AUDIT_APPEND = """
CREATE FUNCTION audit_append(pending jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    item jsonb;
    row_id integer;
    tail text;
    stamp text;
    payload text;
    digest text;
BEGIN
    PERFORM pg_advisory_xact_lock(1129467201);
    -- a VOLATILE function's queries each take a new snapshot: this sees the last holder's rows
    SELECT id, hash INTO row_id, tail FROM audit_event ORDER BY id DESC LIMIT 1;
    IF NOT FOUND THEN
        row_id := 0;
        tail := repeat('0', 64);
    END IF;
    FOR item IN SELECT value FROM jsonb_array_elements(pending) LOOP
        row_id := row_id + 1;
        stamp := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00';
        payload := '[' || row_id
            || ',' || to_json(stamp)::text
            || ',' || coalesce(item->>'account_id', 'null')
            || ',' || coalesce(to_json(item->>'username')::text, 'null')
            || ',' || coalesce(to_json(item->>'action')::text, 'null')
            || ',' || coalesce(to_json(item->>'entity')::text, 'null')
            || ',' || coalesce(to_json(item->>'entity_id')::text, 'null')
            || ',' || coalesce(item->>'patient_id', 'null')
            || ',' || coalesce(item->>'visit_id', 'null')
            || ',' || coalesce(to_json(item->>'field')::text, 'null')
            || ',' || coalesce(to_json(item->>'old_value')::text, 'null')
            || ',' || coalesce(to_json(item->>'new_value')::text, 'null')
            || ',' || to_json(tail)::text || ']';
        digest := encode(sha256(convert_to(payload, 'UTF8')), 'hex');
        INSERT INTO audit_event (id, at, account_id, username, action, entity, entity_id,
                                 patient_id, visit_id, field, old_value, new_value, prev_hash, hash)
        VALUES (row_id, stamp, (item->>'account_id')::integer, item->>'username', item->>'action',
                item->>'entity', item->>'entity_id', (item->>'patient_id')::integer,
                (item->>'visit_id')::integer, item->>'field', item->>'old_value',
                item->>'new_value', tail, digest);
        tail := digest;
    END LOOP;
END $$
"""


def upgrade() -> None:
    op.create_index("ix_patient_name_order", "patient", ["family_key", "given_key", "id"])
    op.drop_index("ix_patient_family_key", table_name="patient")
    op.create_index("ix_patient_updated_at", "patient", ["updated_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_AUDIT_APPEND)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_append(jsonb)")
    op.drop_index("ix_patient_updated_at", table_name="patient")
    op.create_index("ix_patient_family_key", "patient", ["family_key"])
    op.drop_index("ix_patient_name_order", table_name="patient")

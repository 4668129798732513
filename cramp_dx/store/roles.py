"""PostgreSQL: an owner role for the schema and an application role for the workstations.

The owner (the role of the URL `cramp-dx db upgrade` runs with) creates and owns every table,
function and trigger. The workstations connect as the application role, which may read and
write the clinical tables, only read and append audit rows and seals, and owns nothing: it
cannot ALTER TABLE … DISABLE TRIGGER, replace the trigger function or drop anything, since
PostgreSQL allows those to an object's owner (or a superuser) only."""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from cramp_dx.store.database import Database
from cramp_dx.store.errors import StoreError

# the audit tables: the application appends, never changes or removes
APPEND_ONLY = {"audit_event": "SELECT, INSERT", "audit_seal": "SELECT, INSERT",
               "visit_seal": "SELECT, INSERT, UPDATE"}
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_application_role(database: Database, role: str) -> list[str]:
    """Give the existing login role `role` what a workstation needs and no more (run as the
    schema's owner); returns the tables it may change. Refused for a superuser or the owner
    itself (either could disable the triggers)."""
    if database.dialect != "postgresql":
        raise StoreError("--app-role is for a PostgreSQL record (an SQLite file has no roles)")
    if not _ROLE_NAME.match(role):
        raise StoreError(f"--app-role {role!r}: a role name is lower-case letters, digits and _")
    try:
        with database.engine.begin() as connection:
            found = connection.execute(
                text("SELECT rolsuper, rolname = current_user FROM pg_roles WHERE rolname = :r"),
                {"r": role},
            ).first()
            if found is None:
                raise StoreError(
                    f"--app-role {role}: no such role; create it first (as an administrator: "
                    f"CREATE ROLE {role} LOGIN PASSWORD '…')"
                )
            if found[0] or found[1]:
                raise StoreError(
                    f"--app-role {role}: a superuser or the schema's owner can disable the audit "
                    "triggers; use a separate plain login role"
                )
            owner = connection.execute(text(
                "SELECT tableowner = current_user FROM pg_tables WHERE tablename = 'audit_event'"
            )).scalar()
            if not owner:
                raise StoreError("run this with the URL of the role that owns the tables (the owner)")
            tables = [row[0] for row in connection.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            ))]
            database_name = connection.execute(text("SELECT current_database()")).scalar()
            statements = [
                f'GRANT CONNECT ON DATABASE "{database_name}" TO {role}',
                f"GRANT USAGE ON SCHEMA {_schema(connection)} TO {role}",
                f"REVOKE CREATE ON SCHEMA {_schema(connection)} FROM PUBLIC",
                f"REVOKE ALL ON ALL TABLES IN SCHEMA {_schema(connection)} FROM {role}",
                f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {_schema(connection)} TO {role}",
                f"GRANT EXECUTE ON FUNCTION audit_append(jsonb) TO {role}",
            ]
            writable = []
            for table in tables:
                if table == "alembic_version":
                    statements.append(f"GRANT SELECT ON alembic_version TO {role}")
                elif table in APPEND_ONLY:
                    statements.append(f"GRANT {APPEND_ONLY[table]} ON {table} TO {role}")
                else:
                    statements.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}")
                    writable.append(table)
            for statement in statements:
                connection.execute(text(statement))
    except DBAPIError as exc:
        raise StoreError(f"could not set up the application role {role}: {exc.orig}") from None
    return writable


def _schema(connection: object) -> str:
    name = connection.execute(text("SELECT current_schema()")).scalar()  # type: ignore[attr-defined]
    return f'"{name}"'

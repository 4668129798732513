"""Alembic environment: always run from `cramp_dx.store.migrate` with a live connection
(`config.attributes["connection"]`); there is no alembic.ini at runtime."""

from __future__ import annotations

from alembic import context

from cramp_dx.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

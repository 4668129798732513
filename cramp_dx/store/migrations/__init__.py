"""Alembic migrations of the record, shipped inside the package and run programmatically."""

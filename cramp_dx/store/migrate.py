"""Run the packaged Alembic migrations programmatically (no alembic.ini at runtime).

Opening a record only needs to know which revision it is at and which revisions this version
ships. Both are read without Alembic (a plain query of `alembic_version`, and the `revision`
lines of the shipped migration files): importing Alembic costs more than 100 ms, which every
start would pay. Alembic is imported only when an upgrade actually runs."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


@cache
def _revision_graph() -> dict[str, str | None]:
    """revision -> down_revision, read from the module-level assignments of each shipped
    migration file (the same two names Alembic reads)."""
    graph: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        values: dict[str, object] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name) and node.value is not None:
                        try:
                            values[target.id] = ast.literal_eval(node.value)
                        except ValueError:
                            continue
        revision = values.get("revision")
        if isinstance(revision, str):
            down = values.get("down_revision")
            if down is not None and not isinstance(down, str):
                raise RuntimeError(f"{path.name}: merge revisions are not supported here")
            graph[revision] = down
    return graph


def head_revision() -> str:
    graph = _revision_graph()
    heads = set(graph) - {down for down in graph.values() if down is not None}
    assert len(heads) == 1, f"the package must ship exactly one migration head, found {heads}"
    return heads.pop()


def known_revisions() -> set[str]:
    return set(_revision_graph())


def current_revision(connection: Connection) -> str | None:
    """The record's schema revision, or None for an empty database."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    if len(rows) > 1:
        from cramp_dx.store.errors import StoreError

        raise StoreError(
            f"the schema table ({VERSION_TABLE}) holds {len(rows)} versions where a cramp-dx "
            "record holds one: it was changed by another program or is damaged, and was left "
            "untouched. Restore a backup, or delete the wrong row if you know which it is"
        )
    return rows[0][0] if rows else None


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Upgrade in the caller's transaction; the caller commits."""
    from alembic import command

    command.upgrade(alembic_config(connection), revision)

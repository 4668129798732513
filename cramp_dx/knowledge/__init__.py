"""The clinical knowledge base (resources/knowledge/*.toml), validated on load."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from cramp_dx.knowledge.knowledge import Knowledge
from cramp_dx.knowledge.loader import load_from


@lru_cache(maxsize=4)
def load_knowledge(folder: Path | None = None) -> Knowledge:
    """The knowledge base shipped with the app (cached), or one from another folder."""
    if folder is None:
        from cramp_dx.paths import resources_dir

        folder = resources_dir() / "knowledge"
    return load_from(Path(folder))


__all__ = ["Knowledge", "load_knowledge"]

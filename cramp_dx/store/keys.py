"""Search keys: names casefolded and stripped of accents, so "zoe" finds "Zoë"."""

from __future__ import annotations

import unicodedata

PREFIX_END = "\U0010ffff"  # above every character: `key < prefix + PREFIX_END` ends a prefix range


def name_key(name: str | None) -> str:
    if not name:
        return ""
    decomposed = unicodedata.normalize("NFKD", name.strip())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()

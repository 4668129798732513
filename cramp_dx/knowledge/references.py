"""references.toml: the published sources behind each differential and red-flag rule."""

from __future__ import annotations

from typing import Any

from cramp_dx.knowledge.cutoffs import Problems
from cramp_dx.knowledge.model import Reference

FIELDS = {"authors", "year", "title", "journal", "doi", "pmid", "url"}


def _reference(problems: Problems, key: str, raw: Any) -> Reference | None:
    if not isinstance(raw, dict):
        problems.fail("references", key, "must be a table with authors, year, title, journal")
        return None
    problems.unknown_keys("references", key, raw, FIELDS)
    text: dict[str, Any] = {name: raw.get(name) for name in ("authors", "title", "journal")}
    bad = [name for name, value in text.items() if not isinstance(value, str) or not value.strip()]
    year = raw.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 1800 <= year <= 2100:
        bad.append("year")
    ids: dict[str, Any] = {name: raw.get(name) for name in ("doi", "pmid", "url")}
    if any(value is not None and (not isinstance(value, str) or not value.strip()) for value in ids.values()):
        bad.append("doi/pmid/url (text)")
    if bad:
        problems.fail("references", key, f"needs {', '.join(bad)}")
        return None
    if not any(ids.values()):
        problems.fail("references", key, "needs a doi, pmid or url so the source can be found")
        return None
    assert isinstance(year, int)
    return Reference(
        text["authors"],
        year,
        text["title"],
        text["journal"],
        ids["doi"],
        ids["pmid"],
        ids["url"],
    )


def load(
    problems: Problems, raw: dict[str, Any], section: str, ids: list[str]
) -> dict[str, tuple[Reference, ...]]:
    """References for every id of `section` (differentials or red_flags); one is required each."""
    table = raw.get(section, {})
    if not isinstance(table, dict):
        problems.fail("references", section, "must be a table")
        return {}
    out: dict[str, tuple[Reference, ...]] = {}
    for rid in sorted(set(table) - set(ids)):
        problems.fail("references", f"{section}.{rid}", f"no such id in {section}")
    for rid in ids:
        entry = table.get(rid)
        refs = entry.get("references") if isinstance(entry, dict) else None
        if not isinstance(refs, list) or not refs:
            problems.fail(
                "references", f"{section}.{rid}.references", "every rule needs at least one reference"
            )
            continue
        parsed = [_reference(problems, f"{section}.{rid}.references[{i}]", r) for i, r in enumerate(refs)]
        out[rid] = tuple(r for r in parsed if r is not None)
    return out

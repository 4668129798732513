"""Matching free-text medication names against the catalog. Unknown names match nothing and
are kept as entered; matching is on whole words, case-insensitive, so "Omeprazole DR 20" and
"salbutamol inhaler" are found."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from cramp_dx.knowledge.model import MedClass, MedWarning

_NON_WORD = re.compile(r"[^0-9a-zà-ÿ]+")


def normalize(name: str) -> str:
    return " " + _NON_WORD.sub(" ", name.casefold()).strip() + " "


@dataclass(frozen=True)
class MedMatch:
    drug: str  # catalog member name
    med_class: MedClass


class MedicationCatalog:
    def __init__(self, classes: dict[str, MedClass], warnings: dict[str, MedWarning]) -> None:
        self.classes = classes
        self.warnings = warnings
        self._terms: list[tuple[str, str, MedClass]] = []
        for cls in classes.values():
            for member in cls.members:
                self._terms.append((normalize(member), member, cls))
            for alias, member in cls.aliases.items():
                self._terms.append((normalize(alias), member, cls))
        self._warning_terms = [
            (normalize(term), warning)
            for warning in warnings.values()
            for term in (*warning.members, *warning.aliases)
        ]
        self.match = lru_cache(maxsize=4096)(self._match)
        self.warnings_for = lru_cache(maxsize=4096)(self._warnings_for)

    def _match(self, name: str) -> tuple[MedMatch, ...]:
        text = normalize(name)
        seen: dict[str, MedMatch] = {}
        for term, member, cls in self._terms:
            if term in text and cls.id not in seen:
                seen[cls.id] = MedMatch(member, cls)
        return tuple(seen.values())

    def _warnings_for(self, name: str) -> tuple[MedWarning, ...]:
        text = normalize(name)
        return tuple(dict.fromkeys(w for term, w in self._warning_terms if term in text))

    def names(self) -> list[str]:
        """Every catalog name (members and aliases), for type-ahead."""
        out = {m for c in self.classes.values() for m in (*c.members, *c.aliases)}
        out |= {m for w in self.warnings.values() for m in (*w.members, *w.aliases)}
        return sorted(out)

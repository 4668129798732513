"""medications.toml: the classes a medication line is matched against (members, aliases, the
differentials a class supports) and the plain warnings."""

from __future__ import annotations

from typing import Any

from cramp_dx.knowledge.keys import MED_CLASS_KEYS
from cramp_dx.knowledge.model import MedClass, MedWarning
from cramp_dx.knowledge.reader import Reader, suggest


def load_medications(reader: Reader) -> tuple[dict[str, MedClass], dict[str, MedWarning]]:
    med_raw = reader.raw["medications"]
    classes: dict[str, MedClass] = {}
    for cid, entry in (med_raw.get("classes") or {}).items():
        key = f"classes.{cid}"
        reader.unknown_keys("medications", key, entry, MED_CLASS_KEYS)
        members = tuple(entry.get("members", []))
        aliases = dict(entry.get("aliases", {}))
        for alias, member in aliases.items():
            if member not in members:
                reader.fail(
                    "medications",
                    f"{key}.aliases.{alias}",
                    f"points to {member!r}, not a member of the class",
                )
        classes[cid] = MedClass(
            cid,
            entry.get("label", cid),
            members,
            aliases,
            entry.get("concern", ""),
            tuple(entry.get("differentials", [])),
            bool(entry.get("withdrawal", False)),
            bool(entry.get("flag", True)),
        )
    warnings = {
        wid: MedWarning(
            wid, tuple(entry.get("members", [])), dict(entry.get("aliases", {})), entry.get("message", "")
        )
        for wid, entry in (med_raw.get("warnings") or {}).items()
    }
    return classes, warnings


def check_class_differentials(reader: Reader, classes: dict[str, MedClass], diff_raw: dict[str, Any]) -> None:
    for cls in classes.values():
        for did in cls.differentials:
            if did not in diff_raw:
                reader.fail(
                    "medications",
                    f"classes.{cls.id}.differentials",
                    f"unknown differential {did!r}{suggest(did, diff_raw)}",
                )

"""red_flags.toml and wells.toml: the alarms in file order (a flag may refer only to an earlier
one) and the Wells score that some of them read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cramp_dx.knowledge import cutoffs
from cramp_dx.knowledge.conditions import Condition, RedFlagCondition, Vocabulary
from cramp_dx.knowledge.keys import RED_FLAG_KEYS, SEVERITIES
from cramp_dx.knowledge.model import RedFlagRule, TestDef, WellsItemDef
from cramp_dx.knowledge.reader import Reader, suggest


def _red_flag(
    reader: Reader,
    rid: str,
    entry: dict[str, Any],
    seen_flags: list[str],
    diff_raw: dict[str, Any],
    tests: dict[str, TestDef],
    vocab: Vocabulary,
) -> RedFlagRule:
    key = f"red_flags.{rid}"
    reader.unknown_keys("red_flags", key, entry, RED_FLAG_KEYS)
    severity = entry.get("severity")
    if severity not in SEVERITIES:
        reader.fail("red_flags", f"{key}.severity", f"accepted: {', '.join(SEVERITIES)}")
    kind = entry.get("kind", "rule")
    if kind not in ("rule", "critical_lab"):
        reader.fail("red_flags", f"{key}.kind", "accepted: rule, critical_lab")
    if not entry.get("basis"):
        reader.fail("red_flags", f"{key}.basis", "every red flag needs a basis text")
    when = None
    if kind == "rule":
        when = reader.condition("red_flags", f"{key}.when", entry.get("when"), vocab)
        for leaf in when.leaves() if when else []:
            if isinstance(leaf, RedFlagCondition) and leaf.flag_id not in seen_flags:
                reader.fail(
                    "red_flags",
                    f"{key}.when",
                    f"refers to red flag {leaf.flag_id!r}, which must come earlier in the file",
                )
    for did in entry.get("differentials", []):
        if did not in diff_raw:
            reader.fail(
                "red_flags",
                f"{key}.differentials",
                f"unknown differential {did!r}{suggest(did, diff_raw)}",
            )
    for tid in entry.get("tests", []):
        if tid not in tests:
            reader.fail("red_flags", f"{key}.tests", f"unknown test {tid!r}{suggest(tid, tests)}")
    opt = {
        name: reader.optional_condition("red_flags", key, entry, name, vocab)
        for name in ("cleared_by", "strengthened_by", "emergency_when")
    }
    return RedFlagRule(
        rid,
        entry.get("title", rid),
        str(severity),
        entry.get("message", ""),
        entry.get("basis", ""),
        when,
        kind,
        opt.get("cleared_by"),
        opt.get("strengthened_by"),
        tuple(entry.get("differentials", [])),
        tuple(entry.get("tests", [])),
        opt.get("emergency_when"),
    )


def load_red_flags(
    reader: Reader,
    red_raw: dict[str, dict[str, Any]],
    diff_raw: dict[str, Any],
    tests: dict[str, TestDef],
    vocab: Vocabulary,
) -> dict[str, RedFlagRule]:
    red_flags: dict[str, RedFlagRule] = {}
    seen_flags: list[str] = []
    for rid, entry in red_raw.items():
        red_flags[rid] = _red_flag(reader, rid, entry, seen_flags, diff_raw, tests, vocab)
        seen_flags.append(rid)
    return red_flags


@dataclass(frozen=True)
class WellsDefs:
    likely_at: int
    basis: str
    categories: dict[str, str]
    labels: dict[str, str]
    suspected_when: Condition | None
    items: tuple[WellsItemDef, ...]


def load_wells(reader: Reader, vocab: Vocabulary) -> WellsDefs:
    wells_raw = reader.raw["wells"]
    likely_at, basis, categories = cutoffs.wells_cutoff(reader, wells_raw)
    labels = cutoffs.wells_labels(reader, wells_raw)
    suspected_when = (
        reader.condition("wells", "suspected_when", wells_raw["suspected_when"], vocab)
        if "suspected_when" in wells_raw
        else None
    )
    items: list[WellsItemDef] = []
    for index, entry in enumerate(wells_raw.get("items", [])):
        key = f"items[{index}]"
        when = reader.condition("wells", f"{key}.when", entry.get("when"), vocab)
        points = entry.get("points")
        if not isinstance(points, int):
            reader.fail("wells", f"{key}.points", "must be a whole number")
        elif when is not None:
            items.append(WellsItemDef(entry.get("id", key), entry.get("label", key), points, when))
    ids = [item.id for item in items]
    for dup in {i for i in ids if ids.count(i) > 1}:
        reader.fail("wells", "items", f"duplicate id {dup!r}")
    return WellsDefs(likely_at, basis, categories, labels, suspected_when, tuple(items))

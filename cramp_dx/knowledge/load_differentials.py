"""differentials.toml: each differential's codes, weighted rules, settling tests, notes,
onset window and what it explains."""

from __future__ import annotations

import re
from typing import Any

from cramp_dx.knowledge import timing
from cramp_dx.knowledge.conditions import Vocabulary
from cramp_dx.knowledge.keys import CATEGORIES, DIFFERENTIAL_KEYS, LATERALITY_KEYS, RULE_KEYS, SETTLE_KEYS
from cramp_dx.knowledge.model import CodeChoice, Codes, Differential, DiffNote, Rule, Settle, TestDef
from cramp_dx.knowledge.reader import Reader, suggest

ICD10_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?-?$")
CODES_ACCEPTED = (
    "one ICD-10-CM code such as M51.16 (a header ends in -), or a list of the codes reported together "
    "(both sides of a bilateral condition); alternatives are chosen by facts in icd10_when"
)


def _codes(reader: Reader, key: str, raw: Any) -> Codes | None:
    """One ICD-10-CM code, or a list of codes reported together. "A / B" is refused: a code
    is one concept, and an alternative is chosen by the facts (`icd10_when`)."""
    codes = raw if isinstance(raw, list) and raw else [raw]
    if not all(isinstance(code, str) and ICD10_CODE.match(code) for code in codes):
        reader.fail("differentials", key, f"{raw!r} is not accepted; accepted: {CODES_ACCEPTED}")
        return None
    if len(set(codes)) != len(codes):
        reader.fail("differentials", key, f"{raw!r} repeats a code")
        return None
    return tuple(codes)


def _laterality(reader: Reader, key: str, raw: Any) -> dict[str, Codes]:
    """`laterality = { right = …, left = …, bilateral = …, unspecified = … }`."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        reader.fail("differentials", key, "must be a table of right, left, bilateral, unspecified")
        return {}
    reader.unknown_keys("differentials", key, raw, LATERALITY_KEYS)
    out = {}
    for side in ("right", "left", "bilateral", "unspecified"):
        if side in raw:
            codes = _codes(reader, f"{key}.{side}", raw[side])
            if codes is not None:
                out[side] = codes
    return out


def _code_choices(reader: Reader, key: str, raw: Any, vocab: Vocabulary) -> tuple[CodeChoice, ...]:
    """`icd10_when = [{ when = …, icd10 = "…", laterality = … }]`: the first whose condition holds
    is used."""
    if not isinstance(raw, list):
        reader.fail("differentials", f"{key}.icd10_when", "must be a list of { when, icd10 } tables")
        return ()
    out = []
    for index, entry in enumerate(raw):
        ckey = f"{key}.icd10_when[{index}]"
        if not isinstance(entry, dict):
            reader.fail("differentials", ckey, "must be a table with when and icd10")
            continue
        reader.unknown_keys("differentials", ckey, entry, {"when", "icd10", "laterality"})
        if "icd10" not in entry:
            reader.fail("differentials", f"{ckey}.icd10", f"required: {CODES_ACCEPTED}")
            continue
        codes = _codes(reader, f"{ckey}.icd10", entry.get("icd10"))
        sides = _laterality(reader, f"{ckey}.laterality", entry.get("laterality"))
        cond = reader.condition("differentials", f"{ckey}.when", entry.get("when"), vocab)
        if cond is not None and codes is not None:
            out.append(CodeChoice(cond, codes, sides))
    return tuple(out)



def _rules(
    reader: Reader, section: str, entry: dict[str, Any], key: str, diff_raw: dict[str, Any], vocab: Vocabulary
) -> tuple[Rule, ...]:
    """`support` or `against`: weighted conditions, or a weight per medication (`each_med_for`)."""
    out = []
    for index, raw in enumerate(entry.get(section, [])):
        rkey = f"{key}.{section}[{index}]"
        weight = raw.get("weight")
        if not isinstance(weight, int | float) or weight <= 0:
            reader.fail("differentials", f"{rkey}.weight", "must be a positive number")
            continue
        if "each_med_for" in raw:
            target = raw["each_med_for"]
            if target not in diff_raw:
                reader.fail("differentials", f"{rkey}.each_med_for", f"unknown differential {target!r}")
            out.append(Rule(float(weight), None, target, raw.get("max_weight")))
            continue
        reader.unknown_keys("differentials", rkey, raw, RULE_KEYS)
        cond_raw = dict(raw.get("when") or {})
        if "text" in raw:
            cond_raw["text"] = raw["text"]
        cond = reader.condition("differentials", f"{rkey}.when", cond_raw, vocab)
        if cond is not None:
            out.append(Rule(float(weight), cond))
    return tuple(out)


def _settles(
    reader: Reader, entry: dict[str, Any], key: str, tests: dict[str, TestDef], vocab: Vocabulary
) -> tuple[Settle, ...]:
    settles = []
    for index, raw in enumerate(entry.get("settle", [])):
        skey = f"{key}.settle[{index}]"
        reader.unknown_keys("differentials", skey, raw, SETTLE_KEYS)
        test = raw.get("test")
        if test not in tests:
            reader.fail("differentials", f"{skey}.test", f"unknown test {test!r}{suggest(str(test), tests)}")
            continue
        pos = reader.optional_condition("differentials", skey, raw, "positive", vocab)
        neg = reader.optional_condition("differentials", skey, raw, "negative", vocab)
        settles.append(Settle(test, pos, neg, raw.get("positive_means", ""), raw.get("negative_means", "")))
    return tuple(settles)


def _notes(
    reader: Reader, entry: dict[str, Any], key: str, tests: dict[str, TestDef], vocab: Vocabulary
) -> tuple[DiffNote, ...]:
    notes = []
    for index, raw in enumerate(entry.get("notes", [])):
        cond = reader.condition("differentials", f"{key}.notes[{index}].when", raw.get("when"), vocab)
        if raw.get("test") and raw["test"] not in tests:
            reader.fail("differentials", f"{key}.notes[{index}].test", f"unknown test {raw['test']!r}")
        if cond is not None:
            notes.append(DiffNote(cond, raw.get("text", ""), raw.get("test")))
    return tuple(notes)


def _differential(
    reader: Reader,
    did: str,
    entry: dict[str, Any],
    order: int,
    diff_raw: dict[str, Any],
    tests: dict[str, TestDef],
    vocab: Vocabulary,
) -> Differential:
    key = f"differentials.{did}"
    reader.unknown_keys("differentials", key, entry, DIFFERENTIAL_KEYS)
    if entry.get("category") not in CATEGORIES:
        reader.fail("differentials", f"{key}.category", f"accepted: {', '.join(CATEGORIES)}")
    for field in ("name", "icd10", "basis"):
        reader.require("differentials", key, entry, field, str)
    settles = _settles(reader, entry, key, tests, vocab)
    notes = _notes(reader, entry, key, tests, vocab)
    laterality = _laterality(reader, f"{key}.laterality", entry.get("laterality"))
    raw_code = entry.get("icd10")
    default_code = (isinstance(raw_code, str) and _codes(reader, f"{key}.icd10", raw_code)) or ("",)
    return Differential(
        did,
        entry.get("name", did),
        default_code,
        entry.get("category", "spinal"),
        entry.get("basis", ""),
        _rules(reader, "support", entry, key, diff_raw, vocab),
        _rules(reader, "against", entry, key, diff_raw, vocab),
        settles,
        laterality,
        entry.get("also_codes"),
        notes,
        reader.optional_condition("differentials", key, entry, "hold_low_until", vocab),
        entry.get("hold_low_text"),
        order,
        timing.timing(reader, f"{key}.timing", entry["timing"], entry.get("category") == "urgent")
        if "timing" in entry
        else None,
        tuple(entry.get("explains", [])),
        icd10_when=_code_choices(reader, key, entry.get("icd10_when", []), vocab),
        icd10_note=entry.get("icd10_note"),
    )


def load_differentials(
    reader: Reader, diff_raw: dict[str, Any], tests: dict[str, TestDef], vocab: Vocabulary
) -> dict[str, Differential]:
    differentials = {
        did: _differential(reader, did, entry, order, diff_raw, tests, vocab)
        for order, (did, entry) in enumerate(diff_raw.items())
    }
    for did, diff in differentials.items():
        for target in diff.explains:
            if target not in differentials or target == did:
                reader.fail(
                    "differentials", f"differentials.{did}.explains", f"unknown differential {target!r}"
                )
    return differentials

"""tests.toml: the tests a differential or red flag suggests, what results each yields, its
burden, when it applies and when it is repeated."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from cramp_dx.knowledge import cutoffs
from cramp_dx.knowledge.conditions import Vocabulary
from cramp_dx.knowledge.keys import REPEAT_KEYS, TEST_KEYS
from cramp_dx.knowledge.model import Finding, Lab, Measurement, Repeat, TestDef
from cramp_dx.knowledge.reader import Reader, suggest


def _test(
    reader: Reader,
    tid: str,
    entry: dict[str, Any],
    labs: dict[str, Lab],
    findings: dict[str, Finding],
    measurements: dict[str, Measurement],
    vocab: Vocabulary,
    domains: Collection[str],
) -> TestDef:
    key = f"tests.{tid}"
    reader.unknown_keys("tests", key, entry, TEST_KEYS)
    for lab in entry.get("labs", []):
        if lab not in labs:
            reader.fail("tests", f"{key}.labs", f"unknown lab {lab!r}{suggest(lab, labs)}")
    for fid in entry.get("findings", []):
        if fid not in findings:
            reader.fail("tests", f"{key}.findings", f"unknown finding {fid!r}{suggest(fid, findings)}")
    for mid in entry.get("measurements", []):
        if mid not in measurements:
            reader.fail(
                "tests", f"{key}.measurements", f"unknown measurement {mid!r}{suggest(mid, measurements)}"
            )
    burden = entry.get("burden")
    if not isinstance(burden, int) or not 1 <= burden <= 9:
        reader.fail("tests", f"{key}.burden", "must be a whole number 1–9")
        burden = 9
    window = entry.get("raised_after_surgery")
    repeats = []
    for index, raw_repeat in enumerate(entry.get("repeat", [])):
        rkey = f"{key}.repeat[{index}]"
        reader.unknown_keys("tests", rkey, raw_repeat, REPEAT_KEYS)
        cond = reader.condition("tests", f"{rkey}.when", raw_repeat.get("when"), vocab)
        if not raw_repeat.get("text"):
            reader.fail("tests", f"{rkey}.text", "a repeat needs a text saying when and why")
        elif cond is not None:
            repeats.append(Repeat(cond, raw_repeat["text"]))
    return TestDef(
        tid,
        entry.get("name", tid),
        entry.get("settles", ""),
        burden,
        tuple(entry.get("labs", [])),
        tuple(entry.get("findings", [])),
        tuple(entry.get("measurements", [])),
        reader.optional_condition("tests", key, entry, "only_when", vocab),
        None
        if window is None
        else cutoffs.raised_after_surgery(
            reader, f"{key}.raised_after_surgery", window, list(entry.get("labs", []))
        ),
        tuple(repeats),
        _section(reader, key, entry.get("section"), domains),
    )


def _section(reader: Reader, key: str, section: Any, domains: Collection[str]) -> str | None:
    if section is not None and section not in domains:
        reader.fail("tests", f"{key}.section", f"unknown domain {section!r}{suggest(str(section), domains)}")
        return None
    return section if isinstance(section, str) else None


def load_tests(
    reader: Reader,
    tests_raw: dict[str, dict[str, Any]],
    labs: dict[str, Lab],
    findings: dict[str, Finding],
    measurements: dict[str, Measurement],
    vocab: Vocabulary,
    domains: Collection[str],
) -> dict[str, TestDef]:
    return {
        tid: _test(reader, tid, entry, labs, findings, measurements, vocab, domains)
        for tid, entry in tests_raw.items()
    }

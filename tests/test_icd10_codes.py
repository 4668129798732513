"""Every ICD-10-CM code the knowledge base can show, checked against the ICD-10-CM tables
(`simple-icd-10-cm`, the CMS tabular list it ships; no network).

A code shown as a code must exist and be billable (a leaf of the tabular list). A header
ending in "-" must exist as a category, be resolved by `laterality` into its own descendants,
and be shown only with the note saying what is missing. Codes reported together (both sides of
a bilateral condition) must not be an Excludes1 pair. Codes named in a coding note must exist.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import pytest

with warnings.catch_warnings():  # it reads its tables with a deprecated importlib call
    warnings.simplefilter("ignore", DeprecationWarning)
    import simple_icd_10_cm as icd

from cramp_dx.knowledge import load_knowledge
from cramp_dx.knowledge.model import Differential

KB = load_knowledge()
CODE_IN_TEXT = re.compile(r"\b[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{0,4})?-?")


def _norm(code: str) -> str:
    return code.replace(".", "").rstrip("-")


def _item(code: str) -> str:
    """The tabular item a code or header names: "I82.40-" → "I82.40", "D51.-" → "D51"."""
    return code.rstrip("-").rstrip(".")


def emitted() -> Iterator[tuple[str, tuple[str, ...]]]:
    for diff in KB.differentials.values():
        for codes in sorted(diff.emittable_codes()):
            yield diff.id, codes


EMITTED = list(emitted())
SINGLE = sorted({(did, code) for did, codes in EMITTED for code in codes})


def excludes1_refs(text: str) -> list[tuple[str, str]]:
    """The code references of an Excludes1 note as (first, last) ranges: "atherosclerosis of the
    extremities (I70.2--I70.7-)" → [("I70.2-", "I70.7-")], "(M51.1-)" → [("M51.1-", "M51.1-")]."""
    out: list[tuple[str, str]] = []
    for group in re.findall(r"\(([^()]*)\)", text):
        matches = list(CODE_IN_TEXT.finditer(group))
        index = 0
        while index < len(matches):
            first = matches[index]
            nxt = matches[index + 1] if index + 1 < len(matches) else None
            if nxt is not None and group[first.end() : nxt.start()] == "-":
                out.append((first.group(), nxt.group()))
                index += 2
            else:
                out.append((first.group(), first.group()))
                index += 1
    return out


def covers(ref: tuple[str, str], code: str) -> bool:
    low, high = _norm(ref[0]), _norm(ref[1])
    value = _norm(code)
    return value[: len(low)] >= low and value[: len(high)] <= high


def excluded_with(code: str, other: str) -> bool:
    """True when an Excludes1 note of `code` or of one of its ancestors names `other`."""
    item = _item(code)
    notes = [*icd.get_excludes1(item)]
    for ancestor in icd.get_ancestors(item):
        notes += icd.get_excludes1(ancestor)
    return any(covers(ref, other) for note in notes for ref in excludes1_refs(note))


def test_the_check_knows_the_excludes1_pair_of_the_issue() -> None:
    # I73.9 peripheral vascular disease, unspecified: Excludes1 atherosclerosis (I70.2–I70.7)
    assert excluded_with("I73.9", "I70.212")
    assert not excluded_with("I73.9", "I82.402")


@pytest.mark.parametrize(("differential", "code"), SINGLE)
def test_every_code_exists_in_icd10cm(differential: str, code: str) -> None:
    assert icd.is_valid_item(_item(code)), f"{differential}: {code} is not in ICD-10-CM"


@pytest.mark.parametrize(("differential", "code"), [(d, c) for d, c in SINGLE if not c.endswith("-")])
def test_every_code_shown_as_a_code_is_billable(differential: str, code: str) -> None:
    assert icd.is_leaf(code), f"{differential}: {code} is a category, not a billable code"


@pytest.mark.parametrize(("differential", "code"), [(d, c) for d, c in SINGLE if c.endswith("-")])
def test_a_header_is_not_billable_and_says_what_is_missing(differential: str, code: str) -> None:
    diff = KB.differentials[differential]
    assert not icd.is_leaf(_item(code))
    sides = _sides_of(diff, code)
    assert sides or diff.also_codes, f"{differential}: {code} is shown without a reason"


@pytest.mark.parametrize(("differential", "code"), [(d, c) for d, c in SINGLE if c.endswith("-")])
def test_each_side_code_of_a_header_is_in_its_category(differential: str, code: str) -> None:
    # the category, not the header itself: bilateral hip osteoarthritis is M16.0, beside M16.1-
    category = code[:3]
    for codes in _sides_of(KB.differentials[differential], code).values():
        for side_code in codes:
            assert icd.is_descendant(side_code, category), f"{differential}: {side_code} not in {category}"


def _sides_of(diff: Differential, header: str) -> dict[str, tuple[str, ...]]:
    if diff.icd10 == (header,):
        return diff.laterality
    return next((c.laterality for c in diff.icd10_when if c.icd10 == (header,)), {})


@pytest.mark.parametrize(("differential", "codes"), [(d, c) for d, c in EMITTED if len(c) > 1])
def test_codes_reported_together_are_never_an_excludes1_pair(
    differential: str, codes: tuple[str, ...]
) -> None:
    for code in codes:
        for other in codes:
            if other != code:
                assert not excluded_with(code, other), f"{differential}: {code} Excludes1 {other}"


def test_bilateral_pairs_are_checked_at_all() -> None:
    assert [d for d, codes in EMITTED if len(codes) > 1]


@pytest.mark.parametrize("differential", sorted(KB.differentials))
def test_every_code_named_in_a_coding_note_exists(differential: str) -> None:
    diff = KB.differentials[differential]
    for text in (diff.also_codes or "", diff.icd10_note or ""):
        for code in CODE_IN_TEXT.findall(text):
            assert icd.is_valid_item(_item(code)), f"{differential}: {code} in {text!r}"

"""The level check: the root(s) the neurological examination points to, per side, against the
operated levels (SPEC-2 section 7 and its review, items 45–47).

Per side: the patterns of neuro.toml are checked first (a peripheral nerve that explains every
abnormal sign of the side leaves no root to name); then each root collects the sign types
(sensory, strength, reflex) that point to it, and is named when at least `min_sign_types` do.
A named root whose signs are a strict subset of another named root's is dropped (the knee
reflex and knee extension belong to L3 and L4 alike; the anterior thigh decides). Named roots
are compared with the roots each operated level affects: its exiting and traversing root, and
after a central decompression every root caudal to it.

Everything it knows comes from `kb.neuro`; this module only applies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from cramp_dx.case.model import NEURO_KINDS, NEURO_LABELS, NEURO_SIDES, NeuroSide, Workup
from cramp_dx.engine.result import LevelCheck, PatternSeen, RootSigns
from cramp_dx.knowledge.neuro import WEAK_AT_MOST, NeuroMap, Pattern, SignRef

TYPE_WORDS = {"sensory": "sensory", "strength": "strength", "reflexes": "reflex"}


def sign_text(kind: str, item: str, value: Any) -> str:
    """`dorsum of the foot reduced`, `great-toe extension 4/5`, `ankle reflex absent`,
    `pain radiating to the great toe`."""
    label = NEURO_LABELS[kind][item]
    if kind == "strength":
        return f"{label} {value}/5"
    if kind == "sensory" and value == "painful":
        return f"pain radiating to the {label}"
    return f"{label} {value}"


def is_abnormal(kind: str, value: Any) -> bool:
    if kind == "strength":
        return bool(value <= WEAK_AT_MOST)
    return bool(value != "normal")


def _root_sign(kind: str, value: Any) -> bool:
    """A sign that can point to a root: a deficit or radiating pain, not a brisk reflex."""
    return is_abnormal(kind, value) and not (kind == "reflexes" and value == "brisk")


def _holds(ref: SignRef, side: NeuroSide) -> bool | None:
    value = getattr(side, ref.kind).get(ref.item)
    if value is None:
        return None
    if ref.kind == "strength":
        return bool(value <= ref.at_most)
    return value in ref.values


def _normal(ref: SignRef, side: NeuroSide) -> bool | None:
    value = getattr(side, ref.kind).get(ref.item)
    if value is None:
        return None
    return bool(value == 5) if ref.kind == "strength" else bool(value == "normal")


@dataclass(frozen=True)
class _Fit:
    status: str  # "fits", "possible" (a spared sign not examined) or "no"
    signs: tuple[str, ...] = ()
    to_examine: tuple[str, ...] = ()


def _fit(pattern: Pattern, side: NeuroSide) -> _Fit:
    if any(_holds(ref, side) is not True for ref in pattern.all):
        return _Fit("no")
    if pattern.any and not any(_holds(ref, side) for ref in pattern.any):
        return _Fit("no")
    abnormal = [
        (kind, item, value)
        for kind in NEURO_KINDS
        for item, value in getattr(side, kind).items()
        if is_abnormal(kind, value)
    ]
    if pattern.only is not None:
        allowed = {(ref.kind, ref.item) for ref in (*pattern.only, *pattern.all, *pattern.any)}
        if any((kind, item) not in allowed for kind, item, _ in abnormal):
            return _Fit("no")
    spared = [_normal(ref, side) for ref in pattern.spared]
    if any(state is False for state in spared):
        return _Fit("no")
    matched = {(ref.kind, ref.item) for ref in (*pattern.all, *pattern.any) if _holds(ref, side)}
    if pattern.only is not None:
        matched |= {(kind, item) for kind, item, _ in abnormal}
    signs = tuple(
        sign_text(kind, item, getattr(side, kind)[item])
        for kind in NEURO_KINDS
        for item in NEURO_LABELS[kind]
        if (kind, item) in matched
    )
    unexamined = tuple(
        NEURO_LABELS[ref.kind][ref.item]
        for ref, state in zip(pattern.spared, spared, strict=True)
        if state is None
    )
    return _Fit("possible" if unexamined else "fits", signs, unexamined)


@dataclass
class _Side:
    """What one side of the examination shows."""

    side: str
    roots: list[RootSigns]
    patterns: list[PatternSeen]
    explained: bool  # a peripheral pattern explains every abnormal sign of the side
    notes: list[str]  # why this side makes the verdict uncertain
    sign_types: int  # how many sign types are abnormal (for "signs do not agree")


def _candidates(neuro: NeuroMap, side: NeuroSide) -> dict[str, dict[str, list[str]]]:
    """root → sign type → the signs of that type pointing to it."""
    out: dict[str, dict[str, list[str]]] = {}
    for kind in NEURO_KINDS:
        values = getattr(side, kind)
        for item in NEURO_LABELS[kind]:
            value = values.get(item)
            if value is None or not _root_sign(kind, value):
                continue
            for root in neuro.sign_roots.get((kind, item), ()):
                out.setdefault(root, {}).setdefault(kind, []).append(sign_text(kind, item, value))
    return out


def _contiguous(neuro: NeuroMap, roots: list[str]) -> bool:
    order = sorted(neuro.root_index(root) for root in set(roots))
    return all(b - a == 1 for a, b in pairwise(order))


def _examine_side(neuro: NeuroMap, name: str, side: NeuroSide, both: dict[str, _Fit]) -> _Side:
    patterns: list[PatternSeen] = []
    notes: list[str] = []
    explained = False
    direct: list[RootSigns] = []
    for pattern in neuro.patterns.values():
        fit = both[pattern.id] if pattern.both_sides else _fit(pattern, side)
        if fit.status == "no":
            continue
        if fit.status == "possible":
            notes.append(
                f"the {name} side could be the {pattern.label.lower()} as well: examine "
                f"{', '.join(fit.to_examine)}"
            )
            continue
        if pattern.both_sides and name != NEURO_SIDES[0]:
            explained = explained or pattern.kind == "peripheral"
            continue  # reported once, as "both"
        where = "both" if pattern.both_sides else name
        patterns.append(PatternSeen(pattern.id, pattern.label, pattern.kind, where, fit.signs, pattern.means))
        if pattern.kind == "peripheral":
            explained = True
        elif pattern.kind == "roots":
            direct.extend(RootSigns(root, name, fit.signs) for root in pattern.roots)
    candidates = {} if explained else _candidates(neuro, side)
    named = {root: types for root, types in candidates.items() if len(types) >= neuro.min_sign_types}
    signs_of = {root: {s for kind in types.values() for s in kind} for root, types in named.items()}
    kept = [root for root in named if not any(signs_of[root] < signs_of[other] for other in named)]
    kept.sort(key=neuro.root_index)
    roots = [
        RootSigns(root, name, tuple(s for kind in NEURO_KINDS for s in named[root].get(kind, ())))
        for root in kept
    ]
    if len(kept) > 1 and not _contiguous(neuro, kept):
        notes.append(f"the {name} side points to roots that are not neighbours ({', '.join(kept)})")
    types = {
        kind for kind in NEURO_KINDS for value in getattr(side, kind).values() if _root_sign(kind, value)
    }
    if not kept and not explained and len(types) >= neuro.min_sign_types:
        by_type = {
            TYPE_WORDS[kind]: sorted(
                {root for root, t in candidates.items() if kind in t}, key=neuro.root_index
            )
            for kind in NEURO_KINDS
            if kind in types
        }
        shown = "; ".join(f"{word}: {', '.join(pointed)}" for word, pointed in by_type.items())
        notes.append(f"the signs of the {name} side agree on no root ({shown})")
    known = {r.root for r in roots}
    return _Side(
        name, roots + [r for r in direct if r.root not in known], patterns, explained, notes, len(types)
    )


def _affects(neuro: NeuroMap, level: str, central: bool) -> tuple[set[str], str]:
    """The roots an operated level affects, and how that reads."""
    disc = neuro.levels.get(level)
    if disc is None:
        return set(), f"{level} (no roots known for it)"
    roots = {disc.exiting, disc.traversing}
    text = f"{level} affects {disc.traversing} (traversing) and {disc.exiting} (exiting)"
    if central:
        below = neuro.roots[neuro.root_index(disc.traversing) :]
        roots |= set(below)
        text += f" and, decompressed centrally, every root below {disc.traversing}"
    return roots, text


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _pointed(roots: list[RootSigns]) -> str:
    return "; ".join(f"{r.root} on the {r.side} ({', '.join(r.signs)})" for r in roots)


def check_levels(workup: Workup, neuro: NeuroMap, facts: Any, names: Any) -> LevelCheck:
    """The level check of one workup. `facts` and `names` evaluate `uncertain_when`."""
    exam = workup.neuro_exam
    levels = workup.surgery.levels
    if exam.is_empty():
        return LevelCheck(operated_levels=levels)
    both = {
        p.id: _combine(_fit(p, exam.left), _fit(p, exam.right))
        for p in neuro.patterns.values()
        if p.both_sides
    }
    sides = [_examine_side(neuro, name, exam.side(name), both) for name in NEURO_SIDES]
    roots = [root for side in sides for root in side.roots]
    patterns = [pattern for side in sides for pattern in side.patterns]
    notes = [note for side in sides for note in side.notes]
    extra = [f"{p.label} ({p.side}: {', '.join(p.signs)}): {p.means}." for p in patterns if p.kind != "roots"]

    numbering: list[str] = []
    if neuro.uncertain_when is not None:
        outcome = neuro.uncertain_when.evaluate(facts, names)
        if outcome.state:
            numbering.append(f"{'; '.join(outcome.reasons)} makes the numbering of the levels uncertain")
    odd = [level for level in levels if (disc := neuro.levels.get(level)) and disc.numbering_uncertain]
    if odd:
        numbering.append(f"{_join(odd)} was operated: with six lumbar vertebrae the numbering is uncertain")

    missing: tuple[str, ...] = ()
    if roots:
        pointed = f"Signs point to {_pointed(roots)}"
        if numbering or notes:
            verdict = "uncertain"
            because = f"{pointed}, but {'; '.join(numbering + notes)}: the level cannot be checked."
        elif not levels:
            verdict, missing = "uncertain", ("operated levels",)
            because = f"{pointed}; the operated levels are not recorded."
        else:
            verdict, because = _compare(neuro, workup, roots, pointed)
    elif notes:
        verdict = "uncertain"
        because = f"No root can be named: {'; '.join(notes)}."
    else:
        verdict = "no_root_pattern"
        because = _no_root(neuro, sides, patterns)
    if roots and extra:
        because += " " + " ".join(extra)
    override = _override(neuro, workup, names)
    if override:
        because += " " + override
    return LevelCheck(tuple(roots), levels, verdict, because, tuple(patterns), True, missing)


def _combine(left: _Fit, right: _Fit) -> _Fit:
    """A both-sides pattern: it fits when it fits on each side."""
    if "no" in (left.status, right.status):
        return _Fit("no")
    status = "fits" if left.status == right.status == "fits" else "possible"
    signs = tuple(dict.fromkeys((*left.signs, *right.signs)))
    return _Fit(status, signs, tuple(dict.fromkeys((*left.to_examine, *right.to_examine))))


def _compare(neuro: NeuroMap, workup: Workup, roots: list[RootSigns], pointed: str) -> tuple[str, str]:
    central = workup.surgery.procedure in neuro.central_procedures
    affected: dict[str, set[str]] = {}
    texts = []
    for level in workup.surgery.levels:
        hit, text = _affects(neuro, level, central)
        affected[level] = hit
        texts.append(text)
    missed = [r.root for r in roots if not any(r.root in hit for hit in affected.values())]
    if missed:
        unmatched = _join(list(dict.fromkeys(missed)))
        return "does_not_match", (f"{pointed}; no operated level affects {unmatched}: {'; '.join(texts)}.")
    fits = []
    for root in dict.fromkeys(r.root for r in roots):
        by = [level for level, hit in affected.items() if root in hit]
        fits.append(f"{root} by {_join(by)}")
    return "matches", f"{pointed}; the operated levels affect them ({'; '.join(fits)}): {'; '.join(texts)}."


def _no_root(neuro: NeuroMap, sides: list[_Side], patterns: list[PatternSeen]) -> str:
    if patterns:
        return " ".join(
            f"Signs fit the {p.label.lower()} ({p.side}: {', '.join(p.signs)}): {p.means}."
            if p.kind == "peripheral"
            else f"{p.label} ({p.side}: {', '.join(p.signs)}): {p.means}."
            for p in patterns
        )
    types = max(side.sign_types for side in sides)
    if types == 0:
        return "No sign of a root on the neurological examination."
    return (
        f"No root named: a root needs at least {neuro.min_sign_types} sign types (sensory, strength, "
        "reflex) pointing to it, and the signs recorded do not."
    )


def _override(neuro: NeuroMap, workup: Workup, names: Any) -> str:
    finding = neuro.overridden_by
    if finding is None or finding not in workup.findings:
        return ""
    answer = "yes" if workup.findings[finding] else "no"
    return f"Recorded by the clinician: “{names.finding_label(finding)}”: {answer}; that stands."

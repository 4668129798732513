"""neuro.toml: the signs of the neurological examination mapped to nerve roots, disc levels to
the roots they affect, and the patterns of signs that are not a root (SPEC-2 section 7 and its
review, items 45–47). Read and validated here; the engine's level check uses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cramp_dx.case.model import LEVELS, MRC_GRADES, NEURO_ITEMS, PROCEDURES, REFLEX_VALUES, SENSORY_VALUES
from cramp_dx.knowledge.conditions import Condition, ConditionError, Vocabulary, parse_condition
from cramp_dx.knowledge.cutoffs import Problems

FILE = "neuro"
# the keys each table of neuro.toml accepts (README.md documents each one)
NEURO_KEYS = frozenset(
    {
        "roots",
        "min_sign_types",
        "central_procedures",
        "uncertain_when",
        "overridden_by",
        "sensory",
        "strength",
        "reflexes",
        "levels",
        "patterns",
    }
)
NEURO_SIGN_KEYS = frozenset({"roots"})
NEURO_LEVEL_KEYS = frozenset({"exiting", "traversing", "numbering_uncertain"})
NEURO_PATTERN_KEYS = frozenset(
    {"label", "kind", "means", "all", "any", "spared", "only", "both_sides", "roots"}
)
NEURO_REF_KEYS = frozenset({"sensory", "strength", "reflex", "is", "at_most"})
PATTERN_KINDS = ("peripheral", "upper_motor_neuron", "roots")
# a sign reference names its item by the kind's singular; the case file groups them by plural
_REF_KINDS = (("sensory", "sensory"), ("strength", "strength"), ("reflex", "reflexes"))
# the values that make a sign abnormal, unless a reference says `is`
ABNORMAL = {"sensory": ("reduced", "absent", "painful"), "reflexes": ("reduced", "absent")}
WEAK_AT_MOST = 4  # MRC 4 or less is weak


@dataclass(frozen=True)
class SignRef:
    """One sign a pattern looks at: `kind` (sensory / strength / reflexes) and `item`; for
    sensory and reflexes the values that count, for strength the highest MRC grade that does."""

    kind: str
    item: str
    values: tuple[str, ...] = ()
    at_most: int = WEAK_AT_MOST


@dataclass(frozen=True)
class Pattern:
    id: str
    label: str
    kind: str  # PATTERN_KINDS
    means: str
    all: tuple[SignRef, ...] = ()
    any: tuple[SignRef, ...] = ()
    spared: tuple[SignRef, ...] = ()
    only: tuple[SignRef, ...] | None = None  # None: any other abnormal sign may be present
    both_sides: bool = False
    roots: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiscLevel:
    level: str
    exiting: str
    traversing: str
    numbering_uncertain: bool = False


@dataclass(frozen=True)
class NeuroMap:
    roots: tuple[str, ...]
    min_sign_types: int
    central_procedures: tuple[str, ...]
    uncertain_when: Condition | None
    overridden_by: str | None
    sign_roots: dict[tuple[str, str], tuple[str, ...]]  # (kind, item) → roots
    levels: dict[str, DiscLevel]
    patterns: dict[str, Pattern] = field(default_factory=dict)

    def root_index(self, root: str) -> int:
        return self.roots.index(root)

    def areas_of(self, root: str) -> tuple[str, ...]:
        """The sensory areas mapped to a root (the map highlights them)."""
        return tuple(
            item for (kind, item), roots in self.sign_roots.items() if kind == "sensory" and root in roots
        )


def _strings(problems: Problems, key: str, raw: Any, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        problems.fail(FILE, key, f"must be a list of {what}s")
        return ()
    bad = [x for x in raw if x not in allowed]
    for value in bad:
        problems.fail(FILE, key, f"unknown {what} {value!r}; accepted: {', '.join(allowed)}")
    return tuple(x for x in raw if x in allowed)


def _sign_ref(problems: Problems, key: str, raw: Any, with_values: bool) -> SignRef | None:
    """`{ sensory = "sole", is = ["reduced", "absent"] }`, `{ strength = "knee_flexion",
    at_most = 3 }`, `{ reflex = "ankle" }`."""
    if not isinstance(raw, dict):
        problems.fail(FILE, key, 'a sign is a table such as { strength = "knee_flexion" }')
        return None
    problems.unknown_keys(
        FILE, key, raw, NEURO_REF_KEYS if with_values else {"sensory", "strength", "reflex"}
    )
    named = [(word, kind) for word, kind in _REF_KINDS if word in raw]
    if len(named) != 1:
        problems.fail(FILE, key, "needs exactly one of sensory, strength, reflex")
        return None
    word, kind = named[0]
    item = raw[word]
    if item not in NEURO_ITEMS[kind]:
        problems.fail(
            FILE, f"{key}.{word}", f"unknown {word} {item!r}; accepted: {', '.join(NEURO_ITEMS[kind])}"
        )
        return None
    if kind == "strength":
        if "is" in raw:
            problems.fail(FILE, f"{key}.is", "a muscle takes at_most (an MRC grade), not is")
        at_most = raw.get("at_most", WEAK_AT_MOST)
        if isinstance(at_most, bool) or at_most not in MRC_GRADES[:-1]:
            problems.fail(FILE, f"{key}.at_most", "must be an MRC grade from 0 to 4")
            at_most = WEAK_AT_MOST
        return SignRef(kind, item, (), int(at_most))
    if "at_most" in raw:
        problems.fail(FILE, f"{key}.at_most", f"only a muscle takes at_most; a {word} takes is")
    accepted = SENSORY_VALUES if kind == "sensory" else REFLEX_VALUES
    values = (
        ABNORMAL[kind] if "is" not in raw else _strings(problems, f"{key}.is", raw["is"], accepted, "value")
    )
    return SignRef(kind, item, tuple(values))


def _refs(problems: Problems, key: str, raw: Any, with_values: bool) -> tuple[SignRef, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        problems.fail(FILE, key, "must be a non-empty list of signs")
        return ()
    refs = (_sign_ref(problems, f"{key}[{index}]", item, with_values) for index, item in enumerate(raw))
    return tuple(ref for ref in refs if ref is not None)


def _pattern(problems: Problems, pid: str, entry: Any, roots: tuple[str, ...]) -> Pattern | None:
    key = f"patterns.{pid}"
    if not isinstance(entry, dict):
        problems.fail(FILE, key, "must be a table")
        return None
    problems.unknown_keys(FILE, key, entry, NEURO_PATTERN_KEYS)
    kind = entry.get("kind")
    if kind not in PATTERN_KINDS:
        problems.fail(FILE, f"{key}.kind", f"required; accepted: {', '.join(PATTERN_KINDS)}")
        return None
    for text in ("label", "means"):
        if not isinstance(entry.get(text), str) or not entry.get(text):
            problems.fail(FILE, f"{key}.{text}", "required, a text")
    needs = _refs(problems, f"{key}.all", entry.get("all"), True)
    some = _refs(problems, f"{key}.any", entry.get("any"), True)
    if not needs and not some:
        problems.fail(FILE, key, "needs `all` or `any`: the signs that make the pattern")
    spared = _refs(problems, f"{key}.spared", entry.get("spared"), False)
    only = _refs(problems, f"{key}.only", entry.get("only"), False) if "only" in entry else None
    pattern_roots: tuple[str, ...] = ()
    if kind == "roots":
        pattern_roots = _strings(problems, f"{key}.roots", entry.get("roots"), roots, "root")
        if not pattern_roots:
            problems.fail(FILE, f"{key}.roots", "a pattern of kind roots names at least one root")
    elif "roots" in entry:
        problems.fail(FILE, f"{key}.roots", "only a pattern of kind roots names roots")
    if kind == "peripheral" and only is None:
        problems.fail(FILE, f"{key}.only", "a peripheral pattern says which signs it may have (only)")
    both = entry.get("both_sides", False)
    if not isinstance(both, bool):
        problems.fail(FILE, f"{key}.both_sides", "must be true or false")
        both = False
    return Pattern(
        pid,
        str(entry.get("label", pid)),
        kind,
        str(entry.get("means", "")),
        needs,
        some,
        spared,
        only,
        both,
        pattern_roots,
    )


def load(problems: Problems, raw: dict[str, Any], vocab: Vocabulary) -> NeuroMap:
    """Build the map from the parsed neuro.toml; every problem names the file and key."""
    if not raw:
        problems.fail(FILE, "", "missing or empty")
    problems.unknown_keys(FILE, "", raw, NEURO_KEYS)
    roots = raw.get("roots")
    if not isinstance(roots, list) or not roots or not all(isinstance(r, str) for r in roots):
        problems.fail(FILE, "roots", 'required: the roots from the top down, e.g. ["L1", "L2", …]')
        roots = []
    elif len(set(roots)) != len(roots):
        problems.fail(FILE, "roots", "a root is listed twice")
    root_order = tuple(roots)
    min_types = raw.get("min_sign_types")
    if isinstance(min_types, bool) or min_types not in (1, 2, 3):
        problems.fail(FILE, "min_sign_types", "required: 1, 2 or 3 (sign types: sensory, strength, reflex)")
        min_types = 2
    central = _strings(
        problems, "central_procedures", raw.get("central_procedures", []), PROCEDURES, "procedure"
    )
    uncertain = None
    if "uncertain_when" in raw:
        try:
            uncertain = parse_condition(raw["uncertain_when"], vocab)
        except ConditionError as exc:
            problems.fail(FILE, "uncertain_when", str(exc))
        else:
            if any(getattr(leaf, "about_neuro", False) for leaf in uncertain.leaves()):
                problems.fail(FILE, "uncertain_when", "may not ask about the level check itself")
    overridden_by = raw.get("overridden_by")
    if overridden_by is not None and overridden_by not in vocab.findings:
        problems.fail(
            FILE,
            "overridden_by",
            f"unknown finding {overridden_by!r}{vocab.suggest(str(overridden_by), vocab.findings)}",
        )
        overridden_by = None

    sign_roots: dict[tuple[str, str], tuple[str, ...]] = {}
    for kind, items in NEURO_ITEMS.items():
        table = raw.get(kind)
        if not isinstance(table, dict):
            problems.fail(FILE, kind, f"required: a table mapping each of {', '.join(items)} to its roots")
            continue
        for item in items:
            if item not in table:
                problems.fail(
                    FILE, f"{kind}.{item}", "missing: every sign of the examination needs its roots"
                )
        for item, entry in table.items():
            key = f"{kind}.{item}"
            if item not in items:
                problems.fail(FILE, key, f"unknown {kind} item; accepted: {', '.join(items)}")
                continue
            if not isinstance(entry, dict):
                problems.fail(FILE, key, 'must be a table such as { roots = ["L5"] }')
                continue
            problems.unknown_keys(FILE, key, entry, NEURO_SIGN_KEYS)
            mapped = _strings(problems, f"{key}.roots", entry.get("roots"), root_order, "root")
            if mapped:
                sign_roots[(kind, item)] = mapped

    levels: dict[str, DiscLevel] = {}
    table = raw.get("levels")
    if not isinstance(table, dict):
        problems.fail(FILE, "levels", "required: each disc level with its exiting and traversing roots")
        table = {}
    for level in LEVELS:
        if level not in table:
            problems.fail(FILE, f"levels.{level}", "missing: every level a case file accepts needs its roots")
    for level, entry in table.items():
        key = f"levels.{level}"
        if level not in LEVELS:
            problems.fail(FILE, key, f"not a level a case file accepts; accepted: {', '.join(LEVELS)}")
            continue
        if not isinstance(entry, dict):
            problems.fail(FILE, key, "must be a table with exiting and traversing")
            continue
        problems.unknown_keys(FILE, key, entry, NEURO_LEVEL_KEYS)
        named = {}
        for side in ("exiting", "traversing"):
            value = entry.get(side)
            if value not in root_order:
                problems.fail(FILE, f"{key}.{side}", f"required: a root of `roots`, got {value!r}")
            named[side] = str(value)
        flag = entry.get("numbering_uncertain", False)
        if not isinstance(flag, bool):
            problems.fail(FILE, f"{key}.numbering_uncertain", "must be true or false")
            flag = False
        levels[level] = DiscLevel(level, named["exiting"], named["traversing"], flag)

    patterns: dict[str, Pattern] = {}
    pattern_table = raw.get("patterns", {})
    if not isinstance(pattern_table, dict):
        problems.fail(FILE, "patterns", "must be a table of patterns")
        pattern_table = {}
    for pid, entry in pattern_table.items():
        pattern = _pattern(problems, pid, entry, root_order)
        if pattern is not None:
            patterns[pid] = pattern
    return NeuroMap(
        root_order, int(min_types), central, uncertain, overridden_by, sign_roots, levels, patterns
    )

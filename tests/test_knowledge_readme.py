"""resources/knowledge/README.md documents the rule language and every key the loader accepts.

The README lists keys in Markdown tables whose header starts with `| Key |`, and values (derived
values, operation details, choices) in tables whose header starts with `| Value |`; the first
cell of each row holds the backticked name(s). Checked both ways: every key the loader accepts
is in a key table, and every name in a key table is one the loader accepts, so the README can
neither miss a key nor document one that does not exist. The TOML examples must parse, and the
conditions in them must be valid rules against the shipped knowledge base.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cramp_dx.case.model import APPROACHES, OPERATION_FLAG_LABELS, POSITIONS, PROCEDURES, SIDES
from cramp_dx.engine.result import STATUS_ORDER
from cramp_dx.knowledge import conditions, cutoffs, load_knowledge, loader, neuro, references, timing
from cramp_dx.paths import resources_dir

README = resources_dir() / "knowledge" / "README.md"
# the modules that read the TOML files
LOADER_MODULES = (loader, *loader.PARTS, cutoffs, timing, references, neuro)
# the per-table key sets the loader validates against (issue 10 item 4)
KEY_SETS = (
    "DIFFERENTIAL_KEYS",
    "RED_FLAG_KEYS",
    "TEST_KEYS",
    "LAB_KEYS",
    "RULE_KEYS",
    "SETTLE_KEYS",
    "MED_CLASS_KEYS",
    "FINDING_KEYS",
    "MEASUREMENT_KEYS",
    "DOMAIN_KEYS",
)
# strings the loader reads as dict keys that are not keys of a knowledge file
NOT_KEYS = {
    "albumin": "a lab id: corrected calcium looks the lab up",
    "meta": "a file name (reader.raw['meta'])",
    "medications": "a file name (reader.raw['medications'])",
    "neuro": "a file name (reader.raw['neuro'])",
}
# keys the conditions of a file are found under
CONDITION_KEYS = (
    "when",
    "cleared_by",
    "strengthened_by",
    "emergency_when",
    "positive",
    "negative",
    "only_when",
    "hold_low_until",
    "note_when",
    "uncertain_when",
)
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
TICKED = re.compile(r"`([^`]+)`")


# ------------------------------------------------------------------ what the loader accepts


def _string(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and NAME.match(node.value):
        return node.value
    return None


def keys_read_by(path: Path) -> set[str]:
    """String keys the code reads from a parsed TOML table: `x.get("k")`, `x["k"]`, `"k" in x`,
    `reader.require(file, key, entry, "k", …)`, `reader.table(file, "k")`, set literals (accepted
    keys) and tuples of names looped over (`for name in ("cleared_by", …)`)."""
    found: set[str] = set()

    def add(node: ast.AST) -> None:
        if (name := _string(node)) is not None:
            found.add(name)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "get" and node.args:
                add(node.args[0])
            elif node.func.attr == "require" and len(node.args) >= 4:
                add(node.args[3])
            elif node.func.attr == "table" and len(node.args) >= 2:
                add(node.args[1])
        elif isinstance(node, ast.Subscript):
            add(node.slice)
        elif isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.In | ast.NotIn):
            add(node.left)
        elif isinstance(node, ast.Set):
            for element in node.elts:
                add(element)
        elif isinstance(node, ast.For | ast.comprehension) and isinstance(node.iter, ast.Tuple):
            for element in node.iter.elts:
                add(element)
    return found


def loader_key_sets() -> dict[str, frozenset[str]]:
    """Every module-level `*_KEYS` frozenset of the loader (the ten named ones must exist)."""
    sets = {
        name: value
        for name, value in vars(loader).items()
        if name.endswith("_KEYS") and isinstance(value, frozenset)
    }
    missing = [name for name in KEY_SETS if name not in sets]
    assert not missing, f"loader.py lost its key sets: {missing}"
    return sets


def accepted_keys() -> set[str]:
    """Every key a knowledge file may contain: the condition language, the loader's key sets,
    the timing and reference fields, the Wells category texts, and whatever else the loader
    reads by name."""
    keys = set(conditions.CONSTRUCTS)
    for value in loader_key_sets().values():
        keys |= value
    keys |= set(timing.KEYS) | set(references.FIELDS) | set(cutoffs.WELLS_CATEGORIES)
    for module in LOADER_MODULES:
        keys |= keys_read_by(Path(module.__file__))  # type: ignore[arg-type]
    return keys - set(NOT_KEYS)


def accepted_values() -> set[str]:
    """Names a condition takes as a value: derived values, surgery values, operation details,
    the recorded choices and the verdicts of the level check."""
    return {
        *conditions.LEVEL_VERDICTS,
        *conditions.DERIVED,
        *conditions.SURGERY_FIELDS,
        *OPERATION_FLAG_LABELS,
        *PROCEDURES,
        *APPROACHES,
        *POSITIONS,
        *SIDES,
    }


# ------------------------------------------------------------------ what the README documents


def table_names(text: str, header: str) -> Iterator[tuple[int, str]]:
    """(line number, name) for each backticked name in the first cell of the body rows of every
    Markdown table whose first header cell is `header`."""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        cells = [cell.strip() for cell in line.strip("|").split("|")] if line.startswith("|") else []
        is_table = (
            index + 1 < len(lines)
            and re.fullmatch(r"\|?\s*:?-{3,}.*", lines[index + 1].strip()) is not None
        )
        if not (cells and is_table):
            index += 1
            continue
        wanted = cells[0] == header
        index += 2
        while index < len(lines) and lines[index].strip().startswith("|"):
            if wanted:
                first = lines[index].strip().strip("|").split("|")[0]
                for name in TICKED.findall(first):
                    yield index + 1, name
            index += 1


def mentioned(text: str) -> set[str]:
    """Every backticked name in the README's prose and tables (not its code blocks), quotes
    stripped (`"urgent"` → urgent)."""
    prose = re.sub(r"^```.*?^```$", "", text, flags=re.MULTILINE | re.DOTALL)
    return {name.strip('"') for line in prose.splitlines() for name in TICKED.findall(line)}


def readme_problems(text: str) -> list[str]:
    """Everything wrong with the README's key and value tables; empty when it is right."""
    problems = []
    keys = accepted_keys()
    documented: set[str] = set()
    for line, name in table_names(text, "Key"):
        if not NAME.match(name):
            problems.append(f"line {line}: `{name}` in a key table is not a key name")
        elif name not in keys:
            problems.append(f"line {line}: `{name}` is documented but the loader does not accept it")
        documented.add(name)
    for name in sorted(keys - documented):
        problems.append(f"`{name}` is accepted by the loader but not in any key table of the README")

    values = accepted_values()
    listed: set[str] = set()
    for line, name in table_names(text, "Value"):
        if name not in values:
            problems.append(f"line {line}: value `{name}` is documented but no condition accepts it")
        listed.add(name)
    for name in sorted(values - listed):
        problems.append(f"value `{name}` is accepted but not in any value table of the README")

    words = mentioned(text)
    others = {
        *conditions.LAB_FLAGS,
        *conditions.LAB_SERIES,
        *timing.CLOCKS,
        *loader.CATEGORIES,
        *loader.SEVERITIES,
        *cutoffs.WELLS_CATEGORIES,
        *STATUS_ORDER,
        *neuro.PATTERN_KINDS,
    }
    for name in sorted(others - words):
        problems.append(f"`{name}` is accepted but never mentioned in the README")
    return problems


def toml_blocks(text: str) -> list[tuple[int, str]]:
    return [
        (text.count("\n", 0, match.start()) + 2, match.group(1))
        for match in re.finditer(r"^```toml\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)
    ]


def conditions_in(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(where, raw condition) for every condition under a condition key, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key in CONDITION_KEYS and isinstance(item, dict):
                yield where, item
            else:
                yield from conditions_in(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from conditions_in(item, f"{path}[{index}]")


# ------------------------------------------------------------------ the tests

TEXT = README.read_text(encoding="utf-8")


def test_readme_documents_exactly_the_keys_the_loader_accepts() -> None:
    assert readme_problems(TEXT) == []


def test_the_loader_names_its_key_sets() -> None:
    sets = loader_key_sets()
    assert "hold_low_until" in sets["DIFFERENTIAL_KEYS"]
    assert "emergency_when" in sets["RED_FLAG_KEYS"]
    assert {"test", "positive", "negative"} <= sets["SETTLE_KEYS"]


@pytest.mark.parametrize(
    "name",
    [
        "fraction_of_peak_at_least",  # conditions.CONSTRUCTS
        "if_unknown",  # conditions.CONSTRUCTS (_COMMON)
        "hold_low_until",  # loader.DIFFERENTIAL_KEYS
        "critical_high_action",  # loader.LAB_KEYS
        "against_before",  # timing.KEYS
        "pmid",  # references.FIELDS
        "max_weight",  # read by the loader without a key set
        "shock_index",  # conditions.DERIVED (a value table)
    ],
)
def test_the_check_fails_when_a_key_is_left_out(name: str) -> None:
    rows = [line for line in TEXT.splitlines() if line.startswith(f"| `{name}`")]
    assert rows, f"`{name}` has no row of its own in the README"
    text = "\n".join(line for line in TEXT.splitlines() if line not in rows)
    problems = readme_problems(text)
    assert any(f"`{name}`" in problem and "not in any" in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("| `hold_low_untill` | no | A typo. |", "`hold_low_untill` is documented but the loader"),
        ("| `cleared_by.when` | no | A path, not a key. |", "is not a key name"),
    ],
)
def test_the_check_fails_on_a_key_the_loader_does_not_accept(row: str, expected: str) -> None:
    anchor = "| `hold_low_text` |"
    assert anchor in TEXT
    text = TEXT.replace(anchor, f"{row}\n{anchor}", 1)
    assert any(expected in problem for problem in readme_problems(text))


def test_the_check_fails_on_a_value_no_condition_accepts() -> None:
    anchor = "| `shock_index` |"
    text = TEXT.replace(anchor, f"| `heart_rate_variability` | — | invented | patient |\n{anchor}", 1)
    assert any("`heart_rate_variability` is documented" in p for p in readme_problems(text))


def test_every_toml_example_parses() -> None:
    blocks = toml_blocks(TEXT)
    assert len(blocks) >= 20, "the README lost its examples"
    for line, block in blocks:
        try:
            tomllib.loads(block)
        except tomllib.TOMLDecodeError as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"README.md line {line}: example is not valid TOML: {exc}")


def test_every_condition_in_the_examples_is_a_valid_rule() -> None:
    kb = load_knowledge()
    vocab = conditions.Vocabulary(
        kb.findings, kb.labs, kb.measurements, kb.medications.classes, kb.red_flags, loader.suggest,
        kb.neuro.patterns,
    )
    seen = 0
    for line, block in toml_blocks(TEXT):
        for where, raw in conditions_in(tomllib.loads(block)):
            seen += 1
            try:
                conditions.parse_condition(raw, vocab)
            except conditions.ConditionError as exc:
                pytest.fail(f"README.md example at line {line}, {where}: {exc}")
    assert seen >= 20


def test_every_construct_has_an_example() -> None:
    """Each key of the condition language appears in at least one TOML example."""
    used: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            used.update(value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for _, block in toml_blocks(TEXT):
        walk(tomllib.loads(block))
    assert set(conditions.CONSTRUCTS) - used == set()

"""Load and validate resources/knowledge/*.toml. Every problem names the file and the key."""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import os
import re
import tomllib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from cramp_dx.errors import KnowledgeError
from cramp_dx.knowledge import cutoffs, neuro, references, timing
from cramp_dx.knowledge.conditions import (
    Condition,
    ConditionError,
    RedFlagCondition,
    Vocabulary,
    parse_condition,
)
from cramp_dx.knowledge.knowledge import Knowledge
from cramp_dx.knowledge.medications import MedicationCatalog
from cramp_dx.knowledge.model import (
    CodeChoice,
    Codes,
    CriticalAction,
    Differential,
    DiffNote,
    Domain,
    Finding,
    Lab,
    Measurement,
    MedClass,
    MedWarning,
    PlanItem,
    Range,
    RedFlagRule,
    Repeat,
    Rule,
    Settle,
    TestDef,
    WellsItemDef,
)
from cramp_dx.knowledge.neuro import (  # noqa: F401 - key sets of neuro.toml, listed with the others
    NEURO_KEYS,
    NEURO_LEVEL_KEYS,
    NEURO_PATTERN_KEYS,
    NEURO_REF_KEYS,
    NEURO_SIGN_KEYS,
)
from cramp_dx.paths import cache_dir

FILES = (
    "meta",
    "findings",
    "measurements",
    "labs",
    "tests",
    "medications",
    "red_flags",
    "wells",
    "differentials",
    "plan",
    "references",
    "neuro",
)
CATEGORIES = ("urgent", "metabolic", "vascular", "spinal")
SEVERITIES = ("emergency", "urgent")
# The keys each table accepts (any other key is reported with a close-match suggestion);
# resources/knowledge/README.md documents every one and a test checks it against these sets.
LAB_KEYS = frozenset(
    {
        "loinc",
        "other_loinc",
        "unit_loinc",
        "name",
        "unit",
        "convert",
        "reference",
        "reference_female",
        "reference_male",
        "reference_note",
        "critical_low",
        "critical_high",
        "critical_at_least",
        "critical_note",
        "critical_low_action",
        "critical_high_action",
        "plausible",
        "si_unit",
    }
)
RANGE_KEYS = frozenset({"low", "high", "below"})
CRITICAL_ACTION_KEYS = frozenset({"severity", "differential", "tests", "note"})
DOMAIN_KEYS = frozenset({"label", "intake", "note", "note_when"})
FINDING_KEYS = frozenset({"domain", "label", "help", "opposite"})
MEASUREMENT_KEYS = frozenset({"label", "unit", "minimum", "maximum", "help", "not_interpretable"})
MED_CLASS_KEYS = frozenset({"label", "members", "aliases", "concern", "differentials", "withdrawal", "flag"})
TEST_KEYS = frozenset(
    {
        "name",
        "settles",
        "burden",
        "labs",
        "findings",
        "measurements",
        "only_when",
        "raised_after_surgery",
        "repeat",
    }
)
REPEAT_KEYS = frozenset({"when", "text"})
RED_FLAG_KEYS = frozenset(
    {
        "title",
        "severity",
        "message",
        "basis",
        "when",
        "kind",
        "cleared_by",
        "strengthened_by",
        "differentials",
        "tests",
        "emergency_when",
    }
)
DIFFERENTIAL_KEYS = frozenset(
    {
        "name",
        "icd10",
        "category",
        "basis",
        "support",
        "against",
        "settle",
        "laterality",
        "also_codes",
        "icd10_when",
        "icd10_note",
        "notes",
        "hold_low_until",
        "hold_low_text",
        "timing",
        "explains",
    }
)
RULE_KEYS = frozenset({"weight", "when", "text"})
SETTLE_KEYS = frozenset({"test", "positive", "negative", "positive_means", "negative_means"})


def suggest(word: str, known: Any) -> str:
    match = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def parsed_toml(path: Path) -> dict[str, Any]:
    """A TOML file's tables. Python's TOML parser is slow (about 70 ms for the whole knowledge
    base, most of a CLI start), so the parsed form is kept as JSON in the cache folder, named
    by a hash of the file's bytes: an edited file is parsed again, a stale cache is never read."""
    data = path.read_bytes()
    cached = cache_dir() / "knowledge" / f"{path.stem}-{hashlib.sha256(data).hexdigest()[:32]}.json"
    try:
        loaded: dict[str, Any] = json.loads(cached.read_bytes())
        return loaded
    except (OSError, ValueError):
        pass
    parsed = tomllib.loads(data.decode("utf-8"))
    try:
        cached.parent.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        cached.parent.mkdir(mode=0o700, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(parsed), encoding="utf-8")
        os.replace(partial, cached)
    except (OSError, TypeError, ValueError):
        pass  # no writable cache folder: parse every time
    return parsed


class _Reader:
    """Collects problems while building, so one load reports all of them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.problems: list[str] = []
        self.raw: dict[str, dict[str, Any]] = {}
        for name in FILES:
            path = folder / f"{name}.toml"
            try:
                self.raw[name] = parsed_toml(path)
            except FileNotFoundError:
                self.problems.append(f"{path}: missing")
                self.raw[name] = {}
            except tomllib.TOMLDecodeError as exc:
                self.problems.append(f"{path}: not valid TOML: {exc}")
                self.raw[name] = {}

    def fail(self, file: str, key: str, message: str) -> None:
        self.problems.append(f"{self.folder / (file + '.toml')}: {key}: {message}")

    def table(self, file: str, key: str) -> dict[str, dict[str, Any]]:
        value = self.raw[file].get(key, {})
        if not isinstance(value, dict):
            self.fail(file, key, "must be a table")
            return {}
        return value

    def require(
        self, file: str, key: str, entry: dict[str, Any], field: str, kind: type | tuple[type, ...]
    ) -> Any:
        value = entry.get(field)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            self.fail(file, f"{key}.{field}", f"required, must be {getattr(kind, '__name__', kind)}")
            return None
        return value

    def unknown_keys(
        self, file: str, key: str, entry: dict[str, Any], allowed: set[str] | frozenset[str]
    ) -> None:
        for extra in sorted(set(entry) - allowed):
            self.fail(
                file,
                f"{key}.{extra}" if key else extra,
                f"unknown key{suggest(extra, allowed)}; accepted: {', '.join(sorted(allowed))}",
            )

    def condition(self, file: str, key: str, raw: Any, vocab: Vocabulary) -> Condition | None:
        try:
            return parse_condition(raw, vocab)
        except ConditionError as exc:
            self.fail(file, key, str(exc))
            return None


def _range(reader: _Reader, key: str, raw: Any) -> Range | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not raw or set(raw) - RANGE_KEYS:
        reader.fail("labs", key, "a range is a table with low, high and/or below")
        return None
    if any(not isinstance(v, int | float) or isinstance(v, bool) for v in raw.values()):
        reader.fail("labs", key, "range bounds must be numbers")
        return None
    rng = Range(raw.get("low"), raw.get("high"), raw.get("below"))
    upper = rng.upper
    if rng.low is not None and upper is not None and rng.low >= upper:
        reader.fail("labs", key, f"bad range: low {rng.low} is not below the upper bound {upper}")
        return None
    if rng.high is not None and rng.below is not None:
        reader.fail("labs", key, "give high or below, not both")
    return rng


def _load_labs(reader: _Reader) -> dict[str, Lab]:
    labs: dict[str, Lab] = {}
    codes: dict[str, str] = {}
    for lab_id, entry in reader.table("labs", "labs").items():
        key = f"labs.{lab_id}"
        reader.unknown_keys("labs", key, entry, LAB_KEYS)
        loinc = reader.require("labs", key, entry, "loinc", str)
        name = reader.require("labs", key, entry, "name", str)
        unit = reader.require("labs", key, entry, "unit", str)
        factors: dict[str, Decimal] = {}
        for alt, factor in (entry.get("convert") or {}).items():
            try:
                value = Decimal(str(factor))
                if value <= 0:
                    raise InvalidOperation
                factors[alt] = value
            except InvalidOperation:
                reader.fail(
                    "labs", f"{key}.convert.{alt}", f"factor must be a positive number, got {factor!r}"
                )
        plausible = entry.get("plausible")
        if (
            not isinstance(plausible, list)
            or len(plausible) != 2
            or not all(isinstance(x, int | float) for x in plausible)
            or plausible[0] >= plausible[1]
        ):
            reader.fail("labs", f"{key}.plausible", "must be [minimum, maximum] with minimum < maximum")
            plausible = [0, float("inf")]
        reference = _range(reader, f"{key}.reference", entry.get("reference"))
        female = _range(reader, f"{key}.reference_female", entry.get("reference_female"))
        male = _range(reader, f"{key}.reference_male", entry.get("reference_male"))
        if reference is None and female is None and male is None:
            reader.fail("labs", f"{key}.reference", "a lab needs a reference range")
        unit_loinc = _unit_loinc(reader, key, entry.get("unit_loinc"), (unit, *factors))
        for code in dict.fromkeys([loinc, *unit_loinc.values(), *entry.get("other_loinc", [])]):
            if not code:
                continue
            if code in codes:
                reader.fail("labs", key, f"duplicate LOINC {code} (also {codes[code]})")
            codes[code] = lab_id
        crit = {k: entry.get(k) for k in ("critical_low", "critical_high", "critical_at_least")}
        for k, v in crit.items():
            if v is not None and not (plausible[0] <= v <= plausible[1]):
                reader.fail("labs", f"{key}.{k}", f"{v} is outside the plausible range {plausible}")
        si_unit = entry.get("si_unit")
        if si_unit is not None and si_unit != unit and si_unit not in factors:
            reader.fail("labs", f"{key}.si_unit", f"{si_unit!r} is not an accepted unit of this lab")
        if None in (loinc, name, unit):
            continue
        labs[lab_id] = Lab(
            id=lab_id,
            loinc=loinc,
            name=name,
            unit=unit,
            factors=factors,
            reference=reference or Range(),
            reference_female=female,
            reference_male=male,
            critical_low=crit["critical_low"],
            critical_high=crit["critical_high"],
            critical_at_least=crit["critical_at_least"],
            plausible=(float(plausible[0]), float(plausible[1])),
            other_loinc=tuple(entry.get("other_loinc", [])),
            reference_note=entry.get("reference_note"),
            critical_note=entry.get("critical_note"),
            si_unit=si_unit,
            critical_low_action=_critical_action(reader, f"{key}.critical_low_action", entry),
            critical_high_action=_critical_action(reader, f"{key}.critical_high_action", entry),
            unit_loinc=unit_loinc,
        )
    return labs


LOINC_CODE = re.compile(r"^[0-9]{1,7}-[0-9]$")


def _unit_loinc(reader: _Reader, key: str, raw: Any, units: tuple[str, ...]) -> dict[str, str]:
    """`unit_loinc = { "mmol/L" = "2601-3" }`: the code of a result in an accepted unit other
    than the default where it differs from `loinc`; "" records that no code is known for it."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        reader.fail("labs", f"{key}.unit_loinc", 'must be a table such as { "mmol/L" = "2601-3" }')
        return {}
    out = {}
    for unit, code in raw.items():
        if unit not in units[1:]:
            others = ", ".join(units[1:])
            problem = f"{unit!r} is not an accepted unit other than the default ({others})"
            reader.fail("labs", f"{key}.unit_loinc", problem)
        elif not isinstance(code, str) or (code and not LOINC_CODE.match(code)):
            problem = f'{code!r} is not a LOINC code (like 2601-3) or ""'
            reader.fail("labs", f"{key}.unit_loinc.{unit}", problem)
        else:
            out[unit] = code
    return out


ICD10_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?-?$")
LATERALITY_KEYS = frozenset({"right", "left", "bilateral", "unspecified"})
CODES_ACCEPTED = (
    "one ICD-10-CM code such as M51.16 (a header ends in -), or a list of the codes reported together "
    "(both sides of a bilateral condition); alternatives are chosen by facts in icd10_when"
)


def _codes(reader: _Reader, key: str, raw: Any) -> Codes | None:
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


def _laterality(reader: _Reader, key: str, raw: Any) -> dict[str, Codes]:
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


def _code_choices(reader: _Reader, key: str, raw: Any, vocab: Vocabulary) -> tuple[CodeChoice, ...]:
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


def _critical_action(reader: _Reader, key: str, entry: dict[str, Any]) -> CriticalAction | None:
    """`critical_low_action` / `critical_high_action`: severity, the differential it makes urgent,
    first tests, a note. Ids are checked once differentials and tests are read."""
    raw = entry.get(key.rsplit(".", 1)[1])
    if raw is None:
        return None
    if not isinstance(raw, dict):
        reader.fail("labs", key, "must be a table with severity, differential, tests, note")
        return None
    reader.unknown_keys("labs", key, raw, CRITICAL_ACTION_KEYS)
    severity = raw.get("severity", "urgent")
    if severity not in SEVERITIES:
        reader.fail("labs", f"{key}.severity", f"accepted: {', '.join(SEVERITIES)}")
    tests = raw.get("tests", [])
    if not isinstance(tests, list) or not all(isinstance(t, str) for t in tests):
        reader.fail("labs", f"{key}.tests", "must be a list of test ids")
        tests = []
    return CriticalAction(str(severity), raw.get("differential"), tuple(tests), raw.get("note"))


def load_from(folder: Path) -> Knowledge:
    """Build the knowledge base from a folder of TOML files, or raise KnowledgeError listing
    every problem found."""
    reader = _Reader(folder)
    meta = reader.raw["meta"]
    version = meta.get("knowledge_version")
    if not isinstance(version, str) or not version:
        reader.fail("meta", "knowledge_version", "required string")
        version = "?"
    supported_at, possible_at = cutoffs.status_cutoffs(reader, meta)

    domains: dict[str, Domain] = {}
    domains_raw = reader.table("findings", "domains")
    for dom_id, entry in domains_raw.items():
        reader.unknown_keys("findings", f"domains.{dom_id}", entry, DOMAIN_KEYS)
        domains[dom_id] = Domain(
            dom_id, entry.get("label", dom_id), bool(entry.get("intake")), entry.get("note")
        )

    findings: dict[str, Finding] = {}
    for fid, entry in reader.table("findings", "findings").items():
        key = f"findings.{fid}"
        reader.unknown_keys("findings", key, entry, FINDING_KEYS)
        domain = entry.get("domain")
        if domain not in domains:
            reader.fail(
                "findings", f"{key}.domain", f"unknown domain {domain!r}{suggest(str(domain), domains)}"
            )
        label = reader.require("findings", key, entry, "label", str) or fid
        findings[fid] = Finding(fid, str(domain), label, entry.get("help", ""), entry.get("opposite"))
    for finding in findings.values():
        if finding.opposite is None:
            continue
        other = findings.get(finding.opposite)
        if other is None:
            reader.fail(
                "findings",
                f"findings.{finding.id}.opposite",
                f"unknown finding {finding.opposite!r}{suggest(finding.opposite, findings)}",
            )
        elif other.opposite != finding.id:
            reader.fail(
                "findings",
                f"findings.{finding.id}.opposite",
                f"{finding.opposite!r} must name {finding.id!r} as its opposite too",
            )

    measurements: dict[str, Measurement] = {}
    for mid, entry in reader.table("measurements", "measurements").items():
        key = f"measurements.{mid}"
        reader.unknown_keys("measurements", key, entry, MEASUREMENT_KEYS)
        lo, hi = entry.get("minimum"), entry.get("maximum")
        if not isinstance(lo, int | float) or not isinstance(hi, int | float) or lo >= hi:
            reader.fail("measurements", key, "needs numeric minimum < maximum")
            continue
        bound = entry.get("not_interpretable")
        measurements[mid] = Measurement(
            mid,
            entry.get("label", mid),
            entry.get("unit", ""),
            float(lo),
            float(hi),
            entry.get("help", ""),
            None
            if bound is None
            else cutoffs.not_interpretable(reader, f"{key}.not_interpretable", bound, lo, hi),
        )

    labs = _load_labs(reader)
    corrected_calcium = cutoffs.corrected_calcium(
        reader, reader.raw["labs"].get("corrected_calcium"), labs.get("albumin")
    )

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

    red_raw = reader.table("red_flags", "red_flags")
    diff_raw = reader.table("differentials", "differentials")
    tests_raw = reader.table("tests", "tests")
    neuro_raw = reader.raw["neuro"]
    patterns_raw = neuro_raw.get("patterns")
    vocab = Vocabulary(
        findings,
        labs,
        measurements,
        classes,
        red_raw,
        suggest,
        patterns_raw if isinstance(patterns_raw, dict) else {},
    )
    neuro_map = neuro.load(reader, neuro_raw, vocab)

    tests: dict[str, TestDef] = {}
    for tid, entry in tests_raw.items():
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
        only_when = entry.get("only_when")
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
        tests[tid] = TestDef(
            tid,
            entry.get("name", tid),
            entry.get("settles", ""),
            burden,
            tuple(entry.get("labs", [])),
            tuple(entry.get("findings", [])),
            tuple(entry.get("measurements", [])),
            reader.condition("tests", f"{key}.only_when", only_when, vocab) if only_when else None,
            None
            if window is None
            else cutoffs.raised_after_surgery(
                reader, f"{key}.raised_after_surgery", window, list(entry.get("labs", []))
            ),
            tuple(repeats),
        )

    for dom_id, entry in domains_raw.items():
        if "note_when" not in entry:
            continue
        key = f"domains.{dom_id}.note_when"
        if not entry.get("note"):
            reader.fail("findings", key, "note_when needs a note to show")
        note_when = reader.condition("findings", key, entry["note_when"], vocab)
        domains[dom_id] = dataclasses.replace(domains[dom_id], note_when=note_when)

    for cls in classes.values():
        for did in cls.differentials:
            if did not in diff_raw:
                reader.fail(
                    "medications",
                    f"classes.{cls.id}.differentials",
                    f"unknown differential {did!r}{suggest(did, diff_raw)}",
                )

    red_flags: dict[str, RedFlagRule] = {}
    seen_flags: list[str] = []
    for rid, entry in red_raw.items():
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
            name: reader.condition("red_flags", f"{key}.{name}", entry[name], vocab)
            for name in ("cleared_by", "strengthened_by", "emergency_when")
            if name in entry
        }
        red_flags[rid] = RedFlagRule(
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
        seen_flags.append(rid)

    wells_raw = reader.raw["wells"]
    wells_likely_at, wells_basis, wells_categories = cutoffs.wells_cutoff(reader, wells_raw)
    wells_labels = cutoffs.wells_labels(reader, wells_raw)
    wells_suspected_when = (
        reader.condition("wells", "suspected_when", wells_raw["suspected_when"], vocab)
        if "suspected_when" in wells_raw
        else None
    )
    wells_items: list[WellsItemDef] = []
    for index, entry in enumerate(wells_raw.get("items", [])):
        key = f"items[{index}]"
        when = reader.condition("wells", f"{key}.when", entry.get("when"), vocab)
        points = entry.get("points")
        if not isinstance(points, int):
            reader.fail("wells", f"{key}.points", "must be a whole number")
        elif when is not None:
            wells_items.append(WellsItemDef(entry.get("id", key), entry.get("label", key), points, when))
    ids = [item.id for item in wells_items]
    for dup in {i for i in ids if ids.count(i) > 1}:
        reader.fail("wells", "items", f"duplicate id {dup!r}")

    differentials: dict[str, Differential] = {}
    for order, (did, entry) in enumerate(diff_raw.items()):
        key = f"differentials.{did}"
        reader.unknown_keys("differentials", key, entry, DIFFERENTIAL_KEYS)
        if entry.get("category") not in CATEGORIES:
            reader.fail("differentials", f"{key}.category", f"accepted: {', '.join(CATEGORIES)}")
        for field in ("name", "icd10", "basis"):
            reader.require("differentials", key, entry, field, str)

        def rules(section: str, entry: dict[str, Any] = entry, key: str = key) -> tuple[Rule, ...]:
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
                        reader.fail(
                            "differentials", f"{rkey}.each_med_for", f"unknown differential {target!r}"
                        )
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

        settles = []
        for index, raw in enumerate(entry.get("settle", [])):
            skey = f"{key}.settle[{index}]"
            reader.unknown_keys("differentials", skey, raw, SETTLE_KEYS)
            test = raw.get("test")
            if test not in tests:
                reader.fail(
                    "differentials", f"{skey}.test", f"unknown test {test!r}{suggest(str(test), tests)}"
                )
                continue
            pos = (
                reader.condition("differentials", f"{skey}.positive", raw["positive"], vocab)
                if "positive" in raw
                else None
            )
            neg = (
                reader.condition("differentials", f"{skey}.negative", raw["negative"], vocab)
                if "negative" in raw
                else None
            )
            settles.append(
                Settle(test, pos, neg, raw.get("positive_means", ""), raw.get("negative_means", ""))
            )
        notes = []
        for index, raw in enumerate(entry.get("notes", [])):
            cond = reader.condition("differentials", f"{key}.notes[{index}].when", raw.get("when"), vocab)
            if raw.get("test") and raw["test"] not in tests:
                reader.fail("differentials", f"{key}.notes[{index}].test", f"unknown test {raw['test']!r}")
            if cond is not None:
                notes.append(DiffNote(cond, raw.get("text", ""), raw.get("test")))
        hold = entry.get("hold_low_until")
        laterality = _laterality(reader, f"{key}.laterality", entry.get("laterality"))
        raw_code = entry.get("icd10")
        default_code = (isinstance(raw_code, str) and _codes(reader, f"{key}.icd10", raw_code)) or ("",)
        differentials[did] = Differential(
            did,
            entry.get("name", did),
            default_code,
            entry.get("category", "spinal"),
            entry.get("basis", ""),
            rules("support"),
            rules("against"),
            tuple(settles),
            laterality,
            entry.get("also_codes"),
            tuple(notes),
            reader.condition("differentials", f"{key}.hold_low_until", hold, vocab) if hold else None,
            entry.get("hold_low_text"),
            order,
            timing.timing(reader, f"{key}.timing", entry["timing"], entry.get("category") == "urgent")
            if "timing" in entry
            else None,
            tuple(entry.get("explains", [])),
            icd10_when=_code_choices(reader, key, entry.get("icd10_when", []), vocab),
            icd10_note=entry.get("icd10_note"),
        )
    for did, diff in differentials.items():
        for target in diff.explains:
            if target not in differentials or target == did:
                reader.fail(
                    "differentials", f"differentials.{did}.explains", f"unknown differential {target!r}"
                )
    for lab in labs.values():
        for action_key, action in (
            ("critical_low_action", lab.critical_low_action),
            ("critical_high_action", lab.critical_high_action),
        ):
            if action is None:
                continue
            if action.differential is not None and action.differential not in differentials:
                reader.fail(
                    "labs",
                    f"labs.{lab.id}.{action_key}.differential",
                    f"unknown differential {action.differential!r}",
                )
            for tid in action.tests:
                if tid not in tests:
                    reader.fail(
                        "labs",
                        f"labs.{lab.id}.{action_key}.tests",
                        f"unknown test {tid!r}{suggest(tid, tests)}",
                    )
    refs_d = references.load(reader, reader.raw["references"], "differentials", list(differentials))
    refs_r = references.load(reader, reader.raw["references"], "red_flags", list(red_flags))
    differentials = {
        did: dataclasses.replace(d, references=refs_d.get(did, ())) for did, d in differentials.items()
    }
    red_flags = {rid: dataclasses.replace(r, references=refs_r.get(rid, ())) for rid, r in red_flags.items()}

    plan = {
        pid: PlanItem(pid, entry.get("label", pid))
        for pid, entry in reader.table("plan", "plan_items").items()
    }

    if reader.problems:
        raise KnowledgeError("invalid knowledge base:\n  " + "\n  ".join(reader.problems))
    return Knowledge(
        version=version,
        domains=domains,
        findings=findings,
        measurements=measurements,
        labs=labs,
        tests=tests,
        differentials=differentials,
        red_flags=red_flags,
        wells_items=tuple(wells_items),
        wells_likely_at=wells_likely_at,
        wells_basis=wells_basis,
        wells_categories=wells_categories,
        wells_labels=wells_labels,
        wells_suspected_when=wells_suspected_when,
        medications=MedicationCatalog(classes, warnings),
        plan_items=plan,
        supported_at=supported_at,
        possible_at=possible_at,
        corrected_calcium=corrected_calcium,
        neuro=neuro_map,
    )

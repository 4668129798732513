"""Load and validate resources/knowledge/*.toml. Every problem names the file and the key.

Each file has its own loader module (`load_*`); this one reads them in dependency order (the
vocabulary first, then what refers to it), collects every problem and builds the Knowledge."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from cramp_dx.errors import KnowledgeError
from cramp_dx.knowledge import (
    cutoffs,
    load_differentials,
    load_findings,
    load_labs,
    load_medications,
    load_red_flags,
    load_tests,
    neuro,
    references,
)
from cramp_dx.knowledge.conditions import Vocabulary
from cramp_dx.knowledge.keys import (  # noqa: F401 - the accepted keys, listed with the loader
    CATEGORIES,
    CRITICAL_ACTION_KEYS,
    DIFFERENTIAL_KEYS,
    DOMAIN_KEYS,
    FILES,
    FINDING_KEYS,
    LAB_KEYS,
    LATERALITY_KEYS,
    MEASUREMENT_KEYS,
    MED_CLASS_KEYS,
    RANGE_KEYS,
    RED_FLAG_KEYS,
    REPEAT_KEYS,
    RULE_KEYS,
    SETTLE_KEYS,
    SEVERITIES,
    TEST_KEYS,
)
from cramp_dx.knowledge.knowledge import Knowledge
from cramp_dx.knowledge.medications import MedicationCatalog
from cramp_dx.knowledge.model import PlanItem
from cramp_dx.knowledge.neuro import (  # noqa: F401 - key sets of neuro.toml, listed with the others
    NEURO_KEYS,
    NEURO_LEVEL_KEYS,
    NEURO_PATTERN_KEYS,
    NEURO_REF_KEYS,
    NEURO_SIGN_KEYS,
)
from cramp_dx.knowledge.reader import Reader, suggest

# the per-file loaders (tests/test_knowledge_readme.py reads the keys each one accepts)
PARTS = (load_findings, load_labs, load_medications, load_tests, load_red_flags, load_differentials)


def _version(reader: Reader) -> str:
    version = reader.raw["meta"].get("knowledge_version")
    if not isinstance(version, str) or not version:
        reader.fail("meta", "knowledge_version", "required string")
        return "?"
    return version


def load_from(folder: Path) -> Knowledge:
    """Build the knowledge base from a folder of TOML files, or raise KnowledgeError listing
    every problem found."""
    reader = Reader(folder)
    version = _version(reader)
    supported_at, possible_at = cutoffs.status_cutoffs(reader, reader.raw["meta"])

    domains, domains_raw = load_findings.load_domains(reader)
    findings = load_findings.load_findings(reader, domains)
    measurements = load_findings.load_measurements(reader)
    labs = load_labs.load_labs(reader)
    corrected_calcium = cutoffs.corrected_calcium(
        reader, reader.raw["labs"].get("corrected_calcium"), labs.get("albumin")
    )
    classes, warnings = load_medications.load_medications(reader)

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

    tests = load_tests.load_tests(reader, tests_raw, labs, findings, measurements, vocab, domains)
    load_findings.add_domain_notes(reader, domains, domains_raw, vocab)
    load_medications.check_class_differentials(reader, classes, diff_raw)
    red_flags = load_red_flags.load_red_flags(reader, red_raw, diff_raw, tests, vocab)
    wells = load_red_flags.load_wells(reader, vocab)
    differentials = load_differentials.load_differentials(reader, diff_raw, tests, vocab)
    load_labs.check_critical_actions(reader, labs, differentials, tests)

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
        wells_items=wells.items,
        wells_likely_at=wells.likely_at,
        wells_basis=wells.basis,
        wells_categories=wells.categories,
        wells_labels=wells.labels,
        wells_suspected_when=wells.suspected_when,
        medications=MedicationCatalog(classes, warnings),
        plan_items=plan,
        supported_at=supported_at,
        possible_at=possible_at,
        corrected_calcium=corrected_calcium,
        neuro=neuro_map,
    )

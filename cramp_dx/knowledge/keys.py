"""The files of the knowledge base and the keys each table accepts: any other key is reported
with a close-match suggestion. resources/knowledge/README.md documents every one and
tests/test_knowledge_readme.py checks it against these sets."""

from __future__ import annotations

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
MEASUREMENT_KEYS = frozenset(
    {"label", "unit", "minimum", "maximum", "help", "not_interpretable", "loinc", "category"}
)
# FHIR R4 observation categories a measurement may have (the FHIR export's category)
MEASUREMENT_CATEGORIES = ("vital-signs", "exam", "survey", "social-history")
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
        "section",
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
LATERALITY_KEYS = frozenset({"right", "left", "bilateral", "unspecified"})

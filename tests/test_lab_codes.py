"""LOINC per unit and UCUM codes (issue 13 item 3).

Mass and molar concentrations are different LOINC concepts: a result is exported under the code
of its unit, or the code it arrived with. Every UCUM code the export writes is checked with a
UCUM parser (`ucumvert`, the UCUM grammar; no network), and where two units of one lab are both
mass (or both substance) concentrations, the knowledge base's factor is checked against UCUM's.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from support.core import workup
from support.fhir import LOINC, codes, labs
from ucumvert import PintUcumRegistry, get_ucum_parser

from cramp_dx.engine import assess
from cramp_dx.fhir import build_bundle
from cramp_dx.fhir.units import LAB_UCUM, MEASUREMENT_UCUM, lab_ucum
from cramp_dx.knowledge import load_knowledge

KB = load_knowledge()
PARSER = get_ucum_parser()
UREG = PintUcumRegistry()
# UCUM codes of units that are amounts of substance (mol, eq): a different LOINC property
MOLAR = {"mmol/L", "umol/L", "nmol/L", "pmol/L", "meq/L"}
UNITS = sorted({(lab.id, unit) for lab in KB.labs.values() for unit in lab.accepted_units})


def export_lab(lab_id: str, value: float, unit: str, test: str | None = None) -> dict:
    lab = {"test": test or lab_id, "value": value, "unit": unit, "collected": "2026-08-30"}
    w = workup(labs=[lab])
    return labs(build_bundle(w, assess(w), KB))[0]


@pytest.mark.parametrize("ucum", sorted(set(LAB_UCUM.values()) | set(MEASUREMENT_UCUM.values())))
def test_every_ucum_code_the_export_writes_is_valid_ucum(ucum: str) -> None:
    PARSER.parse(ucum)
    assert UREG.from_ucum(ucum) is not None


def test_the_ucum_check_refuses_a_unit_that_is_not_ucum() -> None:
    with pytest.raises(Exception):  # noqa: B017 - the parser raises lark's own error types
        PARSER.parse("mEq/L")


@pytest.mark.parametrize(("lab_id", "unit"), UNITS)
def test_a_molar_unit_of_a_mass_lab_has_a_loinc_entry_of_its_own(lab_id: str, unit: str) -> None:
    lab = KB.labs[lab_id]
    if lab_ucum(unit) in MOLAR and lab_ucum(lab.unit) not in MOLAR:
        assert unit in lab.unit_loinc, f"{lab_id}: {unit} would be exported under the mass code {lab.loinc}"


@pytest.mark.parametrize(("lab_id", "unit"), UNITS)
def test_a_unit_of_the_same_kind_has_the_factor_ucum_gives(lab_id: str, unit: str) -> None:
    lab = KB.labs[lab_id]
    default, other = lab_ucum(lab.unit), lab_ucum(unit)
    if unit == lab.unit or (default in MOLAR) != (other in MOLAR) or "{" in default + other:
        return
    factor = UREG.from_ucum(default).to(UREG.from_ucum(other)).magnitude
    assert float(lab.factors[unit]) == pytest.approx(factor, rel=1e-9), f"{lab_id}: {lab.unit} → {unit}"


@pytest.mark.parametrize(
    ("lab_id", "unit", "value", "loinc"),
    [
        ("magnesium", "mmol/L", 0.8, "2601-3"),
        ("magnesium", "mg/dL", 2.0, "19123-9"),
        ("calcium", "mmol/L", 2.3, "2000-8"),
        ("phosphate", "mmol/L", 1.0, "14879-1"),
        ("bun", "mmol/L", 5.0, "22664-7"),
        ("creatinine", "µmol/L", 80, "14682-9"),
        ("glucose", "mmol/L", 5.5, "14749-6"),
        ("glucose", "mg/dL", 90, "2345-7"),
    ],
)
def test_a_result_is_exported_under_the_loinc_code_of_its_unit(
    lab_id: str, unit: str, value: float, loinc: str
) -> None:
    assert codes(export_lab(lab_id, value, unit)["code"], LOINC) == [loinc]


def test_a_vitamin_d_in_nmol_per_litre_is_never_exported_under_the_mass_code() -> None:
    concept = export_lab("vitamin_d", 75, "nmol/L")["code"]
    assert codes(concept, LOINC) == []
    assert codes(concept, "urn:cramp-dx:lab") == ["vitamin_d"]
    assert "nmol/L" in concept["text"]


def test_an_egfr_that_arrived_as_ckd_epi_2009_keeps_its_code() -> None:
    concept = export_lab("egfr", 72, "mL/min/1.73m2", test="62238-1")["code"]
    assert codes(concept, LOINC) == ["62238-1"]
    assert "62238-1" in concept["text"]


def test_a_case_file_lab_given_by_loinc_keeps_that_code() -> None:
    lab = workup(labs=[{"test": "62238-1", "value": 72, "unit": "mL/min/1.73m2"}]).labs[0]
    assert (lab.test, lab.loinc) == ("egfr", "62238-1")


def test_a_case_file_lab_keeps_its_collection_time() -> None:
    entry = {"test": "potassium", "value": 4.1, "unit": "mmol/L", "collected_at": "2026-08-30T07:45:00-04:00"}
    lab = workup(labs=[entry]).labs[0]
    assert lab.collected == date(2026, 8, 30)
    assert lab.collected_at is not None and lab.collected_at.isoformat() == "2026-08-30T07:45:00-04:00"


def test_an_exported_collection_time_keeps_its_offset() -> None:
    entry = {"test": "potassium", "value": 4.1, "unit": "mmol/L", "collected_at": "2026-08-30T07:45:00-04:00"}
    w = workup(labs=[entry])
    assert labs(build_bundle(w, assess(w), KB))[0]["effectiveDateTime"] == "2026-08-30T07:45:00-04:00"


def test_the_molar_factors_are_exact_decimals() -> None:
    assert KB.labs["magnesium"].factors["mmol/L"] == Decimal("0.4114")


def test_a_unit_loinc_for_a_unit_the_lab_does_not_accept_is_refused_at_load(tmp_path) -> None:
    from shutil import copytree

    from cramp_dx.errors import KnowledgeError
    from cramp_dx.paths import resources_dir

    folder = copytree(resources_dir() / "knowledge", tmp_path / "knowledge")
    path = folder / "labs.toml"
    text = path.read_text(encoding="utf-8").replace(
        'unit_loinc = { "mmol/L" = "2000-8" }', 'unit_loinc = { "mol/L" = "2000-8" }'
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(folder)
    assert "labs.calcium.unit_loinc: 'mol/L' is not an accepted unit other than the default (mmol/L)" in str(
        caught.value
    )

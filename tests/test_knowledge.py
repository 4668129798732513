"""The knowledge base carries every SPEC.md id, and a broken edit is reported by file and key."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest
from support.core import DATA

from cramp_dx.errors import KnowledgeError
from cramp_dx.knowledge import load_knowledge
from cramp_dx.knowledge.loader import load_from
from cramp_dx.paths import resources_dir

SPEC = tomllib.loads((DATA / "spec_ids.toml").read_text(encoding="utf-8"))
KB = load_knowledge()


@pytest.mark.parametrize("table", ["differentials", "red_flags", "tests", "measurements", "findings"])
def test_every_spec_id_is_in_the_knowledge_base(table: str) -> None:
    assert set(SPEC[table]) <= set(getattr(KB, table))


def test_labs_carry_their_loinc_codes() -> None:
    assert {lab_id: KB.labs[lab_id].loinc for lab_id in SPEC["labs"]} == SPEC["labs"]


def test_every_differential_and_red_flag_has_a_basis() -> None:
    assert all(d.basis for d in KB.differentials.values())
    assert all(r.basis for r in KB.red_flags.values())


def test_knowledge_version_is_set() -> None:
    assert re.fullmatch(r"\d{4}\.\d+\.\d+", KB.version)


def test_spec_opposites_are_declared() -> None:
    assert KB.findings["duplex_dvt_present"].opposite == "duplex_dvt_absent"
    assert KB.findings["duplex_no_venous_reflux"].opposite == "duplex_venous_reflux"


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    shutil.copytree(resources_dir() / "knowledge", folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_unknown_id_in_a_rule_names_file_and_key(kb_copy: Path) -> None:
    edit(
        kb_copy / "differentials.toml",
        '{ finding = "saddle_anesthesia" }',
        '{ finding = "saddle_anaesthesia" }',
    )
    with pytest.raises(KnowledgeError) as info:
        load_from(kb_copy)
    message = str(info.value)
    assert "differentials.toml: differentials.cauda_equina_syndrome.support[0].when" in message
    assert "unknown finding 'saddle_anaesthesia' (did you mean 'saddle_anesthesia'?)" in message


def test_duplicate_key_names_the_file(kb_copy: Path) -> None:
    path = kb_copy / "findings.toml"
    path.write_text(
        path.read_text(encoding="utf-8") + '\n[findings.smoker]\ndomain = "history"\nlabel = "Again"\n',
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError, match=r"findings\.toml: not valid TOML"):
        load_from(kb_copy)


def test_bad_range_names_file_and_key(kb_copy: Path) -> None:
    edit(
        kb_copy / "labs.toml",
        "reference = { low = 3.5, high = 5.1 }",
        "reference = { low = 5.1, high = 3.5 }",
    )
    with pytest.raises(KnowledgeError, match=r"labs\.toml: labs\.potassium\.reference: bad range"):
        load_from(kb_copy)


def test_duplicate_loinc_is_reported(kb_copy: Path) -> None:
    edit(kb_copy / "labs.toml", 'loinc = "2951-2"', 'loinc = "2823-3"')
    with pytest.raises(KnowledgeError, match=r"labs\.sodium: duplicate LOINC 2823-3"):
        load_from(kb_copy)


def test_unknown_test_in_a_settle_rule(kb_copy: Path) -> None:
    edit(kb_copy / "differentials.toml", '{ test = "level_review"', '{ test = "level_reveiw"')
    with pytest.raises(
        KnowledgeError,
        match=r"settle\[0\]\.test: unknown test 'level_reveiw' \(did you mean 'level_review'\?\)",
    ):
        load_from(kb_copy)


def test_one_sided_opposite_is_reported(kb_copy: Path) -> None:
    edit(kb_copy / "findings.toml", 'opposite = "duplex_dvt_present"\n', "")
    with pytest.raises(KnowledgeError, match="must name 'duplex_dvt_present' as its opposite too"):
        load_from(kb_copy)


def test_a_new_differential_is_a_data_edit(kb_copy: Path) -> None:
    path = kb_copy / "differentials.toml"
    path.write_text(
        path.read_text(encoding="utf-8")
        + """
[differentials.test_only_cramp]
name = "Test-only cramp"
icd10 = "R25.2"
category = "spinal"
basis = "Added by a test to show a new differential needs no code."
support = [{ weight = 5, when = { finding = "new_footwear" } }]
""",
        encoding="utf-8",
    )
    kb = load_from(kb_copy)
    from support.core import workup

    from cramp_dx.engine import assess

    result = assess(workup(findings={"new_footwear": True}), kb)
    assert result.differential[0].id == "test_only_cramp"


def test_si_units_are_accepted_units() -> None:
    assert KB.labs["magnesium"].units_for("si")[0] == "mmol/L"
    assert KB.labs["magnesium"].units_for("conventional")[0] == "mg/dL"
    assert KB.labs["potassium"].units_for("si")[0] == "mmol/L"


def test_an_si_unit_that_is_not_accepted_is_reported(kb_copy: Path) -> None:
    edit(kb_copy / "labs.toml", 'si_unit = "mmol/L"\n', 'si_unit = "mol/m3"\n')
    with pytest.raises(KnowledgeError, match=r"labs\.magnesium\.si_unit: 'mol/m3' is not an accepted unit"):
        load_from(kb_copy)

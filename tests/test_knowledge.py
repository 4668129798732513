"""The knowledge base carries every SPEC.md id, and a broken edit is reported by file and key."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest
from support.core import DATA, item

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
    refs = kb_copy / "references.toml"
    refs.write_text(
        refs.read_text(encoding="utf-8")
        + """
[differentials.test_only_cramp]
references = [
  { authors = "Test A", year = 2026, title = "A test source", journal = "Tests", url = "https://x.org" },
]
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


# Clinical cut-offs are data too: editing one changes the result, a broken one is reported.

RAISED_D_DIMER = [{"test": "d_dimer", "value": 800, "unit": "ng/mL DDU"}]


def _assess(kb_folder: Path | None = None, **parts: object):
    from support.core import workup

    from cramp_dx.engine import assess

    return assess(workup(**parts), load_from(kb_folder) if kb_folder else KB)


def test_the_abi_limit_is_a_data_edit(kb_copy: Path) -> None:
    assert _assess(measurements={"abi": 1.3}).notes == ()
    edit(kb_copy / "measurements.toml", "above = 1.40", "above = 1.20")
    edited = _assess(kb_copy, measurements={"abi": 1.3})
    assert edited.notes == (
        "ABI 1.3 is above 1.20: non-compressible vessels, the ABI cannot be interpreted.",
    )


def test_the_post_operative_d_dimer_window_is_a_data_edit(kb_copy: Path) -> None:
    # the base case's visit is 92 days after surgery: past the 84 days shipped
    assert _assess(labs=RAISED_D_DIMER).notes == ()
    edit(kb_copy / "tests.toml", "within_days = 84", "within_days = 120")
    (note,) = _assess(kb_copy, labs=RAISED_D_DIMER).notes
    assert note.startswith("Post-operative D-dimer is usually raised for weeks")


def test_the_small_fibre_note_trigger_is_a_data_edit(kb_copy: Path) -> None:
    assert _assess(findings={"emg_acute_radiculopathy": True}).notes == ()
    edit(kb_copy / "findings.toml", '{ finding = "emg_normal" }', '{ finding = "emg_acute_radiculopathy" }')
    (note,) = _assess(kb_copy, findings={"emg_acute_radiculopathy": True}).notes
    assert note.startswith("A normal nerve conduction study does not exclude small-fibre neuropathy")


def test_the_wells_likely_cut_off_is_a_data_edit(kb_copy: Path) -> None:
    # a swollen leg makes it a suspected DVT (Wells applies); it scores no point of its own
    two_points = {"findings": {"active_cancer": True, "prior_dvt": True, "calf_swelling_unilateral": True}}
    assert _assess(**two_points).wells.category == "likely"
    edit(kb_copy / "wells.toml", "likely_at_least = 2", "likely_at_least = 3")
    assert _assess(kb_copy, **two_points).wells.category == "unlikely"


def test_the_wells_texts_follow_the_cut_off(kb_copy: Path) -> None:
    assert KB.wells_categories == {
        "likely": "DVT likely (score ≥ 2): same-day venous duplex",
        "unlikely": "DVT unlikely (score ≤ 1): D-dimer; only a normal D-dimer argues against DVT",
        "not_suspected": (
            "No sign of DVT recorded in the leg (swelling, oedema, deep-vein tenderness, redness): the Wells"
            " score applies to a suspected DVT, so it does not call for a duplex by itself"
        ),
    }
    edit(kb_copy / "wells.toml", "likely_at_least = 2", "likely_at_least = 3")
    kb = load_from(kb_copy)
    assert kb.wells_categories["likely"].startswith("DVT likely (score ≥ 3)")
    assert kb.wells_categories["unlikely"].startswith("DVT unlikely (score ≤ 2)")
    assert "≥ 3 DVT likely" in kb.wells_basis and "≤ 2 unlikely" in kb.wells_basis


def test_the_corrected_calcium_constants_are_a_data_edit(kb_copy: Path) -> None:
    low_albumin = {
        "labs": [
            {"test": "calcium", "value": 8.0, "unit": "mg/dL"},
            {"test": "albumin", "value": 2.5, "unit": "g/dL"},
        ]
    }
    assert _assess(**low_albumin).derived["corrected_calcium"] == pytest.approx(9.2)
    edit(kb_copy / "labs.toml", "albumin_reference = 4.0", "albumin_reference = 4.4")
    assert _assess(kb_copy, **low_albumin).derived["corrected_calcium"] == pytest.approx(9.52)


def test_the_corrected_calcium_label_follows_its_constants(kb_copy: Path) -> None:
    assert KB.corrected_calcium.label == "Corrected calcium (Ca + 0.8 × (4.0 − albumin))"
    edit(kb_copy / "labs.toml", "albumin_reference = 4.0", "albumin_reference = 4.4")
    assert load_from(kb_copy).corrected_calcium.label == "Corrected calcium (Ca + 0.8 × (4.4 − albumin))"


def test_the_supported_cut_off_is_a_data_edit(kb_copy: Path) -> None:
    urge = {"findings": {"urge_to_move_legs": True}}  # restless legs scores 4
    assert item(_assess(**urge), "restless_legs_syndrome").status == "supported"
    edit(kb_copy / "meta.toml", "supported_at_least = 3", "supported_at_least = 5")
    assert item(_assess(kb_copy, **urge), "restless_legs_syndrome").status == "possible"


def _broken(kb_copy: Path, file: str, old: str, new: str) -> str:
    edit(kb_copy / file, old, new)
    with pytest.raises(KnowledgeError) as info:
        load_from(kb_copy)
    return str(info.value)


@pytest.mark.parametrize(
    ("file", "line", "key", "kind"),
    [
        ("measurements.toml", "above = 1.40\n", "measurements.abi.not_interpretable.above", "a number"),
        (
            "tests.toml",
            "within_days = 84  # 12 weeks\n",
            "tests.d_dimer.raised_after_surgery.within_days",
            "a whole number",
        ),
        ("wells.toml", "likely_at_least = 2\n", "likely_at_least", "a whole number"),
        ("meta.toml", "supported_at_least = 3\n", "status.supported_at_least", "a number"),
        ("labs.toml", "albumin_reference = 4.0\n", "corrected_calcium.albumin_reference", "a number"),
    ],
)
def test_a_missing_cut_off_names_file_and_key(
    kb_copy: Path, file: str, line: str, key: str, kind: str
) -> None:
    message = _broken(kb_copy, file, line, "")
    assert f"{kb_copy / file}: {key}: required, must be {kind}" in message


@pytest.mark.parametrize(
    ("file", "old", "new", "problem"),
    [
        (
            "measurements.toml",
            "above = 1.40",
            'above = "1.40"',
            "measurements.abi.not_interpretable.above: must be a number, got '1.40'",
        ),
        (
            "measurements.toml",
            "above = 1.40",
            "above = 4.0",
            "measurements.abi.not_interpretable.above: 4 is outside the accepted 0.1–3",
        ),
        (
            "measurements.toml",
            "{limit:.2f}",
            "{bound:.2f}",
            "measurements.abi.not_interpretable.note: cannot fill in the text",
        ),
        (
            "measurements.toml",
            "above = 1.40",
            "abvoe = 1.40",
            "measurements.abi.not_interpretable.abvoe: unknown key (did you mean 'above'?)",
        ),
        (
            "tests.toml",
            "within_days = 84",
            'within_days = "12 weeks"',
            "tests.d_dimer.raised_after_surgery.within_days: must be a whole number, got '12 weeks'",
        ),
        (
            "tests.toml",
            "within_days = 84",
            "within_days = 0",
            "tests.d_dimer.raised_after_surgery.within_days: must be above 0, got 0",
        ),
        (
            "wells.toml",
            "likely_at_least = 2",
            "likely_at_least = 2.5",
            "likely_at_least: must be a whole number, got 2.5",
        ),
        (
            "wells.toml",
            "{likely_at}): same-day",
            "{likely}): same-day",
            "categories.likely: cannot fill in the text",
        ),
        (
            "meta.toml",
            "possible_at_least = 1",
            "possible_at_least = true",
            "status.possible_at_least: must be a number, got True",
        ),
        (
            "labs.toml",
            "albumin_reference = 4.0",
            "albumin_reference = 40",
            "corrected_calcium.albumin_reference: 40 is outside the accepted 0.5–8",
        ),
        (
            "findings.toml",
            '{ finding = "emg_normal" }',
            '{ finding = "emg_nromal" }',
            "domains.electrodiagnostics.note_when: unknown finding 'emg_nromal'",
        ),
    ],
)
def test_an_invalid_cut_off_names_file_and_key(
    kb_copy: Path, file: str, old: str, new: str, problem: str
) -> None:
    assert f"{kb_copy / file}: {problem}" in _broken(kb_copy, file, old, new)


def test_a_differential_without_a_reference_is_refused(kb_copy: Path) -> None:
    edit(kb_copy / "references.toml", "[differentials.dvt]", "[differentials.dvt_renamed]")
    with pytest.raises(
        KnowledgeError, match=r"references.toml: differentials.dvt.references: every rule needs"
    ):
        load_from(kb_copy)


def test_a_reference_without_a_doi_pmid_or_url_is_refused(kb_copy: Path) -> None:
    path = kb_copy / "references.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'url = "https://www.nice.org.uk/guidance/ng158"', 'journal2 = "x"', 1
        ),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError, match=r"needs a doi, pmid or url|unknown key"):
        load_from(kb_copy)


def test_timing_may_not_argue_against_an_urgent_differential(kb_copy: Path) -> None:
    edit(
        kb_copy / "differentials.toml",
        'timing = { onset_days = [0, 84], clock = "surgery", support = 1 }',
        'timing = { onset_days = [0, 84], clock = "surgery", support = 1, against = 1, against_after = 90 }',
    )
    with pytest.raises(KnowledgeError, match="timing never argues against an urgent differential"):
        load_from(kb_copy)


def test_an_unknown_explained_differential_is_reported(kb_copy: Path) -> None:
    edit(
        kb_copy / "differentials.toml",
        'explains = ["peripheral_polyneuropathy"]',
        'explains = ["polyneuropathy"]',
    )
    with pytest.raises(KnowledgeError, match="explains: unknown differential 'polyneuropathy'"):
        load_from(kb_copy)


def test_a_critical_action_must_name_a_known_differential(kb_copy: Path) -> None:
    edit(kb_copy / "labs.toml", 'differential = "hyperkalemia"', 'differential = "hyperkalaemia"')
    with pytest.raises(KnowledgeError, match=r"critical_high_action\.differential: unknown differential"):
        load_from(kb_copy)


def test_the_parsed_knowledge_base_is_cached_and_an_edit_is_read_again(kb_copy: Path) -> None:
    import os

    from cramp_dx.paths import cache_dir

    load_from(kb_copy)
    cached = sorted((cache_dir() / "knowledge").glob("meta-*.json"))
    assert cached and oct((cache_dir() / "knowledge").stat().st_mode & 0o777) == "0o700"
    edit(kb_copy / "meta.toml", 'knowledge_version = "', 'knowledge_version = "edited-')
    assert load_from(kb_copy).version.startswith("edited-")
    assert len(list((cache_dir() / "knowledge").glob("meta-*.json"))) == len(cached) + 1
    assert os.environ["CRAMP_DX_CACHE_DIR"]


def test_a_damaged_cache_file_is_ignored(kb_copy: Path) -> None:
    from cramp_dx.paths import cache_dir

    version = load_from(kb_copy).version
    for cached in (cache_dir() / "knowledge").glob("meta-*.json"):
        cached.write_text("{not json", encoding="utf-8")
    assert load_from(kb_copy).version == version


def test_a_test_s_section_is_a_data_edit_and_must_be_a_domain(kb_copy: Path) -> None:
    assert load_from(kb_copy).tests["skin_biopsy"].section == "electrodiagnostics"
    edit(kb_copy / "tests.toml", 'section = "electrodiagnostics"', 'section = "electrodiagnostic"')
    with pytest.raises(KnowledgeError, match=r"skin_biopsy\.section: unknown domain 'electrodiagnostic'"):
        load_from(kb_copy)


def test_a_finding_condition_takes_is_or_missing_not_both(kb_copy: Path) -> None:
    edit(
        kb_copy / "differentials.toml",
        '{ finding = "absent_pedal_pulses", missing = true }',
        '{ finding = "absent_pedal_pulses", missing = true, is = false }',
    )
    with pytest.raises(KnowledgeError, match="a finding condition takes is or missing = true, not both"):
        load_from(kb_copy)

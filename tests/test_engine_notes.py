"""Interpretation notes (SPEC.md sections 2 and 3): shown where they apply, and only there."""

from __future__ import annotations

from support.core import assess_case

ABI_NOTE = "ABI 1.5 is above 1.40: non-compressible vessels, the ABI cannot be interpreted."
D_DIMER_NOTE = (
    "Post-operative D-dimer is usually raised for weeks: a raised value does not confirm DVT; "
    "only a normal value with a 'DVT unlikely' Wells score argues against it."
)
SMALL_FIBRE_NOTE = (
    "A normal nerve conduction study does not exclude small-fibre neuropathy: skin biopsy for "
    "intraepidermal nerve fibre density does."
)
SURGERY = {"date": "2026-06-01"}
DAY_84 = {"date": "2026-08-24"}
DAY_85 = {"date": "2026-08-25"}
RAISED_DDU = {"test": "d_dimer", "value": 800, "unit": "ng/mL DDU"}
RAISED_FEU = {"test": "d_dimer_feu", "value": 1600, "unit": "ng/mL FEU"}


def test_a_case_with_nothing_to_qualify_has_no_notes() -> None:
    assert assess_case(measurements={"abi": 1.1}).notes == ()


def test_an_abi_above_1_40_is_called_not_interpretable() -> None:
    assert assess_case(measurements={"abi": 1.5}).notes == (ABI_NOTE,)


def test_an_abi_of_exactly_1_40_is_read_as_usual() -> None:
    assert assess_case(measurements={"abi": 1.40}).notes == ()


def test_a_raised_d_dimer_84_days_after_surgery_gets_the_post_operative_note() -> None:
    a = assess_case(surgery=SURGERY, visit=DAY_84, labs=[RAISED_DDU])
    assert a.notes == (D_DIMER_NOTE,)


def test_a_raised_d_dimer_85_days_after_surgery_gets_no_post_operative_note() -> None:
    a = assess_case(surgery=SURGERY, visit=DAY_85, labs=[RAISED_DDU])
    assert a.notes == ()


def test_a_normal_d_dimer_soon_after_surgery_gets_no_post_operative_note() -> None:
    a = assess_case(surgery=SURGERY, visit=DAY_84, labs=[{**RAISED_DDU, "value": 200}])
    assert a.notes == ()


def test_raised_ddu_and_feu_d_dimers_give_the_note_once() -> None:
    a = assess_case(surgery=SURGERY, visit=DAY_84, labs=[RAISED_DDU, RAISED_FEU])
    assert a.notes == (D_DIMER_NOTE,)


def test_a_raised_feu_d_dimer_alone_gets_the_post_operative_note() -> None:
    a = assess_case(surgery=SURGERY, visit=DAY_84, labs=[RAISED_FEU])
    assert a.notes == (D_DIMER_NOTE,)


def test_a_normal_emg_brings_the_small_fibre_note() -> None:
    assert assess_case(findings={"emg_normal": True}).notes == (SMALL_FIBRE_NOTE,)


def test_a_nerve_conduction_study_without_polyneuropathy_brings_the_small_fibre_note() -> None:
    assert assess_case(findings={"ncv_polyneuropathy": False}).notes == (SMALL_FIBRE_NOTE,)


def test_an_abnormal_emg_does_not_bring_the_small_fibre_note() -> None:
    assert assess_case(findings={"emg_normal": False}).notes == ()


def test_notes_come_in_the_order_measurements_tests_checklist() -> None:
    a = assess_case(
        surgery=SURGERY,
        visit=DAY_84,
        measurements={"abi": 1.5},
        labs=[RAISED_DDU],
        findings={"emg_normal": True},
    )
    assert a.notes == (ABI_NOTE, D_DIMER_NOTE, SMALL_FIBRE_NOTE)

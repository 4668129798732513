"""assess(): a pure function from a workup to an assessment. No I/O, no Qt, no database."""

from __future__ import annotations

from cramp_dx.case.model import Workup
from cramp_dx.engine.differential import rank_differentials
from cramp_dx.engine.facts import Facts
from cramp_dx.engine.next_tests import suggest_tests, test_states
from cramp_dx.engine.red_flags import evaluate_red_flags
from cramp_dx.engine.result import Assessment, LabFlag, MedicationFlag, MedicationWarning
from cramp_dx.engine.wells import score_wells
from cramp_dx.knowledge import Knowledge, load_knowledge


def _medication_flags(facts: Facts) -> tuple[list[MedicationFlag], list[MedicationWarning]]:
    flags: list[MedicationFlag] = []
    warnings: list[MedicationWarning] = []
    kb = facts.kb
    for med, matches in facts.med_matches:
        for match in matches:
            if match.med_class.flag:
                flags.append(
                    MedicationFlag(
                        med.name,
                        match.drug,
                        match.med_class.label,
                        match.med_class.concern,
                        match.med_class.differentials,
                    )
                )
        for warning in kb.medications.warnings_for(med.name):
            warnings.append(MedicationWarning(med.name, warning.message))
    return flags, warnings


def _lab_flags(facts: Facts) -> list[LabFlag]:
    out = []
    for lab_id in facts.kb.labs:
        history = facts.lab_history.get(lab_id)
        if not history:
            continue
        latest = history[-1]
        earlier = tuple(
            {
                "value": v.result.value,
                "unit": v.result.unit,
                "flag": v.flag,
                "collected": v.result.collected.isoformat() if v.result.collected else None,
            }
            for v in reversed(history[:-1])
        )
        out.append(
            LabFlag(
                test=lab_id,
                name=latest.lab.name,
                loinc=latest.lab.loinc,
                value=latest.result.value,
                unit=latest.result.unit,
                value_default=round(latest.value, 4),
                unit_default=latest.lab.unit,
                flag=latest.flag,
                critical=latest.critical,
                reference=f"{latest.range.text()} {latest.lab.unit}"
                + (" (clinic range)" if lab_id in facts.clinic_ranges else ""),
                collected=latest.result.collected.isoformat() if latest.result.collected else None,
                earlier=earlier,
                reference_in_unit=latest.lab.range_text(latest.range, latest.result.unit)
                + (" (clinic range)" if lab_id in facts.clinic_ranges else ""),
            )
        )
    return out


def _notes(facts: Facts) -> list[str]:
    """Interpretation notes SPEC.md asks to show where they apply; what triggers each, and its
    wording, is knowledge data: a measurement's `not_interpretable` bound, a test's
    `raised_after_surgery` window, a checklist domain's `note_when`."""
    kb = facts.kb
    notes = []
    for measurement in kb.measurements.values():
        bound = measurement.not_interpretable
        value = facts.measurement(measurement.id)
        if bound is not None and value is not None and value > bound.above:
            notes.append(bound.text(value))
    for test in kb.tests.values():
        window = test.raised_after_surgery
        if window is None or facts.days > window.within_days:
            continue
        if any(lab.flag == "H" for lab_id in test.labs if (lab := facts.labs.get(lab_id)) is not None):
            notes.append(window.note)
    for domain in kb.domains.values():
        if domain.note and domain.note_when is not None and domain.note_when.evaluate(facts, kb).state:
            notes.append(domain.note)
    return list(dict.fromkeys(notes))


def assess(
    workup: Workup, kb: Knowledge | None = None, *, lab_ranges: dict[str, dict[str, float]] | None = None
) -> Assessment:
    """Rank the differential for one workup. `lab_ranges` are the clinic's reference-range
    overrides (lab id → low/high/below in the default unit)."""
    kb = kb or load_knowledge()
    facts = Facts(workup, kb, lab_ranges)
    wells = score_wells(facts, kb)
    red_flags, checks = evaluate_red_flags(facts, kb)
    scored = rank_differentials(facts, kb, red_flags)
    next_tests = suggest_tests(facts, kb, scored, red_flags)
    med_flags, warnings = _medication_flags(facts)
    derived = facts.derived_values()
    return Assessment(
        knowledge_version=kb.version,
        days_since_surgery=facts.days,
        weeks_since_surgery=derived["weeks_since_surgery"],  # type: ignore[arg-type]
        derived={k: v for k, v in derived.items() if v is not None},
        red_flags=tuple(red_flags),
        red_flag_checks=tuple(checks),
        wells=wells,
        differential=tuple(s.result for s in scored),
        next_tests=tuple(next_tests),
        tests=tuple(test_states(facts, kb)),
        medication_flags=tuple(med_flags),
        lab_flags=tuple(_lab_flags(facts)),
        warnings=tuple(dict.fromkeys(w.message for w in warnings)),
        medication_warnings=tuple(warnings),
        notes=tuple(_notes(facts)),
        level_check=facts.level_check(),
        unrecognised_medications=tuple(
            dict.fromkeys(
                med.name
                for med, matches in facts.med_matches
                if not matches and not kb.medications.warnings_for(med.name)
            )
        ),
    )

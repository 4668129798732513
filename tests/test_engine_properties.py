"""Property tests over generated valid cases."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cramp_dx.case.model import ORDER_STATES, PROCEDURES, SEXES, SIDES
from cramp_dx.casefile.io import case_to_dict, parse_case
from cramp_dx.engine import STATUS_ORDER, assess
from cramp_dx.knowledge import load_knowledge
from cramp_dx.knowledge.conditions import FindingCondition

KB = load_knowledge()
# a medication name as typed: printable text (control and format characters are refused)
FREE_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cf")), min_size=1, max_size=30).filter(
    str.strip
)
FINDINGS = sorted(KB.findings)
MED_NAMES = KB.medications.names()


@st.composite
def findings(draw: st.DrawFn) -> dict[str, bool]:
    chosen = draw(st.dictionaries(st.sampled_from(FINDINGS), st.booleans(), max_size=30))
    out: dict[str, bool] = {}
    for key, value in chosen.items():
        opposite = KB.findings[key].opposite
        if opposite and opposite in out:
            continue
        out[key] = value
    return out


@st.composite
def labs(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for _ in range(draw(st.integers(0, 8))):
        lab = KB.labs[draw(st.sampled_from(sorted(KB.labs)))]
        unit = draw(st.sampled_from(lab.accepted_units))
        low, high = lab.plausible
        value = draw(st.floats(min_value=max(low, 0), max_value=min(high, 1e6), allow_nan=False))
        shown = round(lab.from_default(value, unit), 6)
        if lab.to_default(shown, unit) < low or lab.to_default(shown, unit) > high:
            continue
        out.append({"test": draw(st.sampled_from([lab.id, lab.loinc])), "value": shown, "unit": unit})
    return out


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    surgery = draw(st.dates(date(2015, 1, 1), date(2026, 10, 1)))
    visit = surgery + timedelta(days=draw(st.integers(0, 800)))
    birth = surgery - timedelta(days=draw(st.integers(18 * 365, 95 * 365)))
    measurements = {}
    for m in draw(st.lists(st.sampled_from(sorted(KB.measurements)), unique=True, max_size=7)):
        spec = KB.measurements[m]
        measurements[m] = draw(st.floats(spec.minimum, spec.maximum, allow_nan=False))
    meds = draw(
        st.lists(
            st.one_of(st.sampled_from(MED_NAMES), FREE_TEXT),
            max_size=6,
        )
    )
    orders = draw(
        st.dictionaries(st.sampled_from(sorted(KB.tests)), st.sampled_from(ORDER_STATES), max_size=4)
    )
    return {
        "format": "cramp-dx-case/1",
        "patient": {"mrn": "P1", "birth_date": birth.isoformat(), "sex": draw(st.sampled_from(SEXES))},
        "surgery": {
            "date": surgery.isoformat(),
            "procedure": draw(st.sampled_from(PROCEDURES)),
            "duration_hours": draw(st.floats(0.5, 12)),
        },
        "visit": {
            "date": visit.isoformat(),
            **({"symptom_side": draw(st.sampled_from(SIDES))} if draw(st.booleans()) else {}),
        },
        "findings": draw(findings()),
        "measurements": measurements,
        "labs": draw(labs()),
        "medications": [
            {"name": name, "status": draw(st.sampled_from(["taking", "tapering", "stopped"]))}
            for name in meds
        ],
        "orders": {k: {"state": v} for k, v in orders.items()},
    }


PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROFILE
@given(cases())
def test_any_valid_case_assesses_and_round_trips(data: dict[str, Any]) -> None:
    workup = parse_case(data)
    assessment = assess(workup)
    assert len(assessment.differential) == len(KB.differentials)
    assert parse_case(case_to_dict(workup)) == workup
    assessment.to_dict()


@PROFILE
@given(cases())
def test_urgent_items_always_precede_routine_ones(data: dict[str, Any]) -> None:
    assessment = assess(parse_case(data))
    urgent = [d.status == "urgent" for d in assessment.differential]
    assert urgent == sorted(urgent, reverse=True)
    # past the urgent block statuses are in order, except a cause placed directly above the
    # syndrome it explains (SPEC-2: `explains`)
    explained = {t for d in KB.differentials.values() for t in d.explains}
    ranks = [STATUS_ORDER.index(d.status) for d in assessment.differential if d.id not in explained]
    causes = {d.id for d in KB.differentials.values() if d.explains}
    plain = [
        r
        for r, d in zip(ranks, [d for d in assessment.differential if d.id not in explained], strict=True)
        if d.id not in causes
    ]
    assert plain == sorted(plain)
    pointed = {did for flag in assessment.red_flags for did in flag.differentials}
    for d in assessment.differential:
        assert (d.status == "urgent") == (d.id in pointed)


def _supporting_findings() -> list[tuple[str, str]]:
    pairs = []
    for diff in KB.differentials.values():
        for rule in diff.support:
            if isinstance(rule.when, FindingCondition) and rule.when.expect:
                pairs.append((diff.id, rule.when.finding_id))
    return pairs


@PROFILE
@given(cases(), st.sampled_from(_supporting_findings()))
def test_adding_a_supporting_finding_never_lowers_the_score(
    data: dict[str, Any], pair: tuple[str, str]
) -> None:
    differential_id, finding_id = pair
    opposite = KB.findings[finding_id].opposite
    data["findings"].pop(finding_id, None)
    if opposite:
        data["findings"].pop(opposite, None)
    before = {d.id: d.score for d in assess(parse_case(data)).differential}[differential_id]
    data["findings"][finding_id] = True
    after = {d.id: d.score for d in assess(parse_case(data)).differential}[differential_id]
    assert after >= before


ONSET_CLOCKED = sorted(d.id for d in KB.differentials.values() if d.timing and d.timing.clock == "onset")


def _outside(window: Any) -> list[float]:
    days = []
    if window.start > 0:
        days.append(window.start / 2)
    if window.end is not None:
        days.append(window.end * 2 + 14)
    return days


@PROFILE
@given(cases(), st.sampled_from(ONSET_CLOCKED), st.data())
def test_an_onset_outside_the_window_never_raises_a_differential(
    data: dict[str, Any], differential_id: str, draw: st.DataObject
) -> None:
    window = KB.differentials[differential_id].timing
    assert window is not None
    inside = draw.draw(st.floats(window.start, window.end if window.end is not None else window.start + 400))
    data["findings"].pop("no_relief_since_surgery", None)
    scores = []
    for day in [inside, *_outside(window)]:
        data["measurements"]["onset_weeks_after_surgery"] = round(day / 7, 3)
        if day / 7 > KB.measurements["onset_weeks_after_surgery"].maximum:
            continue
        result = {d.id: d for d in assess(parse_case(data)).differential}[differential_id]
        scores.append((result.score, STATUS_ORDER.index(result.status)))
    for score, rank in scores[1:]:
        assert score <= scores[0][0]
        assert rank >= scores[0][1] or rank == STATUS_ORDER.index("urgent")


SURGERY_CLOCKED = sorted(d.id for d in KB.differentials.values() if d.timing and d.timing.clock == "surgery")


@pytest.mark.parametrize("differential_id", SURGERY_CLOCKED)
def test_a_visit_outside_the_window_never_raises_a_differential(differential_id: str) -> None:
    window = KB.differentials[differential_id].timing
    assert window is not None
    base = {
        "format": "cramp-dx-case/1",
        "surgery": {"date": "2020-01-01", "procedure": "fusion"},
        "visit": {"date": "2020-01-01"},
    }

    def score_on(day: float) -> float:
        visit = date(2020, 1, 1) + timedelta(days=int(day))
        case = {**base, "visit": {"date": visit.isoformat()}}
        return {d.id: d.score for d in assess(parse_case(case)).differential}[differential_id]

    inside = score_on(window.start)
    for day in _outside(window):
        assert score_on(day) <= inside


def test_an_unknown_onset_never_argues_that_symptoms_began_too_late() -> None:
    # muscle spasm: against after 182 days from onset; a visit at a year says nothing about when
    # the spasms began, while a recorded onset at a year does
    base = {
        "format": "cramp-dx-case/1",
        "surgery": {"date": "2020-01-01", "procedure": "discectomy"},
        "visit": {"date": "2021-01-05"},
        "findings": {"back_spasms": True},
    }
    unknown = {d.id: d for d in assess(parse_case(base)).differential}["postoperative_muscle_spasm"]
    known = {**base, "measurements": {"onset_weeks_after_surgery": 52}}
    late = {d.id: d for d in assess(parse_case(known)).differential}["postoperative_muscle_spasm"]
    assert not any(reason.startswith("Timing") for reason in unknown.against)
    assert any(reason.startswith("Timing") for reason in late.against)

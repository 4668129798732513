"""Score every differential, settle it by test results where they exist, and rank.

Ranking: status first (urgent, confirmed, supported, possible, less likely, excluded); within a
status, differentials with the patient's own evidence before those resting on timing or the
operation alone; then score; then the weight of patient evidence (ties are broken by the patient,
never by file order). A red flag pointing at a differential makes it urgent, so red flags are
never ranked below routine items. A cause declared to `explain` a syndrome ranks directly above
it when both are supported.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cramp_dx.engine.facts import Facts
from cramp_dx.engine.result import STATUS_ORDER, DifferentialResult, RedFlag
from cramp_dx.knowledge import Knowledge
from cramp_dx.knowledge.model import Codes, Differential

STATUS_RANK = {status: rank for rank, status in enumerate(STATUS_ORDER)}
BACKED = ("urgent", "confirmed", "supported")


@dataclass(eq=False)  # compared by identity when the ranking moves a cause
class Scored:
    """A differential as scored, with what the next-test ordering needs to know."""

    result: DifferentialResult
    definition: Differential
    open_tests: list[str]  # settling tests whose result is not known yet
    note_tests: list[str]
    evidence_weight: float = 0.0  # support from the patient's findings, labs, measurements, drugs
    evidence_items: int = 0


def _med_rule(
    diff: Differential, target: str, weight: float, cap: float | None, facts: Facts
) -> tuple[float, list[str]]:
    total = 0.0
    reasons = []
    for med, matches in facts.med_matches:
        for match in matches:
            # a drug whose harm is its withdrawal counts only while tapered or after stopping
            if match.med_class.withdrawal and (med.status or "taking") == "taking":
                continue
            if match.med_class.flag and target in match.med_class.differentials:
                total += weight
                reasons.append(f"{med.name} ({match.med_class.label}: {match.med_class.concern})")
                break
    if cap is not None:
        total = min(total, cap)
    return total, reasons


def _timing(diff: Differential, facts: Facts) -> tuple[float, list[str], list[str]]:
    """Support or against from the onset window; (score change, supporting, against)."""
    window = diff.timing
    if window is None:
        return 0.0, [], []
    onset = facts.derived("onset_days_after_surgery") if window.clock == "onset" else None
    # with the onset unknown the visit is only an upper bound on it: "too early" still holds,
    # "too late" does not (the symptoms may have begun long before this visit)
    bound_only = window.clock == "onset" and onset is None
    if onset is not None:
        day, what = onset, f"symptoms began on day {onset:g} after surgery"
    else:
        day = float(facts.days)
        what = f"day {facts.days} after surgery" + (
            " (onset not recorded: the visit is used)" if bound_only else ""
        )
    if window.inside(day):
        return window.support, [f"Timing fits: {what} (typical onset {window.window_text()})"], []
    too_late = window.against_after is not None and day > window.against_after
    if window.argues_against(day) and not (bound_only and too_late):
        return -window.against, [], [f"Timing: {what}, outside the typical onset ({window.window_text()})"]
    return 0.0, [], []


def score_differential(diff: Differential, facts: Facts, kb: Knowledge, urgent_because: list[str]) -> Scored:
    score = 0.0
    evidence = 0.0
    items = 0
    supporting: list[str] = []
    against: list[str] = []
    for rule in diff.support:
        if rule.each_med_for is not None:
            gained, reasons = _med_rule(diff, rule.each_med_for, rule.weight, rule.max_weight, facts)
            score += gained
            evidence += gained
            items += len(reasons)
            supporting.extend(reasons)
            continue
        assert rule.when is not None
        out = rule.when.evaluate(facts, kb)
        if out.state:
            score += rule.weight
            supporting.extend(out.reasons)
            if out.evidence:
                evidence += rule.weight
                items += 1
    for rule in diff.against:
        assert rule.when is not None
        out = rule.when.evaluate(facts, kb)
        if out.state:
            score -= rule.weight
            against.extend(out.reasons)
    change, timing_for, timing_against = _timing(diff, facts)
    if change <= 0 or evidence > 0 or urgent_because:
        # timing alone never supports (SPEC-2 review #6): a window only adds to patient evidence
        score += change
        supporting.extend(timing_for)
    against.extend(timing_against)

    confirmed = excluded = False
    open_tests: list[str] = []
    for settle in diff.settle:
        pos = settle.positive.evaluate(facts, kb) if settle.positive else None
        neg = settle.negative.evaluate(facts, kb) if settle.negative else None
        if pos is not None and pos.state:
            confirmed = True
            supporting.insert(0, f"{kb.tests[settle.test].name}: {settle.positive_means}")
        elif neg is not None and neg.state:
            excluded = True
            against.insert(0, f"{kb.tests[settle.test].name}: {settle.negative_means}")
        elif pos is None and neg is None:
            if not facts.test_done(settle.test):
                open_tests.append(settle.test)
        elif (pos is None or pos.state is None) and (neg is None or neg.state is None):
            open_tests.append(settle.test)

    notes: list[str] = []
    note_tests: list[str] = []
    for note in diff.notes:
        if note.when.evaluate(facts, kb).state:
            notes.append(note.text)
            if note.test:
                note_tests.append(note.test)

    has_evidence = evidence > 0 or confirmed or bool(urgent_because)
    if urgent_because:
        status = "urgent"
        supporting = [f"Red flag: {title}" for title in urgent_because] + supporting
    elif confirmed:
        status = "confirmed"
    elif excluded:
        status = "excluded"
    elif score >= kb.supported_at:
        status = "supported"
    elif score >= kb.possible_at:
        status = "possible"
    else:
        status = "less_likely"
    if status == "supported" and not has_evidence:
        status = "possible"
        against.append(
            "Only timing or the kind of operation supports it so far: no finding, lab or measurement"
        )
    held = diff.hold_low_until is not None and status in ("supported", "possible")
    if held and not diff.hold_low_until.evaluate(facts, kb).state:  # type: ignore[union-attr]
        status = "less_likely"
        against.append(diff.hold_low_text or "Held low until the rest is assessed")

    codes, code_note = _code(diff, facts, kb)
    result = DifferentialResult(
        id=diff.id,
        name=diff.name,
        icd10=" + ".join(codes),
        icd10_note=code_note,
        icd10_codes=codes,
        category=diff.category,
        status=status,
        score=score,
        supporting=tuple(dict.fromkeys(supporting)),
        against=tuple(dict.fromkeys(against)),
        settled_by=diff.settled_by,
        basis=diff.basis,
        settle_notes=tuple(notes),
        references=diff.citations,
        patient_evidence=has_evidence,
    )
    return Scored(result, diff, open_tests, note_tests, evidence, items)


def _code(diff: Differential, facts: Facts, kb: Knowledge) -> tuple[Codes, str | None]:
    """The ICD-10-CM code(s) shown and why: the first `icd10_when` choice that holds, else the
    default; either resolved to the symptom side when it has `laterality`. A header without
    the side gets "laterality not recorded", another header its `also_codes`; the default code
    its `icd10_note` (what it assumes)."""
    side = facts.workup.visit.symptom_side
    for choice in diff.icd10_when:
        chosen = choice.when.evaluate(facts, kb)
        if chosen.state:
            codes, side_note = choice.code_for_side(side)
            coded = "coded for: " + "; ".join(chosen.reasons)
            return codes, f"{coded}; {side_note}" if side_note else coded
    codes, side_note = diff.code_for_side(side)
    note: str | None = side_note
    if note is None and codes[-1].endswith("-") and diff.also_codes:
        note = diff.also_codes
    if diff.icd10_note:
        note = f"{note}; {diff.icd10_note}" if note else diff.icd10_note
    return codes, note


def _rank_key(s: Scored) -> tuple[int, bool, float, float, int, bool, str]:
    return (
        STATUS_RANK[s.result.status],
        not s.result.patient_evidence,
        -s.result.score,
        -s.evidence_weight,
        -s.evidence_items,
        s.result.category != "urgent",
        s.result.name,
    )


def _explains(cause: Scored, syndrome: Scored) -> bool:
    """Whether a cause takes its place above a syndrome: both supported (or better), or both
    equally likely and still in play (a statin myopathy above a generic drug effect)."""
    c, s = cause.result.status, syndrome.result.status
    if c in BACKED and s in BACKED:
        return True
    return (
        s in ("possible", "supported") and STATUS_RANK[c] <= STATUS_RANK[s] and cause.result.patient_evidence
    )


def _place_causes(scored: list[Scored]) -> list[Scored]:
    """Move a cause directly above the syndrome it `explains` when both are in play, and say so."""
    for cause in [s for s in scored if s.definition.explains]:
        for target in cause.definition.explains:
            syndrome = next((s for s in scored if s.result.id == target), None)
            if syndrome is None or not _explains(cause, syndrome):
                continue
            because = f"Explains {syndrome.result.name.lower()}"
            if syndrome.result.status == "confirmed":
                # the syndrome's confirming result, e.g. "polyneuropathy on nerve conduction"
                confirmation = syndrome.result.supporting[0].split(": ", 1)[-1].rstrip(".")
                because += f": {confirmation[:1].lower()}{confirmation[1:]}"
            cause.result = replace(cause.result, supporting=(because, *cause.result.supporting))
            outranks_flag = syndrome.result.status == "urgent" and cause.result.status != "urgent"
            if scored.index(cause) > scored.index(syndrome) and not outranks_flag:
                scored.remove(cause)
                scored.insert(scored.index(syndrome), cause)
    return scored


def rank_differentials(facts: Facts, kb: Knowledge, red_flags: list[RedFlag]) -> list[Scored]:
    pointed: dict[str, list[str]] = {}
    for flag in red_flags:
        for did in flag.differentials:
            pointed.setdefault(did, [])
            if flag.title not in pointed[did]:
                pointed[did].append(flag.title)
    scored = [score_differential(d, facts, kb, pointed.get(d.id, [])) for d in kb.differentials.values()]
    scored.sort(key=_rank_key)
    return _place_causes(scored)

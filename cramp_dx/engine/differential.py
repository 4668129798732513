"""Score every differential, settle it by test results where they exist, and rank.

Ranking: status first (urgent, confirmed, supported, possible, less likely, excluded), then
score, then the urgent category, then the knowledge base's order. A red flag pointing at a
differential makes it urgent, so red flags are never ranked below routine items.
"""

from __future__ import annotations

from dataclasses import dataclass

from cramp_dx.engine.facts import Facts
from cramp_dx.engine.result import STATUS_ORDER, DifferentialResult, RedFlag
from cramp_dx.knowledge import Knowledge
from cramp_dx.knowledge.model import Differential

STATUS_RANK = {status: rank for rank, status in enumerate(STATUS_ORDER)}


@dataclass
class Scored:
    """A differential as scored, with what the next-test ordering needs to know."""

    result: DifferentialResult
    definition: Differential
    open_tests: list[str]  # settling tests whose result is not known yet
    note_tests: list[str]


def _med_rule(
    diff: Differential, target: str, weight: float, cap: float | None, facts: Facts
) -> tuple[float, list[str]]:
    total = 0.0
    reasons = []
    for med, matches in facts.med_matches:
        for match in matches:
            if match.med_class.flag and target in match.med_class.differentials:
                total += weight
                reasons.append(f"{med.name} ({match.med_class.label}: {match.med_class.concern})")
                break
    if cap is not None:
        total = min(total, cap)
    return total, reasons


def score_differential(diff: Differential, facts: Facts, kb: Knowledge, urgent_because: list[str]) -> Scored:
    score = 0.0
    supporting: list[str] = []
    against: list[str] = []
    for rule in diff.support:
        if rule.each_med_for is not None:
            gained, reasons = _med_rule(diff, rule.each_med_for, rule.weight, rule.max_weight, facts)
            score += gained
            supporting.extend(reasons)
            continue
        assert rule.when is not None
        out = rule.when.evaluate(facts, kb)
        if out.state:
            score += rule.weight
            supporting.extend(out.reasons)
    for rule in diff.against:
        assert rule.when is not None
        out = rule.when.evaluate(facts, kb)
        if out.state:
            score -= rule.weight
            against.extend(out.reasons)

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
            if not facts.test_has_results(settle.test):
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
    held = diff.hold_low_until is not None and status in ("supported", "possible")
    if held and not diff.hold_low_until.evaluate(facts, kb).state:  # type: ignore[union-attr]
        status = "less_likely"
        against.append(diff.hold_low_text or "Held low until the rest is assessed")

    code, code_note = diff.code_for_side(facts.workup.visit.symptom_side)
    if code_note is None and code.endswith("-") and diff.also_codes:
        code_note = diff.also_codes
    result = DifferentialResult(
        id=diff.id,
        name=diff.name,
        icd10=code,
        icd10_note=code_note,
        category=diff.category,
        status=status,
        score=score,
        supporting=tuple(dict.fromkeys(supporting)),
        against=tuple(dict.fromkeys(against)),
        settled_by=diff.settled_by,
        basis=diff.basis,
        settle_notes=tuple(notes),
    )
    return Scored(result, diff, open_tests, note_tests)


def rank_differentials(facts: Facts, kb: Knowledge, red_flags: list[RedFlag]) -> list[Scored]:
    pointed: dict[str, list[str]] = {}
    for flag in red_flags:
        for did in flag.differentials:
            pointed.setdefault(did, [])
            if flag.title not in pointed[did]:
                pointed[did].append(flag.title)
    scored = [score_differential(d, facts, kb, pointed.get(d.id, [])) for d in kb.differentials.values()]
    scored.sort(
        key=lambda s: (
            STATUS_RANK[s.result.status],
            -s.result.score,
            s.result.category != "urgent",
            s.definition.order,
        )
    )
    return scored

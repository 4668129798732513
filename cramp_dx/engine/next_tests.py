"""Which tests to suggest next (SPEC-2 section 6): the tests of fired red flags first, emergency
before urgent, in the order each flag lists them; then by the support of the best-supported
differential a test would settle; burden (bloods before EMG before MRI) only breaks ties.

A test ordered or not indicated is not suggested. A test already done (its order says so, or a
result it yields is recorded) is not suggested again unless one of its `repeat` rules holds; then
it is marked as a repeat. Tests are suggested only for differentials with the patient's own
evidence: timing or the kind of operation alone never generates a test."""

from __future__ import annotations

from dataclasses import dataclass, field

from cramp_dx.engine.differential import Scored
from cramp_dx.engine.facts import Facts
from cramp_dx.engine.red_flags import SEVERITY_RANK
from cramp_dx.engine.result import NextTest, RedFlag, TestState
from cramp_dx.knowledge import Knowledge

SUGGEST_FOR = ("urgent", "supported", "possible")


@dataclass
class _Candidate:
    severity: int = len(SEVERITY_RANK)  # red-flag severity rank; past the end: no red flag
    position: int = 0  # where the flag lists the test
    support: float = float("-inf")
    settles: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def urgent(self) -> bool:
        return self.severity < len(SEVERITY_RANK) or self.support == float("inf")


def test_states(facts: Facts, kb: Knowledge) -> list[TestState]:
    out = []
    for test in kb.tests.values():
        order = facts.workup.orders.get(test.id)
        if order is not None:
            out.append(
                TestState(test.id, test.name, order.state, order.date.isoformat() if order.date else None)
            )
        elif facts.test_has_results(test.id):
            out.append(TestState(test.id, test.name, "results_recorded", None))
        else:
            out.append(TestState(test.id, test.name, "not_ordered", None))
    return out


def suggest_tests(
    facts: Facts, kb: Knowledge, scored: list[Scored], red_flags: list[RedFlag]
) -> list[NextTest]:
    candidates: dict[str, _Candidate] = {}

    def add(test_id: str, support: float, settles: str | None, reason: str) -> _Candidate:
        entry = candidates.setdefault(test_id, _Candidate())
        entry.support = max(entry.support, support)
        if settles and settles not in entry.settles:
            entry.settles.append(settles)
        if reason not in entry.reasons:
            entry.reasons.append(reason)
        return entry

    for flag in red_flags:
        rank = SEVERITY_RANK.get(flag.severity, len(SEVERITY_RANK) - 1)
        for position, test_id in enumerate(flag.tests):
            entry = add(test_id, float("inf"), None, f"Red flag: {flag.title}")
            if (rank, position) < (entry.severity, entry.position):
                entry.severity, entry.position = rank, position
    for item in scored:
        result = item.result
        if result.status not in SUGGEST_FOR or not result.patient_evidence:
            continue
        for test_id in item.open_tests + item.note_tests:
            support = float("inf") if result.status == "urgent" else result.score
            add(test_id, support, result.id, f"{result.name} ({result.status.replace('_', ' ')})")

    out: list[tuple[_Candidate, str, str | None]] = []
    for test_id, entry in candidates.items():
        order = facts.workup.orders.get(test_id)
        if order is not None and order.state in ("ordered", "not_indicated"):
            continue
        test = kb.tests[test_id]
        if test.only_when is not None and not test.only_when.evaluate(facts, kb).state:
            continue
        repeat = None
        if facts.test_done(test_id):
            repeat = next((r.text for r in test.repeat if r.when.evaluate(facts, kb).state), None)
            if repeat is None:
                continue
        out.append((entry, test_id, repeat))
    out.sort(
        key=lambda row: (
            not row[0].urgent,
            row[0].severity,
            row[0].position,
            -row[0].support,
            kb.tests[row[1]].burden,
            kb.tests[row[1]].name,
        )
    )
    return [
        NextTest(
            test_id,
            kb.tests[test_id].name,
            tuple(entry.settles),
            "; ".join(([repeat] if repeat else []) + entry.reasons[:3])
            + (" …" if len(entry.reasons) > 3 else "")
            + _caveat(facts, kb, test_id),
            entry.urgent,
            repeat is not None,
        )
        for entry, test_id, repeat in out
    ]


def _caveat(facts: Facts, kb: Knowledge, test_id: str) -> str:
    """A test whose result is expected to be raised this soon after surgery says so whenever
    it is suggested (the post-operative D-dimer caveat), not only once a raised result is in."""
    window = kb.tests[test_id].raised_after_surgery
    return f". {window.note}" if window is not None and facts.days <= window.within_days else ""

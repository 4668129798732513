"""Which tests to suggest next, in SPEC.md section 8's order: red-flag tests first; then by the
support of the best-supported differential a test would settle; then by burden (bloods before
EMG before MRI). A test ordered, done or not indicated is not suggested again."""

from __future__ import annotations

from cramp_dx.engine.differential import Scored
from cramp_dx.engine.facts import Facts
from cramp_dx.engine.result import NextTest, RedFlag, TestState
from cramp_dx.knowledge import Knowledge

SUGGEST_FOR = ("urgent", "supported", "possible")


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
    # test id -> [urgent?, best support, settles (differential ids), reason parts]
    candidates: dict[str, dict] = {}

    def add(test_id: str, urgent: bool, support: float, settles: str | None, reason: str) -> None:
        entry = candidates.setdefault(
            test_id, {"urgent": False, "support": float("-inf"), "settles": [], "reasons": []}
        )
        entry["urgent"] = entry["urgent"] or urgent
        entry["support"] = max(entry["support"], support)
        if settles and settles not in entry["settles"]:
            entry["settles"].append(settles)
        if reason not in entry["reasons"]:
            entry["reasons"].append(reason)

    for flag in red_flags:
        for test_id in flag.tests:
            add(test_id, True, float("inf"), None, f"Red flag: {flag.title}")
    for item in scored:
        result = item.result
        if result.status not in SUGGEST_FOR:
            continue
        urgent = result.status == "urgent"
        for test_id in item.open_tests + item.note_tests:
            support = float("inf") if urgent else result.score
            add(test_id, urgent, support, result.id, f"{result.name} ({result.status.replace('_', ' ')})")

    out = []
    for test_id, entry in candidates.items():
        order = facts.workup.orders.get(test_id)
        if order is not None and order.state != "not_ordered":
            continue
        test = kb.tests[test_id]
        if test.only_when is not None and not test.only_when.evaluate(facts, kb).state:
            continue
        out.append((entry, test))
    position = {test_id: index for index, test_id in enumerate(kb.tests)}
    out.sort(
        key=lambda pair: (not pair[0]["urgent"], -pair[0]["support"], pair[1].burden, position[pair[1].id])
    )
    return [
        NextTest(
            test.id,
            test.name,
            tuple(entry["settles"]),
            "; ".join(entry["reasons"][:3]) + (" …" if len(entry["reasons"]) > 3 else ""),
            entry["urgent"],
        )
        for entry, test in out
    ]

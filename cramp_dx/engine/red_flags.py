"""Red-flag rules: which fire, why, and which could not be checked for lack of data."""

from __future__ import annotations

from cramp_dx.engine.facts import Facts
from cramp_dx.engine.result import RedFlag, RedFlagCheck
from cramp_dx.knowledge import Knowledge
from cramp_dx.knowledge.model import RedFlagRule

SEVERITY_RANK = {"emergency": 0, "urgent": 1}


def _critical_labs(rule: RedFlagRule, facts: Facts) -> tuple[list[RedFlag], RedFlagCheck]:
    flags = []
    for lab_value in facts.labs.values():
        action = lab_value.lab.critical_action(lab_value.value)
        if action is None:
            continue
        lab = lab_value.lab
        limits = []
        if lab.critical_low is not None:
            limits.append(f"< {lab.critical_low:g}")
        if lab.critical_high is not None:
            limits.append(f"> {lab.critical_high:g}")
        if lab.critical_at_least is not None:
            limits.append(f"≥ {lab.critical_at_least:g}")
        note = f"; {lab.critical_note}" if lab.critical_note else ""
        action_note = f" {action.note}" if action.note else ""
        flags.append(
            RedFlag(
                id=rule.id,
                severity=action.severity,
                title=f"Critical lab: {lab.name}",
                message=f"{lab.name} {lab_value.display} is beyond the critical limit "
                f"({' or '.join(limits)} {lab.unit}{note}). {rule.message}{action_note}",
                because=(f"{lab.name} {lab_value.display}",),
                basis=rule.basis,
                differentials=(action.differential,) if action.differential else rule.differentials,
                tests=tuple(dict.fromkeys((*action.tests, *rule.tests))),
                references=rule.citations,
            )
        )
    check = RedFlagCheck(
        rule.id, rule.title, bool(flags), bool(facts.labs), () if facts.labs else ("lab values",)
    )
    return flags, check


def evaluate_red_flags(facts: Facts, kb: Knowledge) -> tuple[list[RedFlag], list[RedFlagCheck]]:
    fired: list[RedFlag] = []
    checks: list[RedFlagCheck] = []
    for rule in kb.red_flags.values():
        if rule.kind == "critical_lab":
            flags, check = _critical_labs(rule, facts)
            fired.extend(flags)
            checks.append(check)
            facts.red_flag_states[rule.id] = bool(flags)
            continue
        assert rule.when is not None
        out = rule.when.evaluate(facts, kb)
        state = out.state
        note = None
        if state and rule.cleared_by is not None:
            cleared = rule.cleared_by.evaluate(facts, kb)
            if cleared.state:
                state = False
                note = "cleared by: " + "; ".join(cleared.reasons)
        facts.red_flag_states[rule.id] = state
        checks.append(
            RedFlagCheck(
                rule.id,
                rule.title,
                bool(state),
                state is not None,
                tuple(dict.fromkeys(out.missing)) if state is None else (),
                note,
            )
        )
        if not state:
            continue
        because = list(out.reasons)
        if rule.strengthened_by is not None:
            stronger = rule.strengthened_by.evaluate(facts, kb)
            if stronger.state:
                because.extend(f"Stronger: {reason}" for reason in stronger.reasons)
        severity = rule.severity
        if rule.emergency_when is not None and severity != "emergency":
            escalate = rule.emergency_when.evaluate(facts, kb)
            if escalate.state:
                severity = "emergency"
                because.extend(f"Emergency: {reason}" for reason in escalate.reasons)
        fired.append(
            RedFlag(
                rule.id,
                severity,
                rule.title,
                rule.message,
                tuple(dict.fromkeys(because)),
                rule.basis,
                rule.differentials,
                rule.tests,
                rule.citations,
            )
        )
    fired.sort(key=lambda flag: SEVERITY_RANK.get(flag.severity, 9))
    return fired, checks

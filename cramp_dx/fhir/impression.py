"""The working differential as one ClinicalImpression.

Chosen over Conditions with verificationStatus "differential": a Condition is a claim about
the patient that receiving systems file on the problem list, while this is decision support
for a clinician. A ClinicalImpression keeps the whole reasoning together: red flags first,
then every differential in the engine's order, each with its status, score, reasons for and
against and the tests that would settle it (`finding.basis`), and the evidence it was built
from (`investigation`, `supportingInfo`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cramp_dx.case.model import Workup
from cramp_dx.engine.result import Assessment, DifferentialResult, RedFlag
from cramp_dx.fhir import systems
from cramp_dx.fhir.entries import annotation, coding, concept
from cramp_dx.fhir.icd10 import differential_concept, further_code_findings, resolve
from cramp_dx.knowledge import Knowledge

Ref = dict[str, str]

DISCLAIMER = "Decision support, not a diagnosis: the clinician decides."


def _test_names(ids: Sequence[str], kb: Knowledge) -> str:
    return ", ".join(kb.tests[t].name if t in kb.tests else t for t in ids)


def red_flag_finding(flag: RedFlag, acknowledged: bool) -> dict[str, Any]:
    basis = flag.message
    if flag.because:
        basis += " " + _sentence("Because", flag.because)
    if acknowledged:
        basis += " Acknowledged by the clinician (the flag stays)."
    basis += f" Rule basis: {flag.basis}"
    return {
        "itemCodeableConcept": concept(
            f"RED FLAG ({flag.severity}): {flag.title}", coding(systems.RED_FLAG, flag.id, flag.title)
        ),
        "basis": basis,
    }


def differential_finding(result: DifferentialResult, rank: int, total: int, kb: Knowledge) -> dict[str, Any]:
    parts = [f"Rank {rank} of {total}; status: {result.status.replace('_', ' ')}; score {result.score:g}."]
    if result.supporting:
        parts.append(_sentence("Supporting", result.supporting))
    if result.against:
        parts.append(_sentence("Against", result.against))
    if result.settled_by:
        parts.append("Settled by: " + _test_names(result.settled_by, kb) + ".")
    for note in result.settle_notes:
        parts.append(f"Note: {note}")
    coded = resolve(result)
    if coded.note:
        parts.append(f"ICD-10-CM ({result.icd10}): {coded.note}.")
    parts.append(f"Basis: {result.basis}")
    return {"itemCodeableConcept": differential_concept(result), "basis": " ".join(parts)}


def _headline(flag: RedFlag) -> str:
    return flag.message if flag.message.startswith(flag.title) else f"{flag.title}: {flag.message}"


def _sentence(label: str, items: Sequence[str]) -> str:
    return f"{label}: " + "; ".join(item.rstrip(". ") for item in items) + "."


def summary_text(assessment: Assessment, kb: Knowledge) -> str:
    """A reading of the assessment for a person, red flags first (as in the app and PDF)."""
    lines = []
    if assessment.red_flags:
        lines.append("RED FLAGS:")
        lines += [f"- [{f.severity.upper()}] {_headline(f)}" for f in assessment.red_flags]
    else:
        lines.append("Red flags: none found among the checks assessed.")
    unassessed = [c.title for c in assessment.red_flag_checks if not c.assessed]
    if unassessed:
        lines.append("Red-flag checks NOT assessed (missing data): " + "; ".join(unassessed) + ".")
    w = assessment.wells
    lines.append(f"Wells score {w.score}: {w.label}.")
    lines.append("Differential, most pressing first:")
    for rank, d in enumerate(assessment.differential, 1):
        lines.append(f"{rank}. {d.name} [{d.icd10}] — {d.status.replace('_', ' ')}")
    if assessment.next_tests:
        lines.append("Next tests: " + "; ".join(t.name for t in assessment.next_tests) + ".")
    lines.append(f"Weeks since surgery: {assessment.weeks_since_surgery:g}.")
    lines.append(DISCLAIMER)
    return "\n".join(lines)


def clinical_impression(
    workup: Workup,
    assessment: Assessment,
    kb: Knowledge,
    *,
    subject: Ref,
    encounter: Ref,
    completed: bool,
    assessor: str | None,
    when: datetime,
    investigations: dict[str, list[Ref]],
    supporting: list[Ref],
    plan_items: Sequence[str],
    addenda: Sequence[Any],
    acknowledged: Sequence[str],
) -> dict[str, Any]:
    total = len(assessment.differential)
    findings = [red_flag_finding(f, f.id in acknowledged) for f in assessment.red_flags]
    for rank, d in enumerate(assessment.differential, 1):
        findings.append(differential_finding(d, rank, total, kb))
        findings += further_code_findings(d)
    out: dict[str, Any] = {
        "resourceType": "ClinicalImpression",
        "status": "completed" if completed else "in-progress",
        "description": "Differential of leg cramps or leg pain after lumbar spine surgery. " + DISCLAIMER,
        "subject": subject,
        "encounter": encounter,
        "effectiveDateTime": workup.visit.date.isoformat(),
        "date": when.isoformat(timespec="seconds"),
    }
    if assessor:
        out["assessor"] = {"display": assessor}
    groups = [{"code": concept(name), "item": refs} for name, refs in investigations.items() if refs]
    if groups:
        out["investigation"] = groups
    out["protocol"] = [f"{systems.KNOWLEDGE}:{assessment.knowledge_version}"]
    out["summary"] = summary_text(assessment, kb)
    out["finding"] = findings
    if supporting:
        out["supportingInfo"] = supporting
    out["note"] = _notes(workup, assessment, kb, plan_items, addenda)
    return out


def _notes(
    workup: Workup, assessment: Assessment, kb: Knowledge, plan_items: Sequence[str], addenda: Sequence[Any]
) -> list[dict[str, str]]:
    notes = []
    if workup.visit.notes and workup.visit.notes.strip():
        notes.append(annotation(workup.visit.notes))  # exactly as written
    if plan_items:
        labels = [kb.plan_items[p].label if p in kb.plan_items else p for p in plan_items]
        notes.append(annotation("Management (clinician-selected): " + "; ".join(labels) + "."))
    if assessment.next_tests:
        notes.append(
            annotation(
                "Suggested next tests: " + "; ".join(f"{t.name} — {t.reason}" for t in assessment.next_tests)
            )
        )
    notes += [annotation(f"Warning: {w}") for w in assessment.warnings]
    notes += [annotation(f"Note: {n}") for n in assessment.notes]
    for addendum in addenda:
        at = getattr(addendum, "created_at", None) or getattr(addendum, "at", None)
        notes.append(
            annotation(
                addendum.text,
                author=getattr(addendum, "author", None),
                time=at.isoformat(timespec="seconds") if at else None,
            )
        )
    notes.append(annotation(DISCLAIMER))
    return notes

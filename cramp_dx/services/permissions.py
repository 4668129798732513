"""Who may do what. Enforced by the service layer for every call, whatever the UI shows.

nurse: intake — patient, surgery, visit context, history and comorbidity findings,
measurements (vitals), medications; may mark a visit ready for review; never signs.
physician: everything clinical, and signs. admin: accounts only (reads the trail)."""

from __future__ import annotations

from collections.abc import Iterable

from cramp_dx.case.model import Workup
from cramp_dx.services.changes import Change, SetFinding
from cramp_dx.services.errors import PermissionDenied
from cramp_dx.services.records import Account

CLINICAL_ROLES = frozenset({"nurse", "physician"})
NURSE_SECTIONS = frozenset({"patient", "surgery", "visit", "intake_finding", "measurement", "medication"})
SECTION_LABELS = {
    "patient": "patient details",
    "surgery": "the index surgery",
    "visit": "the visit details",
    "intake_finding": "history and comorbidities",
    "finding": "examination and test findings",
    "measurement": "measurements",
    "lab": "lab results",
    "medication": "medications",
    "order": "test orders",
    "plan": "management plan items",
    "acknowledgement": "red-flag acknowledgements",
}


def intake_domains() -> frozenset[str]:
    """The checklist domains a nurse may fill in: those findings.toml marks `intake = true`."""
    from cramp_dx.knowledge import load_knowledge

    return frozenset(domain_id for domain_id, domain in load_knowledge().domains.items() if domain.intake)


def finding_section(finding_id: str) -> str:
    from cramp_dx.knowledge import load_knowledge

    finding = load_knowledge().findings.get(finding_id)
    if finding is not None and finding.domain in intake_domains():
        return "intake_finding"
    return "finding"


def section_of(change: Change) -> str:
    if isinstance(change, SetFinding):
        return finding_section(change.finding_id)
    return change.section


def workup_sections(workup: Workup) -> set[str]:
    sections = {"patient", "surgery", "visit"}
    sections.update(finding_section(f) for f in workup.findings)
    if not workup.neuro_exam.is_empty():
        sections.add("finding")  # the examination is the physician's
    if workup.measurements:
        sections.add("measurement")
    if workup.labs:
        sections.add("lab")
    if workup.medications:
        sections.add("medication")
    if workup.orders:
        sections.add("order")
    return sections


def require_clinical(account: Account, doing: str) -> None:
    if account.role not in CLINICAL_ROLES:
        raise PermissionDenied(
            f"{account.username} ({account.role}) may not {doing}; a nurse or physician may"
        )


def require_physician(account: Account, doing: str) -> None:
    if account.role != "physician":
        raise PermissionDenied(f"{account.username} ({account.role}) may not {doing}; only a physician may")


def require_admin(account: Account, doing: str) -> None:
    if account.role != "admin":
        raise PermissionDenied(f"{account.username} ({account.role}) may not {doing}; only an admin may")


def require_sections(account: Account, sections: Iterable[str]) -> None:
    require_clinical(account, "edit clinical data")
    if account.role == "physician":
        return
    refused = sorted(set(sections) - NURSE_SECTIONS)
    if refused:
        labels = ", ".join(SECTION_LABELS.get(s, s) for s in refused)
        raise PermissionDenied(
            f"{account.username} (nurse) may not edit {labels}; a physician may. A nurse "
            "records the intake: patient, surgery, history, comorbidities, vitals, medications"
        )

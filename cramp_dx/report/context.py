"""What a report is built from: the workup, its assessment and the record's visit metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from reportlab.lib.pagesizes import A4, LETTER

from cramp_dx.case.model import Workup
from cramp_dx.engine.result import Assessment
from cramp_dx.settings import Letterhead

STATUSES = ("draft", "ready", "signed")
# The record's visit states → what the summary calls them.
_RECORD_STATUS = {"intake": "draft", "ready_for_review": "ready", "signed": "signed"}

PAGE_SIZES = {"letter": LETTER, "a4": A4}


@dataclass(frozen=True, slots=True)
class Addendum:
    """Text added after signing; it never replaces what was signed."""

    text: str
    author: str | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class VisitMeta:
    """What the record knows about the visit beyond the workup itself.

    `status` is draft / ready / signed; the record's own names (intake, ready_for_review)
    are accepted too. A case file printed from the CLI is a draft with no clinician.
    """

    status: str = "draft"
    clinician: str | None = None  # who builds the summary (the signed-in user)
    signed_by: str | None = None
    signer: str | None = None  # on an unsigned visit: the physician who will sign, if known
    signed_at: datetime | None = None
    plan_items: tuple[str, ...] = ()
    addenda: tuple[Addendum, ...] = ()
    acknowledged_red_flags: tuple[str, ...] = ()
    visit_id: str | None = None

    def __post_init__(self) -> None:
        status = _RECORD_STATUS.get(self.status, self.status)
        if status not in STATUSES:
            raise ValueError(f"status {self.status!r}; accepted: {', '.join(STATUSES)}")
        object.__setattr__(self, "status", status)


def _now() -> datetime:
    return datetime.now(UTC).astimezone()


@dataclass(frozen=True, slots=True)
class ReportContext:
    """Everything `build_report` needs; `kb` is the knowledge base the assessment used
    (labels for findings, domains, tests and plan items)."""

    workup: Workup
    assessment: Assessment
    kb: Any
    meta: VisitMeta = field(default_factory=VisitMeta)
    letterhead: Letterhead = field(default_factory=Letterhead)
    generated_at: datetime = field(default_factory=_now)
    page_size: str = "letter"

    def __post_init__(self) -> None:
        if self.page_size not in PAGE_SIZES:
            raise ValueError(f"page_size {self.page_size!r}; accepted: {', '.join(PAGE_SIZES)}")


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def meta_from_record(
    record: Any, *, clinician: str | None = None, signer: str | None = None
) -> VisitMeta:
    """VisitMeta from a services VisitRecord (read by attribute, so the record layer stays
    free to add fields). Addenda may be objects or dicts with text/author/at.

    `clinician` is who builds the summary (the signed-in user; without one, whoever opened
    the visit); `signer` the physician who will sign an unsigned visit (None: the signature
    block's name line stays blank, never the name of whoever edited it last)."""
    addenda = tuple(
        Addendum(
            text=str(_get(item, "text", "")),
            author=_get(item, "author") or _get(item, "author_name"),
            at=_get(item, "at") or _get(item, "created_at"),
        )
        for item in (_get(record, "addenda") or ())
    )
    signed_by = _get(record, "signed_by")
    return VisitMeta(
        status=str(_get(record, "status", "draft")),
        clinician=clinician or _get(record, "clinician"),
        signed_by=None if signed_by is None else str(signed_by),
        signer=signer,
        signed_at=_get(record, "signed_at"),
        plan_items=tuple(_get(record, "plan_items") or ()),
        addenda=addenda,
        acknowledged_red_flags=tuple(_get(record, "acknowledged_red_flags") or ()),
        visit_id=None if _get(record, "id") is None else str(_get(record, "id")),
    )

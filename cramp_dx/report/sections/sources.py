"""The published sources behind the red flags and differentials the summary reasons about,
numbered once at the end. Rows cite them as [n], so the ranking stays compact enough for the
most pressing items to start on the first page."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.platypus import Flowable

from cramp_dx.engine.result import Assessment, DifferentialResult
from cramp_dx.report.blocks import Overflow, para, section_start
from cramp_dx.report.context import ReportContext
from cramp_dx.report.styles import styles
from cramp_dx.report.text import clean, escape

TITLE = "Sources"


def cites_sources(item: DifferentialResult) -> bool:
    """A differential whose reasons are printed also prints its sources; the bare tail of the
    ranking does not."""
    return bool(item.references and (item.supporting or item.against))


def numbering(assessment: Assessment) -> dict[str, int]:
    """Each citation's number, in the order the summary first cites it (red flags, then the
    differential); a source cited twice keeps its first number."""
    numbers: dict[str, int] = {}
    cited = [*(f.references for f in assessment.red_flags)]
    cited += [d.references for d in assessment.differential if cites_sources(d)]
    for citations in cited:
        for citation in citations:
            numbers.setdefault(citation, len(numbers) + 1)
    return numbers


def cite(citations: Sequence[str], numbers: dict[str, int]) -> str:
    """Markup such as "Sources: [3] [4]" for a row."""
    return "<b>Sources:</b> " + " ".join(f"[{numbers[c]}]" for c in citations)


def build(ctx: ReportContext, width: float, overflow: Overflow) -> list[Flowable]:
    numbers = numbering(ctx.assessment)
    if not numbers:
        return []
    st = styles()
    lines = "<br/>".join(f"[{n}] {escape(clean(citation))}" for citation, n in numbers.items())
    return [*section_start(TITLE), para(lines, st.cell_small_muted)]

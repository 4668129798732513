"""Section 5: the ranked differential as tables whose header rows repeat across pages.

Items still in play (urgent, confirmed, supported, possible) get the full table; the tail of
the ranking (less likely, excluded) follows in a compact table with the same numbering and
the same facts, so the page shows what matters first without hiding anything. Under each row
whose reasons are printed, in small type, the numbers of its published sources (listed at the
end of the summary).
"""

from __future__ import annotations

from reportlab.platypus import CondPageBreak, Flowable

from cramp_dx.engine.result import STATUS_WORDS, DifferentialResult
from cramp_dx.report import labels
from cramp_dx.report.blocks import (
    HEADING_ROOM,
    Overflow,
    Paragraph,
    bullets,
    grid,
    para,
    section_start,
)
from cramp_dx.report.context import ReportContext
from cramp_dx.report.sections import medications, sources
from cramp_dx.report.styles import STATUS_COLOURS, styles
from cramp_dx.report.text import clean, escape

TITLE = "Differential, most pressing first"
INTRO = ("Decision support: what to consider, why, what argues against it, and which test "
         "would settle it. Not a diagnosis.")
LOWER_TITLE = "Less likely or excluded on what is recorded so far"
STATUS_LABELS = STATUS_WORDS
# Statuses whose rows also print the knowledge base's basis (why the item is on the list).
_SHOW_BASIS = {"urgent", "confirmed", "supported"}
_MUTED = {"excluded", "less_likely"}
_URGENT_FILL = "#fdecee"


def _is_detailed(item: DifferentialResult) -> bool:
    return item.status not in _MUTED


def _reference_notes(
    ranked: list[tuple[int, DifferentialResult]], numbers: dict[str, int]
) -> dict[int, Flowable]:
    """The numbers of the sources (listed at the end) under each row whose reasons are printed
    (a row with neither a supporting nor an against reason gets none)."""
    st = styles()
    return {
        row: para(sources.cite(item.references, numbers), st.cell_small_muted)
        for row, (_, item) in enumerate(ranked)
        if sources.cites_sources(item)
    }


def _split(ranked: list[tuple[int, DifferentialResult]]) -> int:
    """Rows before this index get the full table: up to the last item still in play, so the
    ranking stays contiguous across the two tables."""
    last = max((i for i, (_, item) in enumerate(ranked) if _is_detailed(item)), default=-1)
    return last + 1


def _name(item: DifferentialResult, *, basis: bool) -> str:
    markup = f"<b>{escape(clean(item.name))}</b>"
    if basis and item.status in _SHOW_BASIS and item.basis:
        markup += f'<br/><font size="7" color="#555555">{escape(clean(item.basis))}</font>'
    return markup


def _code(item: DifferentialResult) -> str:
    markup = escape(clean(item.icd10))
    if item.icd10_note:
        markup += f'<br/><font size="7" color="#555555">{escape(clean(item.icd10_note))}</font>'
    return markup


def _status(item: DifferentialResult) -> Paragraph:
    st = styles()
    base = st.cell_bold if item.status in ("urgent", "confirmed") else st.cell
    colour = STATUS_COLOURS.get(item.status)
    style = base.clone("status", textColor=colour) if colour is not None else base
    return Paragraph(escape(STATUS_LABELS.get(item.status, clean(item.status))), style)


def _settled(ctx: ReportContext, item: DifferentialResult, *, compact: bool) -> str:
    names = [labels.test_name(ctx.kb, t) for t in item.settled_by]
    markup = (escape("; ".join(names)) or "—") if compact else bullets(names)
    if item.settle_notes:
        notes = "<br/>".join(escape(clean(n)) for n in item.settle_notes)
        markup += f'<br/><font size="7" color="#555555">{notes}</font>'
    return markup


def _detailed_table(ctx: ReportContext, ranked: list[tuple[int, DifferentialResult]],
                    width: float) -> Flowable:
    st = styles()
    rows, extra = [], []
    for row, (rank, item) in enumerate(ranked, start=1):
        body = st.cell_muted if item.status in _MUTED else st.cell
        rows.append([
            Paragraph(str(rank), body),
            Paragraph(_name(item, basis=True), body),
            Paragraph(_code(item), body),
            _status(item),
            para(bullets(item.supporting), body),
            para(bullets(item.against), body),
            para(_settled(ctx, item, compact=False), body),
        ])
        if item.status == "urgent":
            extra.append(("BACKGROUND", (0, row), (-1, row), _URGENT_FILL))
    fractions = [0.035, 0.2, 0.105, 0.105, 0.21, 0.17, 0.175]
    return grid(
        ["#", "Differential", "ICD-10-CM", "Status", "Supporting", "Against", "Settled by"],
        rows, [width * f for f in fractions], extra=extra,
        notes=_reference_notes(ranked, sources.numbering(ctx.assessment)),
    )


def _compact_table(ctx: ReportContext, ranked: list[tuple[int, DifferentialResult]],
                   width: float) -> Flowable:
    st = styles()
    rows = [[
        Paragraph(str(rank), st.cell_muted),
        Paragraph(_name(item, basis=False), st.cell_muted),
        Paragraph(_code(item), st.cell_muted),
        _status(item),
        para(_for_against(item), st.cell_muted),
        para(_settled(ctx, item, compact=True), st.cell_muted),
    ] for rank, item in ranked]
    fractions = [0.035, 0.23, 0.13, 0.105, 0.28, 0.22]
    return grid(["#", "Differential", "ICD-10-CM", "Status", "For / against", "Settled by"],
                rows, [width * f for f in fractions],
                notes=_reference_notes(ranked, sources.numbering(ctx.assessment)))


def _for_against(item: DifferentialResult) -> str:
    parts = []
    if item.supporting:
        parts.append("<b>For:</b> " + "; ".join(escape(clean(s)) for s in item.supporting))
    if item.against:
        parts.append("<b>Against:</b> " + "; ".join(escape(clean(a)) for a in item.against))
    return "<br/>".join(parts) or "—"


def build(ctx: ReportContext, width: float, overflow: Overflow) -> list[Flowable]:
    st = styles()
    ranked = list(enumerate(ctx.assessment.differential, start=1))
    cut = _split(ranked)
    detailed, lower = ranked[:cut], ranked[cut:]
    intro = para(escape(INTRO), st.muted)
    out: list[Flowable] = [*section_start(TITLE), intro]
    if detailed:
        out.append(_detailed_table(ctx, detailed, width))
    if lower:
        out += [CondPageBreak(HEADING_ROOM),
                para(f"<b>{escape(LOWER_TITLE)}</b>", st.body.clone("lower", spaceBefore=6)),
                _compact_table(ctx, lower, width)]
    shown_with_medications = {message for _, message in medications.safety_warnings(ctx)}
    notes = [n for n in (*ctx.assessment.warnings, *ctx.assessment.notes)
             if clean(n) not in shown_with_medications]
    if notes:
        out += [*section_start("Points to note"), para(bullets(notes), st.body)]
    return out

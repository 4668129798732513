"""Section 11: the signature block — who signed and when; unsigned, lines to sign on, named
for the physician who will sign (when the one building the summary is that physician), else
blank: never the name of whoever edited the visit last."""

from __future__ import annotations

from reportlab.platypus import Flowable, KeepTogether, Table

from cramp_dx.report.blocks import Overflow, Paragraph, cell, heading, para
from cramp_dx.report.context import ReportContext
from cramp_dx.report.styles import key_value_table_style, styles
from cramp_dx.report.text import escape, fmt_datetime, literal

TITLE = "Signature"


def build(ctx: ReportContext, width: float, overflow: Overflow) -> list[Flowable]:
    st = styles()
    meta = ctx.meta
    if meta.status == "signed":
        signer = meta.signed_by or "unknown"
        body: list[Flowable] = [para(
            f"<b>Electronically signed</b> by <b>{literal(signer)}</b> on "
            f"{escape(fmt_datetime(meta.signed_at, empty='(time not recorded)'))}.", st.body)]
    else:
        state = "ready for review" if meta.status == "ready" else "draft"
        rule = "_" * 34
        lines = Table(
            [
                [Paragraph("Signature", st.label), Paragraph(rule, st.body)],
                [Paragraph("Name", st.label),
                 cell(meta.signer, overflow, "Signer", st.body, limit=200, empty=rule)],
                [Paragraph("Date", st.label), Paragraph(rule, st.body)],
            ],
            colWidths=[70, width - 70],
            hAlign="LEFT",
        )
        style = key_value_table_style()
        style.add("TOPPADDING", (0, 0), (-1, -1), 16)  # room to sign by hand
        style.add("VALIGN", (0, 0), (-1, -1), "BOTTOM")
        lines.setStyle(style)
        body = [para(f"<b>Not signed</b> ({escape(state)}). This summary is not final until "
                     "signed by the responsible clinician.", st.body), lines]
    return [KeepTogether([heading(TITLE), *body])]

"""Section 9: the checklist by domain — present / absent / not assessed — measurements, and
the neurological examination with its dermatome map and level check.

Declared opposites (`duplex_dvt_present` / `duplex_dvt_absent`) are one question: only the
side the user answered is listed, and an unanswered pair counts once as not assessed.
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable

from cramp_dx.report import labels, neuro_map
from cramp_dx.report.blocks import Overflow, Paragraph, grid, para, section_start
from cramp_dx.report.context import ReportContext
from cramp_dx.report.styles import styles
from cramp_dx.report.text import clean, escape, fmt_number, humanise

TITLE = "Checklist"
SEPARATOR = "; "  # labels may contain commas


def _sorted_findings(ctx: ReportContext) -> dict[str, dict[str, list[str]]]:
    """domain id → {"present": [...], "absent": [...], "not": [...]} labels in kb order."""
    kb, answers = ctx.kb, ctx.workup.findings
    findings: dict[str, Any] = dict(getattr(kb, "findings", {}) or {})
    domains: dict[str, dict[str, list[str]]] = {
        d: {"present": [], "absent": [], "not": []} for d in (getattr(kb, "domains", {}) or {})
    }
    seen: set[str] = set()
    for finding_id, finding in findings.items():
        if finding_id in seen:
            continue
        opposite = getattr(finding, "opposite", None)
        shown = finding_id
        if finding_id not in answers and opposite in answers:
            shown = opposite
        seen.update({finding_id, opposite} - {None})
        domain = getattr(findings.get(shown), "domain", None) or getattr(finding, "domain", "other")
        bucket = domains.setdefault(domain, {"present": [], "absent": [], "not": []})
        label = labels.finding(kb, shown)
        if shown not in answers:
            bucket["not"].append(label)
        else:
            bucket["present" if answers[shown] else "absent"].append(label)
    for finding_id, value in answers.items():
        if finding_id not in findings:  # an id this knowledge version does not know
            bucket = domains.setdefault("other", {"present": [], "absent": [], "not": []})
            bucket["present" if value else "absent"].append(humanise(finding_id))
    return domains


def _domain_label(kb: Any, domain_id: str) -> str:
    domain = (getattr(kb, "domains", {}) or {}).get(domain_id)
    return getattr(domain, "label", None) or humanise(domain_id)


def _measurements(ctx: ReportContext) -> str:
    kb = ctx.kb
    known = list(getattr(kb, "measurements", {}) or {})
    values = ctx.workup.measurements
    parts = []
    for measurement_id in [*known, *(m for m in values if m not in known)]:
        if measurement_id in values:
            label, unit = labels.measurement(kb, measurement_id)
            value = fmt_number(values[measurement_id])
            parts.append(f"{escape(label)} <b>{value}</b> {escape(unit)}".strip())
    missing = [labels.measurement(kb, m)[0] for m in known if m not in values]
    markup = "<b>Measurements:</b> " + ("; ".join(parts) if parts else "none recorded")
    if missing:
        markup += f'<br/><font color="#555555">Not measured: {escape(", ".join(missing))}</font>'
    return markup


def build(ctx: ReportContext, width: float, overflow: Overflow) -> list[Flowable]:
    st = styles()
    rows = []
    buckets = _sorted_findings(ctx)
    rows_text: list[tuple[int, int, int]] = []
    for domain_id, bucket in buckets.items():
        if not any(bucket.values()):
            continue
        rows_text.append(tuple(len(SEPARATOR.join(bucket[k])) for k in ("present", "absent", "not")))
        rows.append([
            Paragraph(escape(_domain_label(ctx.kb, domain_id)), st.cell_bold),
            Paragraph(escape(SEPARATOR.join(bucket["present"])) or "—", st.cell),
            Paragraph(escape(SEPARATOR.join(bucket["absent"])) or "—", st.cell),
            Paragraph(escape(SEPARATOR.join(bucket["not"])) or "—", st.cell_small_muted),
        ])
    fractions = _fractions(rows_text)
    out: list[Flowable] = [*section_start(TITLE), para(_measurements(ctx), st.body)]
    if rows:
        out.append(grid(["Domain", "Present", "Absent", "Not assessed"], rows,
                        [width * f for f in fractions]))
    out += neuro_map.build(ctx.workup, ctx.assessment, ctx.kb, width)
    already = {clean(n) for n in (*ctx.assessment.warnings, *ctx.assessment.notes)}
    out += [para(f"<b>{escape(_domain_label(ctx.kb, d))}:</b> {escape(note)}", st.muted)
            for d, note in _answered_domain_notes(ctx, buckets) if clean(note) not in already]
    return out


def _fractions(rows_text: list[tuple[int, int, int]]) -> tuple[float, ...]:
    """Column widths that follow the content: the column with most text gets most room
    (each at least 16%), so a mostly-absent or mostly-unassessed checklist stays short."""
    domain, floor = 0.14, 0.16
    totals = [sum(row[i] for row in rows_text) + 1 for i in range(3)]
    spare = 1 - domain - 3 * floor
    share = [floor + spare * t / sum(totals) for t in totals]
    return (domain, *share)


def _answered_domain_notes(
    ctx: ReportContext, buckets: dict[str, dict[str, list[str]]]
) -> list[tuple[str, str]]:
    """Domain notes (the NCV / small-fibre caveat) where something in the domain was answered."""
    out = []
    for domain_id, domain in (getattr(ctx.kb, "domains", {}) or {}).items():
        note = getattr(domain, "note", None)
        bucket = buckets.get(domain_id, {})
        if note and (bucket.get("present") or bucket.get("absent")):
            out.append((domain_id, note))
    return out

"""The neurological examination in the summary's checklist part: the dermatome map with the
marked areas and the derived root(s) outlined (the same drawing as the app's, from
resources/neuro/dermatome_map.svg), the level-check verdict with its reason, and the examined
signs in words."""

from __future__ import annotations

from typing import Any

from reportlab.graphics.shapes import Drawing, Polygon, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from cramp_dx.body_map import ROOT_COLOUR, STATE_COLOURS, STATE_LETTERS, body_map
from cramp_dx.case.model import NEURO_KINDS, NEURO_LABELS, NEURO_SIDES, NeuroExam
from cramp_dx.engine.result import VERDICT_TEXT
from cramp_dx.report.blocks import para
from cramp_dx.report.fonts import BOLD, REGULAR
from cramp_dx.report.styles import styles
from cramp_dx.report.text import escape

MAP_WIDTH = 120 * mm
KIND_TITLES = {"sensory": "Sensation", "strength": "Strength (MRC 0–5)", "reflexes": "Reflexes"}


def map_drawing(exam: NeuroExam, highlighted: set[tuple[str, str]], width: float = MAP_WIDTH) -> Drawing:
    """The map scaled to `width`: areas filled by their value (with its letter), the areas of
    the derived roots outlined in blue. ReportLab's y axis points up, the SVG's down."""
    shape = body_map()
    scale = width / shape.width
    height = shape.height * scale
    drawing = Drawing(width, height)

    def points(polygon: tuple[tuple[float, float], ...]) -> list[float]:
        return [v for x, y in polygon for v in (x * scale, height - y * scale)]

    for outline in shape.outlines:
        drawing.add(Polygon(points(outline), fillColor=colors.HexColor("#f4f4f4"),
                            strokeColor=colors.HexColor("#888888"), strokeWidth=0.6))
    for area in shape.areas:
        state = exam.get(area.side, "sensory", area.area)
        fill = colors.HexColor(STATE_COLOURS[state]) if isinstance(state, str) else colors.white
        drawing.add(Polygon(points(area.points), fillColor=fill, strokeColor=colors.HexColor("#555555"),
                            strokeWidth=0.5))
    for area in shape.areas:
        if (area.side, area.area) in highlighted:
            drawing.add(Polygon(points(area.points), fillColor=None,
                                strokeColor=colors.HexColor(ROOT_COLOUR), strokeWidth=2))
    for area in shape.areas:
        state = exam.get(area.side, "sensory", area.area)
        if isinstance(state, str):
            x, y = area.centre
            drawing.add(String(x * scale, height - y * scale - 3, STATE_LETTERS[state], fontName=BOLD,
                               fontSize=8, textAnchor="middle"))
    for label in shape.labels:
        drawing.add(String(label.x * scale, height - label.y * scale + 1, label.text, fontName=REGULAR,
                           fontSize=8, textAnchor="middle", fillColor=colors.HexColor("#333333")))
    return drawing


def _signs_text(exam: NeuroExam) -> list[str]:
    """One line per kind: each side's examined signs in words."""
    lines = []
    for kind in NEURO_KINDS:
        parts = []
        for side in NEURO_SIDES:
            values = getattr(exam.side(side), kind)
            if not values:
                continue
            shown = "; ".join(
                f"{NEURO_LABELS[kind][item]} {values[item]}" for item in NEURO_LABELS[kind] if item in values
            )
            parts.append(f"<i>{side}</i>: {escape(shown)}")
        if parts:
            lines.append(f"<b>{KIND_TITLES[kind]}</b> — " + " · ".join(parts))
    return lines


def build(workup: Any, assessment: Any, kb: Any, width: float) -> list[Flowable]:
    """The examination block, or a one-line note when nothing was examined."""
    st = styles()
    exam = getattr(workup, "neuro_exam", None)
    check = getattr(assessment, "level_check", None)
    if exam is None or check is None or exam.is_empty():
        return [para("<b>Neurological examination:</b> not recorded (no level check).", st.muted)]
    highlighted: set[tuple[str, str]] = set()
    for root in check.roots:
        highlighted |= {(root.side, area) for area in kb.neuro.areas_of(root.root)}
    verdict = VERDICT_TEXT.get(check.verdict, check.verdict)
    roots = ", ".join(f"{r.root} ({r.side})" for r in check.roots) or "none named"
    levels = ", ".join(check.operated_levels) or "not recorded"
    block: list[Flowable] = [
        para("<b>Neurological examination and level check</b>", st.body),
        map_drawing(exam, highlighted, min(MAP_WIDTH, width)),
        Spacer(1, 3),
        para("N normal · R reduced · A absent · P painful (pain radiates there) · blue outline: the "
             "areas of the derived root", st.muted),
        para(f"<b>Level check: {escape(verdict)}</b> — root: {escape(roots)}; operated: {escape(levels)}. "
             f"{escape(check.because)}", st.body),
    ]
    block += [para(line, st.small) for line in _signs_text(exam)]
    return [KeepTogether(block)]

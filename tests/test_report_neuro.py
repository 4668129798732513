"""The neurological examination in the PDF summary (issue 14): the dermatome map with the
marked areas and the level-check verdict in the checklist part, read back from the PDF."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from reportlab.graphics.shapes import Drawing, Polygon, String
from support.report import example_context, flat, page_texts

from cramp_dx.case.model import NeuroExam
from cramp_dx.engine import assess
from cramp_dx.knowledge import load_knowledge
from cramp_dx.report import build_report
from cramp_dx.report.fonts import BOLD
from cramp_dx.report.neuro_map import map_drawing


def text_of(ctx, tmp_path: Path) -> str:
    return flat("\n".join(page_texts(build_report(ctx, tmp_path / "summary.pdf"))))


def test_the_verdict_and_the_signs_are_read_back_from_the_checklist_part(tmp_path):
    text = text_of(example_context("ex4-wrong-level"), tmp_path)
    checklist = text.index("Checklist")
    block = text.index("Neurological examination and level check")
    plan = text.index("Plan and notes")
    assert checklist < block < plan
    assert "Level check: Does not match the operated levels" in text
    assert "root: S1 (left); operated: L4-L5" in text
    assert "no operated level affects S1: L4-L5 affects L5 (traversing) and L4 (exiting)" in text
    assert "ankle reflex absent" in text and "ankle plantar flexion 4" in text
    assert "Front" in text[block:plan] and "Back" in text[block:plan]


def test_a_matching_level_prints_its_own_verdict(tmp_path):
    ctx = example_context("ex4-wrong-level")
    workup = replace(ctx.workup, surgery=replace(ctx.workup.surgery, levels=("L5-S1",)))
    ctx = replace(ctx, workup=workup, assessment=assess(workup, load_knowledge()))
    text = text_of(ctx, tmp_path)
    assert "Level check: Matches the operated level" in text
    assert "Does not match" not in text


def test_without_an_examination_the_summary_says_so(tmp_path):
    text = text_of(example_context("ex1-diuretic-cramps"), tmp_path)
    assert "Neurological examination: not recorded (no level check)." in text


def test_the_map_marks_each_area_by_its_value_and_outlines_the_root():
    exam = NeuroExam().with_sign("left", "sensory", "sole", "absent").with_sign(
        "right", "sensory", "groin", "painful")
    drawing = map_drawing(exam, {("left", "sole"), ("left", "lateral_foot")})
    assert isinstance(drawing, Drawing)
    letters = sorted(s.text for s in drawing.contents if isinstance(s, String) and s.fontName == BOLD)
    assert letters == ["A", "P"]
    outlined = [p for p in drawing.contents if isinstance(p, Polygon) and p.fillColor is None]
    assert len(outlined) == 2
    areas = [p for p in drawing.contents if isinstance(p, Polygon) and p.fillColor is not None]
    assert len(areas) == 4 + 24  # four leg outlines, twelve areas a side

"""Any case the format accepts prints: rows taller than a page split, a long lab series is laid
out row by row, and a case at every size and count limit prints in bounded time."""

from __future__ import annotations

import io
import re
import time
from datetime import date, timedelta
from pathlib import Path

from pypdf import PdfReader
from reportlab.lib.pagesizes import LETTER
from reportlab.platypus import SimpleDocTemplate
from support.limits import case_at_limits
from support.report import GENERATED, page_texts

from cramp_dx.casefile.io import parse_case
from cramp_dx.engine import assess
from cramp_dx.knowledge import load_knowledge
from cramp_dx.report import ReportContext, VisitMeta, build_report, render_pdf
from cramp_dx.report.blocks import grid, text
from cramp_dx.report.styles import styles

# Far above the benchmark's 5 s (benchmarks/bench_report.py), for a loaded test machine.
GENEROUS_SECONDS = 60


def _context(data: dict) -> ReportContext:
    kb = load_knowledge()
    workup = parse_case(data, kb)
    return ReportContext(workup, assess(workup, kb), kb, VisitMeta(status="draft"),
                         generated_at=GENERATED)


def test_a_table_row_taller_than_a_page_splits_across_pages() -> None:
    styles()
    tall = text(" ".join(f"w{i}" for i in range(6_000)))  # some 8 pages in a narrow column
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=LETTER).build([grid(["Item", "Text"], [["one", tall]], [60, 120])])
    pages = PdfReader(buffer).pages
    assert len(pages) > 2
    words = "".join(page.extract_text() for page in pages)
    assert "w0" in words and "w5999" in words


def test_two_hundred_results_of_one_lab_all_print(tmp_path: Path) -> None:
    visit = date(2026, 9, 14)
    days = [visit - timedelta(days=n) for n in range(200)]
    data = case_at_limits()
    data.update(medications=[], labs=[
        {"test": "potassium", "value": 4.1, "unit": "mmol/L", "collected": day.isoformat()}
        for day in days
    ])
    data["visit"]["notes"] = "Potassium series."
    printed = "\n".join(page_texts(build_report(_context(data), tmp_path / "labs.pdf")))
    assert [day.isoformat() for day in days if day.isoformat() not in printed] == []


def test_a_case_at_every_limit_prints_in_bounded_time() -> None:
    ctx = _context(case_at_limits())
    start = time.perf_counter()
    pdf = render_pdf(ctx)
    assert time.perf_counter() - start < GENEROUS_SECONDS
    reader = PdfReader(io.BytesIO(pdf))
    last = reader.pages[-1].extract_text()
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in last
    # the whole summary got printed: the signature, then the numbered sources at the very end
    assert "Signature" in "".join(page.extract_text() for page in reader.pages[-3:])
    assert re.search(r"\[\d+\] ", last)

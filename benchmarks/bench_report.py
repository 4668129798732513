"""PDF summary speed: median time to build a full case's summary in-process (after import and
one warm-up), against a plain ReportLab document with the same number of paragraphs and
table rows built in the same run.

Targets (issue 4): ≤ 150 ms median, ≤ 3× the plain document.

    .venv/bin/python benchmarks/bench_report.py [--runs 30]
"""

from __future__ import annotations

import argparse
import io
import json
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cramp_dx.case.io import read_case  # noqa: E402
from cramp_dx.case.model import LabResult, Medication, Order  # noqa: E402
from cramp_dx.engine import assess  # noqa: E402
from cramp_dx.knowledge import load_knowledge  # noqa: E402
from cramp_dx.report import ReportContext, VisitMeta, build_report, render_pdf  # noqa: E402
from cramp_dx.report.build import story  # noqa: E402
from cramp_dx.settings import Letterhead  # noqa: E402

TARGET_MS = 150.0
TARGET_RATIO = 3.0


def full_context() -> ReportContext:
    """Example 1 filled out the way a complete workup would be: every finding of the first
    domains answered, a full lab panel (with earlier values), several medications, orders,
    plan items, notes and an addendum on a signed visit."""
    kb = load_knowledge()
    workup = read_case(ROOT / "tests" / "cases" / "ex1-diuretic-cramps.json")
    findings = dict(workup.findings)
    for number, finding_id in enumerate(kb.findings):
        findings.setdefault(finding_id, number % 3 == 0)
    for finding_id, finding in kb.findings.items():  # answer opposites consistently
        if finding.opposite and findings.get(finding_id) and findings.get(finding.opposite):
            findings[finding.opposite] = False
    labs = [*workup.labs,
            LabResult("potassium", 3.4, "mmol/L", date(2026, 8, 30)),
            LabResult("magnesium", 1.5, "mg/dL"), LabResult("calcium", 8.4, "mg/dL"),
            LabResult("albumin", 3.6, "g/dL"), LabResult("tsh", 5.2, "mIU/L"),
            LabResult("ck", 240, "U/L"), LabResult("vitamin_d", 18, "ng/mL"),
            LabResult("hemoglobin", 11.8, "g/dL"), LabResult("glucose", 104, "mg/dL"),
            LabResult("crp", 4, "mg/L")]
    meds = [*workup.medications, Medication("omeprazole", "20 mg daily", date(2023, 1, 1)),
            Medication("atorvastatin", "40 mg nightly"), Medication("sertraline", "50 mg"),
            Medication("baclofen", "10 mg", status="stopped", note="stopped abruptly last week")]
    workup = replace(
        workup,
        findings={k: v for k, v in findings.items()
                  if not (kb.findings[k].opposite and v is False
                          and findings.get(kb.findings[k].opposite) is False)},
        labs=tuple(labs),
        medications=tuple(meds),
        orders={"venous_duplex": Order("ordered", date(2026, 9, 14))},
        visit=replace(workup.visit, notes="Night cramps in both calves. " * 20),
    )
    return ReportContext(
        workup=workup,
        assessment=assess(workup, kb),
        kb=kb,
        meta=VisitMeta(status="signed", clinician="Dr A. Physiatrist",
                       signed_by="Dr A. Physiatrist", plan_items=tuple(list(kb.plan_items)[:5])),
        letterhead=Letterhead("Example Spine Rehabilitation Clinic", "1 Example Road, Town"),
    )


def walk(flowables: Iterable[object]) -> Iterable[object]:
    for item in flowables:
        yield item
        if isinstance(item, Table):
            for row in item._cellvalues:
                for value in row:
                    yield from walk(value if isinstance(value, list | tuple) else [value])


def counts(ctx: ReportContext) -> tuple[list[str], int]:
    """The texts of every Paragraph in the summary and its total number of table rows."""
    flow = story(ctx, LETTER[0] - 2 * 42.5)
    items = list(walk(flow))
    texts = [p.text for p in items if isinstance(p, Paragraph)]
    rows = sum(len(t._cellvalues) for t in items if isinstance(t, Table))
    return texts, rows


def plain_document(texts: list[str], rows: int) -> Callable[[], bytes]:
    """The same paragraphs (built-in Helvetica, no embedding, no page-of footer) and one
    table with as many five-column rows, repeated header."""
    body = getSampleStyleSheet()["BodyText"]

    def build() -> bytes:
        buffer = io.BytesIO()
        flow: list[Flowable] = [Paragraph(t, body) for t in texts]
        data = [["Name", "Code", "Status", "Supporting", "Against"]]
        data += [[f"Item {i}", "X00.0", "possible", "a reason", "another"] for i in range(rows)]
        flow.append(Table(data, repeatRows=1))
        SimpleDocTemplate(buffer, pagesize=LETTER).build(flow)
        return buffer.getvalue()

    return build


def median_ms(func: Callable[[], object], runs: int) -> float:
    func()  # warm-up (font registration, caches)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    parser.add_argument("--json", action="store_true", help="print rows as JSON (benchmarks/run_all.py)")
    args = parser.parse_args()
    if args.quick:
        args.runs = 10
    ctx = full_context()
    texts, rows = counts(ctx)
    pages = len(re.findall(rb"/Type /Page[^s]", render_pdf(ctx)))
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "summary.pdf"
        ours_file = median_ms(lambda: build_report(ctx, out), args.runs)
    ours = median_ms(lambda: render_pdf(ctx), args.runs)
    plain = median_ms(plain_document(texts, rows), args.runs)
    assess_ms = median_ms(lambda: assess(ctx.workup, ctx.kb), args.runs)
    ratio = ours / plain
    ok = ours <= TARGET_MS and ratio <= TARGET_RATIO
    if args.json:
        print(json.dumps([
            {"benchmark": f"report: build the PDF summary of a full case ({pages} pages), in-process",
             "value": round(ours, 1), "unit": "ms", "baseline": round(plain, 1), "ratio": round(ratio, 2),
             "target": f"≤ {TARGET_MS:.0f} ms and ≤ {TARGET_RATIO:.0f}× plain ReportLab",
             "ok": ok},
        ]))
        return 0
    print(f"full case: {len(texts)} paragraphs, {rows} table rows, "
          f"{len(ctx.assessment.differential)} differentials, {len(ctx.workup.labs)} labs")
    print(f"report render (in memory)  median {ours:7.1f} ms   target <= {TARGET_MS:.0f} ms")
    print(f"report build_report (file) median {ours_file:7.1f} ms   (atomic write + fsync)")
    print(f"plain ReportLab document   median {plain:7.1f} ms")
    print(f"ratio report / plain       {ratio:7.2f} x    target <= {TARGET_RATIO:.0f} x")
    print(f"(for reference: assess()   median {assess_ms:7.1f} ms; {pages} pages)")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

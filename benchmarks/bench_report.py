"""PDF summary speed: median time to build a full case's summary in-process (after import and
one warm-up), against a plain ReportLab document with the same number of paragraphs and
table rows built in the same run; and the summary of a case at every size and count limit
of the case format (tests/support/limits.py), the largest input accepted.

Targets (issue 4): ≤ 150 ms median, ≤ 3× the plain document. Issue 12: the case at the limits
in ≤ 5 s (median wall time; its CPU time is printed beside it).

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
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from support.limits import case_at_limits  # noqa: E402

from cramp_dx.case.model import LabResult, Medication, Order  # noqa: E402
from cramp_dx.casefile.io import parse_case, read_case  # noqa: E402
from cramp_dx.engine import assess  # noqa: E402
from cramp_dx.knowledge import load_knowledge  # noqa: E402
from cramp_dx.report import ReportContext, VisitMeta, build_report, render_pdf  # noqa: E402
from cramp_dx.report.build import story  # noqa: E402
from cramp_dx.settings import Letterhead  # noqa: E402

TARGET_MS = 150.0
TARGET_RATIO = 3.0
LIMITS_TARGET_MS = 5000.0


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


def limits_context() -> ReportContext:
    """The case at every limit (1,000 lab results, 200 medications with the longest name, dose
    and note, 20,000 characters of notes, ...), as a draft."""
    kb = load_knowledge()
    workup = parse_case(case_at_limits(kb), kb)
    return ReportContext(workup=workup, assessment=assess(workup, kb), kb=kb,
                         meta=VisitMeta(status="draft"),
                         letterhead=Letterhead("Example Spine Rehabilitation Clinic", "1 Example Road"))


def limits_times(ctx: ReportContext, runs: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds to render the summary (no warm-up beyond the first
    summary built by main)."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        render_pdf(ctx)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


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
    largest = limits_context()
    largest_pages = len(re.findall(rb"/Type /Page[^s]", render_pdf(largest)))
    limits_wall, limits_cpu = limits_times(largest, 1 if args.quick else 3)
    limits_plain = median_ms(plain_document(*counts(largest)), 1)
    limits_ok = limits_wall <= LIMITS_TARGET_MS
    if args.json:
        print(json.dumps([
            {"benchmark": f"report: build the PDF summary of a full case ({pages} pages), in-process",
             "value": round(ours, 1), "unit": "ms", "baseline": round(plain, 1), "ratio": round(ratio, 2),
             "target": f"≤ {TARGET_MS:.0f} ms and ≤ {TARGET_RATIO:.0f}× plain ReportLab",
             "ok": ok},
            {"benchmark": f"report: the summary of a case at every input limit ({largest_pages} pages; "
                          f"CPU {limits_cpu / 1000:.1f} s)",
             "value": round(limits_wall), "unit": "ms", "baseline": round(limits_plain),
             "ratio": round(limits_wall / limits_plain, 2),
             "target": f"≤ {LIMITS_TARGET_MS / 1000:.0f} s", "ok": limits_ok},
        ]))
        return 0
    print(f"full case: {len(texts)} paragraphs, {rows} table rows, "
          f"{len(ctx.assessment.differential)} differentials, {len(ctx.workup.labs)} labs")
    print(f"report render (in memory)  median {ours:7.1f} ms   target <= {TARGET_MS:.0f} ms")
    print(f"report build_report (file) median {ours_file:7.1f} ms   (atomic write + fsync)")
    print(f"plain ReportLab document   median {plain:7.1f} ms")
    print(f"ratio report / plain       {ratio:7.2f} x    target <= {TARGET_RATIO:.0f} x")
    print(f"(for reference: assess()   median {assess_ms:7.1f} ms; {pages} pages)")
    print(f"case at every limit        median {limits_wall:7.0f} ms   target <= {LIMITS_TARGET_MS:.0f} ms "
          f"(CPU {limits_cpu:.0f} ms; {largest_pages} pages; plain ReportLab {limits_plain:.0f} ms)")
    print("PASS" if ok and limits_ok else "FAIL")
    return 0 if ok and limits_ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Printing the summary: the PDF of a full case (7 pages) sent to a cups-pdf printer on a
private cupsd (tests/support/cups.py; needs root and the cups, cups-client and
printer-driver-cups-pdf packages), the way the app sends it (cramp_dx.report.printing.send_pdf).
Timed from the call to the job being spooled (lp returned with a job id); the spooled job's size
is compared with the PDF's.

    .venv/bin/python benchmarks/bench_print.py [--json] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def main() -> int:
    from support.cups import Unavailable, running_cups

    from cramp_dx.casefile.io import read_case
    from cramp_dx.engine import assess
    from cramp_dx.knowledge import load_knowledge
    from cramp_dx.report import ReportContext, build_report
    from cramp_dx.report.printing import PrintOptions, send_pdf

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    runs = 3 if args.quick else 8
    kb = load_knowledge()
    workup = read_case(ROOT / "tests" / "cases" / "ex2-early-swollen-calf.json", kb)
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "summary.pdf"
        build_report(ReportContext(workup, assess(workup, kb), kb), pdf)
        try:
            with running_cups() as cups:
                os.environ["CUPS_SERVER"] = str(cups.socket)
                seconds, sizes = [], []
                for _ in range(runs):
                    started = time.perf_counter()
                    job = send_pdf(pdf, PrintOptions(cups.printer, title="cramp_dx bench"))
                    seconds.append(time.perf_counter() - started)
                    sizes.append(sum(f.stat().st_size
                                     for f in cups.job_files(int(job.rsplit("-", 1)[1]))))
        except Unavailable as exc:
            if args.json:
                print(json.dumps([]))
            print(f"skipped: {exc}", file=sys.stderr)
            return 0
        spool_s, job_bytes, pdf_bytes = statistics.median(seconds), max(sizes), pdf.stat().st_size
    ratio = job_bytes / pdf_bytes
    if args.json:
        print(json.dumps([
            {"benchmark": "print: the summary PDF (7 pages) spooled on a cups-pdf printer (median)",
             "value": round(spool_s * 1000), "unit": "ms", "baseline": None, "ratio": None,
             "target": "≤ 2 s", "ok": spool_s <= 2},
            {"benchmark": "print: size of the spooled job against the PDF's",
             "value": job_bytes, "unit": "bytes", "baseline": pdf_bytes,
             "ratio": round(ratio, 2), "target": "≤ 3×", "ok": ratio <= 3},
        ]))
        return 0
    print(f"spooled in {spool_s * 1000:.0f} ms (median of {runs}); job {job_bytes:,} bytes for a "
          f"{pdf_bytes:,}-byte PDF ({ratio:.2f}×; targets <= 2 s and <= 3×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

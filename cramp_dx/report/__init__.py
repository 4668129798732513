"""The PDF workup summary a physiatrist signs and files (ReportLab; no Qt).

    from cramp_dx.report import ReportContext, VisitMeta, build_report
    build_report(ReportContext(workup, assessment, kb, meta, letterhead), "out.pdf")
"""

from cramp_dx.report.build import build_report, render_pdf
from cramp_dx.report.context import Addendum, ReportContext, VisitMeta, meta_from_record

__all__ = [
    "Addendum",
    "ReportContext",
    "VisitMeta",
    "build_report",
    "meta_from_record",
    "render_pdf",
]

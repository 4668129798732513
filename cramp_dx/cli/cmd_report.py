"""`cramp-dx report`: write the PDF workup summary of a case file or of a saved visit."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from cramp_dx.errors import InputError, Problem

if TYPE_CHECKING:  # imported lazily at run time: `cramp-dx --help` stays light
    from cramp_dx.case.model import Workup
    from cramp_dx.report import VisitMeta


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from cramp_dx.cli.record_access import add_emergency_option, add_login_options, visit_id

    parser.add_argument(
        "case",
        nargs="?",
        type=Path,
        metavar="CASE.json",
        help="case file to summarise (see CASE-FORMAT); or use --mrn",
    )
    parser.add_argument("--mrn", help="summarise a saved visit of the patient with this MRN")
    parser.add_argument(
        "--visit",
        type=visit_id,
        metavar="ID",
        help="the visit id with --mrn (default: the patient's latest visit)",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="OUT.pdf",
        help="PDF file to write (replaced atomically, readable by you only)",
    )
    parser.add_argument(
        "--page-size",
        choices=("letter", "a4"),
        default="letter",
        help="paper size (default: letter)",
    )
    add_login_options(parser)  # --database-url, --user, --password-stdin (for --mrn)
    add_emergency_option(parser)


def _check(args: argparse.Namespace) -> None:
    problems = []
    if args.case is None and not args.mrn:
        problems.append(Problem("CASE.json", "give a case file or --mrn"))
    if args.case is not None and args.mrn:
        problems.append(Problem("--mrn", "give either a case file or --mrn, not both"))
    if args.visit is not None and not args.mrn:
        problems.append(Problem("--visit", "only with --mrn"))
    if args.output.suffix.lower() != ".pdf":
        problems.append(Problem("--output", f"{args.output}: the file name must end in .pdf"))
    elif not args.output.expanduser().parent.is_dir():
        problems.append(Problem("--output", f"folder {args.output.parent} does not exist"))
    if problems:
        raise InputError(problems)


def run(args: argparse.Namespace) -> int:
    _check(args)
    path = _report_saved_visit(args) if args.mrn else _report_case(args)
    print(path)
    return 0


def _render(args: argparse.Namespace, workup: Workup, meta: VisitMeta) -> bytes:
    from cramp_dx.engine import assess
    from cramp_dx.knowledge import load_knowledge
    from cramp_dx.report import ReportContext, render_pdf
    from cramp_dx.settings import load_settings

    settings = load_settings()
    kb = load_knowledge()
    ctx = ReportContext(
        workup=workup,
        assessment=assess(workup, kb, lab_ranges=settings.lab_ranges or None),
        kb=kb,
        meta=meta,
        letterhead=settings.letterhead,
        page_size=args.page_size,
    )
    return render_pdf(ctx)


def _report_case(args: argparse.Namespace) -> Path:
    """A case file: printed as a draft with no clinician (nothing is saved or audited)."""
    from cramp_dx.casefile.io import read_case
    from cramp_dx.files import write_atomic
    from cramp_dx.knowledge import load_knowledge
    from cramp_dx.report import VisitMeta

    data = _render(args, read_case(args.case, load_knowledge()), VisitMeta(status="draft"))
    return write_atomic(args.output, data)


def _report_saved_visit(args: argparse.Namespace) -> Path:
    """A saved visit, signed in: the PDF carries the record's status, signer, plan items and
    addenda; the file appears only once its audit row is written."""
    from cramp_dx.cli.record_access import open_record, sign_in
    from cramp_dx.report import meta_from_record

    database = open_record(args)
    try:
        services = sign_in(args, database)
        record = services.visit_for(args.mrn, args.visit)
        account = services.account
        data = _render(args, record.workup, meta_from_record(
            record, clinician=account.display_name,
            signer=account.display_name if account.role == "physician" else None))
        path = services.write_pdf(record.id, args.output, data)
    finally:
        database.dispose()
    return path

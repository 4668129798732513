"""`cramp-dx export-fhir --mrn M [--visit ID] | --case CASE.json [-o bundle.json]`: a visit
as a FHIR R4 Bundle (JSON).

A saved visit is read through the service layer (signed in) and the export is written to the
audit trail before the file appears; the visit's latest recorded PDF is attached when it is
still on disk and unchanged. A case file is exported as a draft: nothing is saved or audited.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cramp_dx.errors import InputError, Problem

if TYPE_CHECKING:  # imported lazily at run time: `cramp-dx --help` stays light
    from cramp_dx.fhir import PdfDocument
    from cramp_dx.services import Services, VisitRecord

# a recorded PDF whose file changed this long after the record's PDF event was replaced since
_PDF_CHANGED_AFTER = timedelta(seconds=5)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from cramp_dx.cli.record_access import add_emergency_option, add_login_options, visit_id

    parser.add_argument("--mrn", help="export a saved visit of the patient with this MRN")
    parser.add_argument(
        "--visit", type=visit_id, metavar="ID", help="the visit id with --mrn (default: the latest visit)"
    )
    parser.add_argument(
        "--case", type=Path, metavar="CASE.json", help="export a case file instead (no database)"
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="bundle.json",
        help="file to write (replaced atomically, readable by you only; default: standard output)",
    )
    parser.add_argument(
        "--pdf",
        type=Path,
        metavar="SUMMARY.pdf",
        help="attach this PDF as a DocumentReference (default with --mrn: the visit's latest "
        "recorded PDF, when it is still on disk)",
    )
    parser.add_argument("--no-pdf", action="store_true", help="attach no PDF")
    parser.add_argument(
        "--link-pdf",
        action="store_true",
        help="reference the PDF by its file URL instead of embedding it (base64)",
    )
    add_login_options(parser)  # --database-url, --user, --password-stdin (for --mrn)
    add_emergency_option(parser)


def _check(args: argparse.Namespace) -> None:
    problems = []
    if args.case is None and not args.mrn:
        problems.append(Problem("--mrn", "give --mrn MRN (a saved visit) or --case CASE.json"))
    if args.case is not None and args.mrn:
        problems.append(Problem("--case", "give either --case or --mrn, not both"))
    if args.visit is not None and not args.mrn:
        problems.append(Problem("--visit", "only with --mrn"))
    if args.pdf is not None and args.no_pdf:
        problems.append(Problem("--pdf", "give either --pdf or --no-pdf, not both"))
    if args.pdf is not None and not args.pdf.expanduser().is_file():
        problems.append(Problem("--pdf", f"{args.pdf}: no such file"))
    if args.output is not None:
        folder = args.output.expanduser().parent
        if not folder.is_dir():
            problems.append(Problem("--output", f"folder {folder} does not exist"))
        elif args.output.expanduser().is_dir():
            problems.append(Problem("--output", f"{args.output} is a folder; give a file name"))
    if problems:
        raise InputError(problems)


def run(args: argparse.Namespace) -> int:
    _check(args)
    if args.mrn:
        _export_saved_visit(args)
    else:
        _export_case(args)
    return 0


def _export_case(args: argparse.Namespace) -> None:
    from cramp_dx.casefile.io import read_case
    from cramp_dx.engine import assess
    from cramp_dx.fhir import build_bundle
    from cramp_dx.knowledge import load_knowledge
    from cramp_dx.settings import load_settings

    kb = load_knowledge()
    workup = read_case(args.case, kb)
    lab_ranges = load_settings().lab_ranges or None
    bundle = build_bundle(
        workup,
        assess(workup, kb, lab_ranges=lab_ranges),
        kb,
        status="draft",
        pdf=_given_pdf(args),
        lab_ranges=lab_ranges,
    )
    text = _to_text(bundle)
    if args.output is None:
        sys.stdout.write(text)
    else:
        from cramp_dx.files import write_atomic

        write_atomic(args.output, text.encode("utf-8"))


def _export_saved_visit(args: argparse.Namespace) -> None:
    from cramp_dx.cli.record_access import open_record, sign_in
    from cramp_dx.engine import assess
    from cramp_dx.fhir import bundle_for_record
    from cramp_dx.knowledge import load_knowledge
    from cramp_dx.settings import load_settings

    database = open_record(args)
    try:
        services = sign_in(args, database)
        record = services.visit_for(args.mrn, args.visit)
        kb = load_knowledge()
        lab_ranges = load_settings().lab_ranges or None
        pdf = None if args.no_pdf else (_given_pdf(args) or _recorded_pdf(services, record, args.link_pdf))
        bundle = bundle_for_record(
            record, assess(record.workup, kb, lab_ranges=lab_ranges), kb, pdf=pdf, lab_ranges=lab_ranges
        )
        if args.output is None:
            services.record_export(record.id, "fhir", "-")
            sys.stdout.write(_to_text(bundle))
        else:
            services.write_export(record.id, "fhir", args.output, _to_text(bundle).encode("utf-8"))
    finally:
        database.dispose()


def _to_text(bundle: dict[str, Any]) -> str:
    return json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"


def _given_pdf(args: argparse.Namespace) -> PdfDocument | None:
    from cramp_dx.fhir import PdfDocument

    if args.pdf is None or args.no_pdf:
        return None
    path = args.pdf.expanduser()
    created = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return PdfDocument(path, created, embed=not args.link_pdf)


def _recorded_pdf(services: Services, record: VisitRecord, link: bool) -> PdfDocument | None:
    """The visit's latest PDF from the record's PDF events, if the file is still there and was
    not rewritten afterwards (it could then hold another visit)."""
    from cramp_dx.fhir import PdfDocument

    events = [
        e
        for e in services.audit_trail(record.patient_id)
        if e.action == "pdf" and e.visit_id == record.id and e.new_value
    ]
    if not events:
        return None
    latest = events[-1]
    path = Path(json.loads(latest.new_value or '""'))
    created = datetime.fromisoformat(latest.at)
    try:
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        _note(f"the PDF recorded for this visit ({path}) is no longer on disk; not attached")
        return None
    if modified - created > _PDF_CHANGED_AFTER:
        _note(f"{path} was rewritten after this visit's PDF was recorded; not attached (see --pdf)")
        return None
    return PdfDocument(path, created, embed=not link)


def _note(message: str) -> None:
    print(f"cramp-dx: note: {message}", file=sys.stderr)

"""`cramp-dx assess CASE.json | --mrn M [--visit ID]` — imports neither Qt, SQLAlchemy nor
ReportLab on the case-file path (the benchmark checks)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from cramp_dx.cli.record_access import add_emergency_option, add_login_options, visit_id
from cramp_dx.errors import InputError, Problem

UNRECOGNISED_HEADING = "Medications not in the catalog — review:"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case", nargs="?", help="case file (JSON, see CASE-FORMAT.md)")
    parser.add_argument("--mrn", help="assess a saved visit of this patient instead of a file")
    parser.add_argument("--visit", type=visit_id, help="visit id (default: the patient's latest visit)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    add_login_options(parser)
    add_emergency_option(parser)


def _workup(args: argparse.Namespace) -> Any:
    if args.case and args.mrn:
        raise InputError(Problem("arguments", "give a case file or --mrn, not both"))
    if args.case:
        from cramp_dx.casefile.io import read_case

        return read_case(args.case), None
    if not args.mrn:
        raise InputError(Problem("arguments", "give a case file or --mrn MRN"))
    from cramp_dx.cli.record_access import open_record, sign_in

    database = open_record(args)
    try:
        record = sign_in(args, database).visit_for(args.mrn, args.visit)
    finally:
        database.dispose()
    return record.workup, record


def run(args: argparse.Namespace) -> int:
    from cramp_dx.engine import assess
    from cramp_dx.settings import load_settings

    workup, _record = _workup(args)
    assessment = assess(workup, lab_ranges=load_settings().lab_ranges or None)
    if args.format == "json":
        json.dump(assessment.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_text(assessment))
    return 0


def _references(references: tuple[str, ...]) -> list[str]:
    """The citations behind a red flag or a differential, one per line under a heading."""
    if not references:
        return []
    return ["       References:", *(f"         {reference}" for reference in references)]


def format_text(a: Any) -> str:
    """The assessment for a person reading a terminal: red flags first."""
    lines: list[str] = [
        f"cramp-dx assessment (knowledge {a.knowledge_version})",
        f"Weeks since surgery: {a.weeks_since_surgery:g} ({a.days_since_surgery} days)",
        "",
    ]
    if a.red_flags:
        lines.append("RED FLAGS")
        for flag in a.red_flags:
            lines.append(f"  !! [{flag.severity.upper()}] {flag.title}")
            lines.append(f"       {flag.message}")
            for reason in flag.because:
                lines.append(f"       because: {reason}")
            lines += _references(flag.references)
    else:
        assessed = [c.title for c in a.red_flag_checks if c.assessed]
        unassessed = [c.title for c in a.red_flag_checks if not c.assessed]
        lines.append("Red flags: none found among the checks assessed.")
        if assessed:
            lines.append("  assessed: " + "; ".join(assessed))
        if unassessed:
            lines.append("  NOT assessed (missing data): " + "; ".join(unassessed))
    lines.append("")
    w = a.wells
    lines.append(f"Wells score: {w.score} ({w.label})")
    for item in w.items:
        if item.met:
            lines.append(f"  {item.points:+d} {item.label} — {item.source}")
    if w.not_assessed:
        lines.append(f"  not assessed: {', '.join(w.not_assessed)}")
    lines.append("")
    level = getattr(a, "level_check", None)
    if level is not None and level.examined:
        lines.append(f"Level check: {level.verdict.replace('_', ' ')}")
        lines.append(f"  {level.because}")
        lines.append("")
    lines.append("Differential (most pressing first)")
    for rank, d in enumerate(a.differential, 1):
        code = d.icd10 + (f" ({d.icd10_note})" if d.icd10_note else "")
        lines.append(f"{rank:3d}. {d.name} [{code}] — {d.status.replace('_', ' ')} (score {d.score:g})")
        for reason in d.supporting:
            lines.append(f"       + {reason}")
        for reason in d.against:
            lines.append(f"       - {reason}")
        for note in d.settle_notes:
            lines.append(f"       note: {note}")
        if d.supporting or d.against:  # an item with no "why" is one line, without sources
            lines += _references(d.references)
    lines.append("")
    lines.append("Next tests")
    for test in a.next_tests or ():
        mark = "!! " if test.urgent else ""
        repeat = " (repeat)" if test.repeat else ""
        lines.append(f"  {mark}{test.name}{repeat} — {test.reason}")
    if not a.next_tests:
        lines.append("  none suggested")
    if a.medication_flags:
        lines.append("")
        lines.append("Medication review")
        for m in a.medication_flags:
            lines.append(f"  {m.medication}: {m.drug_class} — {m.concern}")
    if a.unrecognised_medications:
        lines.append("")
        lines.append(UNRECOGNISED_HEADING)
        lines.extend(f"  {name}" for name in a.unrecognised_medications)
    if a.lab_flags:
        lines.append("")
        lines.append("Labs")
        for lab in a.lab_flags:
            crit = " CRITICAL" if lab.critical else ""
            lines.append(f"  {lab.name}: {lab.value:g} {lab.unit} [{lab.flag}{crit}] (ref {lab.reference})")
    for warning in a.warnings:
        lines.append("")
        lines.append(f"WARNING: {warning}")
    for note in a.notes:
        lines.append(f"Note: {note}")
    lines.append("")
    lines.append("Decision support — not a diagnosis. The clinician decides.")
    return "\n".join(lines) + "\n"

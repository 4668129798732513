"""Checks every entry point applies to single values (case files, the service layer, the
GUI through it): kept apart from the case-file reader so the record can import them without
loading the knowledge base."""

from __future__ import annotations

import re
from datetime import date

# record ids (patients, visits) are 32-bit integers on PostgreSQL
MAX_RECORD_ID = 2**31 - 1
# the dates a workup can plausibly carry (a birth date also not after today)
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)
# C0 and C1 control characters (Unicode category Cc) and UTF-16 surrogates (Cs): not text
_NOT_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_NOT_TEXT_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

# How much one workup may hold, in characters and in entries. Each limit is many times what a
# clinic records for a visit, so real use never meets it, and together they keep the largest
# case a small file whose PDF summary prints in a few seconds (benchmarks/bench_report.py).
MAX_MRN = 64  # record numbers are 6 to 20 characters; room for any prefix scheme
MAX_NAME = 200  # a family or a given name: the longest in civil registers stay under 100
MAX_NOTES = 20_000  # visit notes: about 3,000 words; a workup's notes are a few hundred characters
MAX_LEVELS = 20  # operated levels: a long fusion from T10 to the sacrum spans 8
MAX_LABS = 1_000  # lab results in one workup: a full panel is 20 to 40, with earlier values ~100
MAX_RESULTS_PER_LAB = 200  # results of one lab (a dated series): daily values for half a year
MAX_MEDICATIONS = 200  # medication lines: extreme polypharmacy, stopped drugs included, is ~60
MAX_MEDICATION_NAME = 200  # a name as written, brand and strength included: under 80 in practice
MAX_DOSE = 200  # "1 tablet (20 mg) by mouth twice daily with food, ..." is about 60
MAX_MEDICATION_NOTE = 500  # a note on one medication: a sentence or two, 100 characters
MAX_ADDENDUM = 5_000  # one addendum to a signed visit: a late result or a correction
MAX_ADDENDA = 20  # addenda to one signed visit: one or two is usual
# A case file at every limit is under 4 MB even with every character written as a JSON \u
# escape; anything larger is refused before it is read.
MAX_CASE_FILE_BYTES = 8 * 1024 * 1024


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why `value` cannot be stored as text, or None: a control character such as NUL (line
    breaks and tabs are allowed in multi-line fields) or an unpaired UTF-16 surrogate, which
    no database can store as UTF-8. Shared with the service layer, so every entry point and
    both databases refuse the same texts."""
    found = (_NOT_TEXT_MULTILINE if multiline else _NOT_TEXT).search(value)
    if found is None:
        return None
    char, where = found.group(), found.start() + 1
    accepted = "printable text" + (", line breaks and tabs" if multiline else " on one line")
    if "\ud800" <= char <= "\udfff":
        return (
            f"character {where} is an unpaired surrogate (U+{ord(char):04X}), which is not text; "
            f"accepted: {accepted}"
        )
    return f"character {where} is the control character U+{ord(char):04X}; accepted: {accepted}"


def length_problem(value: str, limit: int) -> str | None:
    """Why `value` is too long for a field holding at most `limit` characters, or None."""
    if len(value) <= limit:
        return None
    return f"too long: {len(value):,} characters; accepted: at most {limit:,} characters"


def count_problem(count: int, limit: int, what: str) -> str | None:
    """Why `count` entries (`what`: "lab results") are too many for one workup, or None."""
    if count <= limit:
        return None
    return f"{count:,} {what}; accepted: at most {limit:,}"


def date_problem(value: date, *, birth: bool = False) -> str | None:
    """Why `value` is not a plausible date for a workup (or a birth date), or None."""
    latest = min(LATEST_DATE, date.today()) if birth else LATEST_DATE
    if EARLIEST_DATE <= value <= latest:
        return None
    shown = f"today ({latest})" if birth and latest != LATEST_DATE else str(latest)
    side = "before" if value < EARLIEST_DATE else "after"
    return f"{value} is {side} the plausible range; accepted: {EARLIEST_DATE} to {shown}"


def record_id_problem(value: int) -> str | None:
    """Why `value` cannot be a record id (a visit's, say), or None."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_RECORD_ID:
        return f"accepted: a whole number from 1 to {MAX_RECORD_ID}"
    return None

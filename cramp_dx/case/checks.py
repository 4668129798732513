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

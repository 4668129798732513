"""Turning user text into Paragraph markup that prints literally.

ReportLab's Paragraph parses a small XML-like markup, so a name such as
`<b>Bold</b> & <font size=40>` would be interpreted (or crash the parser) if passed as is.
Everything a user typed goes through `literal()` before it meets a Paragraph.

Text stays in reading (logical) order until `escape()` makes markup of it: only there is each
line put in drawing order (`visual()`), once, so text cleaned twice or cut to fit is never
reordered twice. Bidirectional control characters are dropped on the way
(`cramp_dx.display`): they cannot reorder what a name or a note shows.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from cramp_dx.display import without_bidi_controls
from cramp_dx.report.fonts import with_fallback

# C0/C1 control characters except tab and newline, and lone surrogates (not encodable).
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_NEWLINES = re.compile(r"\r\n|\r|\u2028|\u2029|\x85")
_SPACES = re.compile(r"[ \t\u00a0]{2,}")

# Hebrew, Arabic, Syriac, Thaana, N'Ko and the RTL presentation forms
_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
# the Arabic letters whose joined forms arabic_reshaper chooses (it leaves other scripts alone)
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")

EMPTY = "—"


def visual(line: str) -> str:
    """A line holding right-to-left script, reordered for display and with Arabic letters
    joined, since ReportLab draws glyphs strictly left to right. Other lines pass unchanged.
    Bidirectional control characters are dropped first, so only the letters decide the order."""
    line = without_bidi_controls(line)
    if not _RTL.search(line):
        return line
    from bidi import get_display

    if _ARABIC.search(line):
        import arabic_reshaper

        line = arabic_reshaper.reshape(line)
    return str(get_display(line))


def clean(text: object) -> str:
    """Plain text in reading order: unprintable characters replaced by U+FFFD, newlines
    normalised, bidirectional controls dropped. Cleaning twice changes nothing."""
    value = "" if text is None else str(text)
    value = _NEWLINES.sub("\n", value)
    value = _UNPRINTABLE.sub("\ufffd", value)
    value = without_bidi_controls(value)
    return unicodedata.normalize("NFC", value.replace("\t", " "))


def escape(text: str) -> str:
    """Paragraph markup showing `text` as it reads: each line in drawing order (`visual`), the
    three characters the markup treats specially escaped, and runs of characters the main
    font lacks set in the fallback font (Chinese, Japanese, Korean)."""
    lines = (visual(line) for line in text.split("\n"))
    return "\n".join(with_fallback(line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
                     for line in lines)


def literal(text: object, *, empty: str = EMPTY) -> str:
    """User text as Paragraph markup that shows exactly what was typed.

    Line breaks are kept (as `<br/>`); very long unbroken words are wrapped by the
    paragraph style's `splitLongWords`.
    """
    value = clean(text).strip()
    if not value:
        return escape(empty)
    return "<br/>".join(escape(line) for line in value.split("\n"))


def shorten(text: object, limit: int) -> tuple[str, bool]:
    """Cut plain text to at most `limit` characters; returns (text, was_cut)."""
    value = clean(text).strip()
    if len(value) <= limit:
        return value, False
    return value[: max(limit - 1, 1)].rstrip() + "…", True


def fmt_date(value: date | datetime | None, *, empty: str = EMPTY) -> str:
    if value is None:
        return empty
    if isinstance(value, datetime):
        return fmt_datetime(value)
    return value.isoformat()


def fmt_datetime(value: datetime | None, *, empty: str = EMPTY) -> str:
    """`2026-10-12 14:03 UTC` (or the local offset); naive times are shown as they are."""
    if value is None:
        return empty
    stamp = value.strftime("%Y-%m-%d %H:%M")
    if value.tzinfo is None:
        return stamp
    offset = value.utcoffset()
    if offset is not None and offset.total_seconds() == 0:
        return f"{stamp} UTC"
    return f"{stamp} {value.strftime('%z')[:3]}:{value.strftime('%z')[3:]}"


def fmt_number(value: float | int | None, *, empty: str = EMPTY) -> str:
    """Numbers as a clinician writes them: no trailing `.0`, at most 3 significant decimals."""
    if value is None:
        return empty
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.3f}".rstrip("0").rstrip(".")


def humanise(identifier: str) -> str:
    """Fallback label for an id the knowledge base does not know: `foot_drop` → `Foot drop`."""
    text = identifier.replace("_", " ").strip()
    return text[:1].upper() + text[1:]

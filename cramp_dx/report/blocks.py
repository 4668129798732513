"""Small flowable builders shared by the sections.

Table cells cannot split across pages, so user text placed in a cell is capped: past the cap
the cell shows the beginning and points to the "Full text of long entries" section, where
the whole text is printed as ordinary paragraphs that paginate. Nothing is ever dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from reportlab import platypus, rl_config
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import CondPageBreak, Flowable, Table, TableStyle

from cramp_dx.report.fonts import REGULAR
from cramp_dx.report.styles import grid_table_style, styles
from cramp_dx.report.text import clean, escape, literal, shorten

# Characters of user text a table cell shows before deferring to the long-entries section.
CELL_LIMIT = 500


class Paragraph(platypus.Paragraph):
    """A Paragraph that keeps its lines for the width it was last wrapped to.

    A table wraps every cell to measure a page's rows, again when it splits at the page end
    and again to draw them; the lines depend on the width alone, so the same width reuses them
    and a long table is laid out once rather than three times."""

    _wrapped_width: float | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if availWidth == self._wrapped_width and hasattr(self, "blPara"):  # split() may drop it
            return self.width, self.height
        size = super().wrap(availWidth, availHeight)
        if availWidth >= rl_config._FUZZ:  # narrower: nothing was laid out to keep
            self._wrapped_width = availWidth
        return size


@dataclass
class Overflow:
    """User text too long for a table cell, collected while the sections are built."""

    entries: list[tuple[str, str]] = field(default_factory=list)

    def add(self, label: str, text: str) -> int:
        self.entries.append((label, text))
        return len(self.entries)


def para(markup: str, style: ParagraphStyle | None = None) -> Paragraph:
    """A Paragraph from markup the report itself wrote (user parts already escaped)."""
    return Paragraph(markup, style or styles().body)


def text(value: object, style: ParagraphStyle | None = None, *, empty: str = "—") -> Paragraph:
    """A Paragraph showing user text literally."""
    return Paragraph(literal(value, empty=empty), style or styles().body)


def cell(
    value: object,
    overflow: Overflow,
    label: str,
    style: ParagraphStyle | None = None,
    *,
    limit: int = CELL_LIMIT,
    empty: str = "—",
) -> Paragraph:
    """User text for a table cell, capped at `limit` characters (see module docstring)."""
    short, cut = shorten(value, limit)
    markup = literal(short, empty=empty)
    if cut:
        number = overflow.add(label, clean(value).strip())
        markup += f' <i>[continued in "Full text of long entries", item {number}]</i>'
    return Paragraph(markup, style or styles().cell)


def bullets(items: Iterable[str], *, empty: str = "—") -> str:
    """Markup for a short list of (already plain) strings inside one cell: one per line."""
    lines = [f"• {escape(clean(item))}" for item in items if clean(item).strip()]
    return "<br/>".join(lines) if lines else escape(empty)


# Space a section heading needs below it (itself and a few lines) to start on this page.
HEADING_ROOM = 96


def heading(title: str) -> Paragraph:
    return Paragraph(escape(title), styles().h2)


def section_start(title: str) -> list[Flowable]:
    """A heading that moves to the next page rather than sit alone at the bottom.

    (keepWithNext would glue it to the whole following table and push that table, with
    its heading, to the next page, leaving half a page blank.)
    """
    return [CondPageBreak(HEADING_ROOM), heading(title)]


def grid(
    header: Sequence[str],
    rows: Sequence[Sequence[Flowable | str]],
    widths: Sequence[float],
    *,
    extra: Iterable[tuple] = (),
    notes: Mapping[int, Flowable] | None = None,
) -> Table:
    """A data table whose header row repeats on every page it spans; a row taller than the
    room left on a page splits inside its cells rather than fail the layout.

    `notes[i]` is printed under `rows[i]` across every column but the first, on the same page
    as its row. `extra` style commands number the rows as if there were no notes (1 is the
    first data row); a command on a row also covers its note.
    """
    st = styles()
    notes = notes or {}
    data: list[list[Flowable | str]] = [[Paragraph(escape(h), st.cell_head) for h in header]]
    groups: list[tuple[int, int]] = []
    for index, row in enumerate(rows):
        first = len(data)
        data.append(list(row))
        note = notes.get(index)
        if note is not None:
            data.append(["", note, *[""] * (len(widths) - 2)])
        groups.append((first, len(data) - 1))
    table = Table(data, colWidths=list(widths), repeatRows=1, splitByRow=1, splitInRow=1,
                  hAlign="LEFT")
    style = grid_table_style(groups, zebra=len(rows) > 6)
    for first, last in groups:
        if last > first:
            style.add("SPAN", (1, last), (-1, last))
            style.add("TOPPADDING", (0, last), (-1, last), 0)
            style.add("NOSPLIT", (0, first), (-1, last))
    for command in extra:
        style.add(*_in_groups(command, groups))
    table.setStyle(style)
    return table


def _in_groups(command: tuple, groups: Sequence[tuple[int, int]]) -> tuple:
    """A style command on data rows (numbered without notes) moved to the table's rows."""
    name, (col0, row0), (col1, row1), *rest = command
    if row0 >= 1:
        row0 = groups[row0 - 1][0]
    if row1 >= 1:
        row1 = groups[row1 - 1][1]
    return (name, (col0, row0), (col1, row1), *rest)


def boxed(
    rows: Sequence[Flowable],
    width: float,
    *,
    border: colors.Color,
    fill: colors.Color,
    border_width: float = 1.2,
) -> Table:
    """A framed box, one flowable per row, so a long box can still split between rows."""
    table = Table([[row] for row in rows], colWidths=[width], splitByRow=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("BOX", (0, 0), (-1, -1), border_width, border),
                ("BACKGROUND", (0, 0), (-1, -1), fill),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 7),
                ("RIGHTPADDING", (0, 0), (-1, -1), 7),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table

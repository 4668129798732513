"""Paragraph and table styles of the summary: one family, few sizes, print-safe colours."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import TableStyle

from cramp_dx.report.fonts import BOLD, REGULAR, register_fonts

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#9a9a9a")
HEADER_FILL = colors.HexColor("#e4e8ee")
ZEBRA_FILL = colors.HexColor("#f6f7f9")
RED = colors.HexColor("#b00020")
RED_FILL = colors.HexColor("#fdecee")
AMBER = colors.HexColor("#8a5a00")
AMBER_FILL = colors.HexColor("#fff6e0")
OK_FILL = colors.HexColor("#f1f4f1")
OK_RULE = colors.HexColor("#7a8a7a")

# Status of a differential → text colour, so the eye finds urgent and confirmed rows first.
STATUS_COLOURS = {
    "urgent": RED,
    "confirmed": colors.HexColor("#0b5394"),
    "supported": INK,
    "possible": INK,
    "less_likely": MUTED,
    "excluded": MUTED,
}


@dataclass(frozen=True, slots=True)
class Styles:
    title: ParagraphStyle
    clinic: ParagraphStyle
    address: ParagraphStyle
    h2: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    muted: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    cell_head: ParagraphStyle
    cell_muted: ParagraphStyle
    cell_small_muted: ParagraphStyle
    flag_title: ParagraphStyle
    flag_body: ParagraphStyle
    label: ParagraphStyle
    right: ParagraphStyle


@cache
def styles() -> Styles:
    """Built once per process (after the fonts are registered)."""
    register_fonts()
    base = ParagraphStyle(
        "base",
        fontName=REGULAR,
        fontSize=9,
        leading=11.5,
        textColor=INK,
        alignment=TA_LEFT,
        splitLongWords=1,
        allowWidows=0,
        allowOrphans=0,
    )

    def derive(name: str, **kw: object) -> ParagraphStyle:
        return ParagraphStyle(name, parent=base, **kw)

    return Styles(
        title=derive("title", fontName=BOLD, fontSize=14, leading=17, spaceBefore=4, spaceAfter=4),
        clinic=derive("clinic", fontName=BOLD, fontSize=12, leading=15),
        address=derive("address", fontSize=8.5, leading=10.5, textColor=MUTED),
        h2=derive(
            "h2", fontName=BOLD, fontSize=11, leading=14, spaceBefore=10, spaceAfter=4,
            textColor=colors.HexColor("#1f3550"),
        ),
        body=derive("body", spaceAfter=3),
        small=derive("small", fontSize=8, leading=10),
        muted=derive("muted", fontSize=8, leading=10, textColor=MUTED),
        cell=derive("cell", fontSize=8, leading=10),
        cell_bold=derive("cell_bold", fontName=BOLD, fontSize=8, leading=10),
        cell_head=derive("cell_head", fontName=BOLD, fontSize=8, leading=10),
        cell_muted=derive("cell_muted", fontSize=8, leading=10, textColor=MUTED),
        cell_small_muted=derive("cell_small_muted", fontSize=7, leading=8.6, textColor=MUTED),
        flag_title=derive("flag_title", fontName=BOLD, fontSize=10, leading=13, textColor=RED),
        flag_body=derive("flag_body", fontSize=8.5, leading=11),
        label=derive("label", fontName=BOLD, fontSize=8, leading=10, textColor=MUTED),
        right=derive("right", fontSize=8, leading=10, alignment=TA_RIGHT),
    )


def grid_table_style(groups: Sequence[tuple[int, int]], *, zebra: bool) -> TableStyle:
    """Header row shaded and repeated; a thin rule under each group of rows (first, last: a
    data row and the note printed under it); every second group shaded when `zebra`."""
    commands: list[tuple] = [
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),  # Table's default would be Helvetica
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if all(first == last for first, last in groups):
        commands.append(("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE))
    else:
        commands += [("LINEBELOW", (0, last), (-1, last), 0.25, RULE) for _, last in groups]
    if zebra:
        commands += [("BACKGROUND", (0, first), (-1, last), ZEBRA_FILL)
                     for first, last in groups[1::2]]
    return TableStyle(commands)


def key_value_table_style() -> TableStyle:
    return TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), REGULAR),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ]
    )

"""Wells score for DVT: the total and what it means on top, then one row per item with its
points and where the answer came from (the recent-surgery item says it was derived from the
surgery date). Every text wraps to the panel's width and the points sit at its right edge,
so nothing is cut or overlaps at 125 % or 200 % scaling. Rows are nested box layouts, not a
grid: a grid under-reports the height of wrapped labels spanning columns, and the scroll area
around the panel then squeezed a wrapped item to one line."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from cramp_dx.engine.result import Wells, WellsItem


def _label(object_name: str, wrap: bool = True) -> QLabel:
    label = QLabel()
    label.setObjectName(object_name)
    label.setWordWrap(wrap)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _points_text(item: WellsItem) -> str:
    if not item.assessed:
        return "–"
    return f"{item.points:+d}" if item.points else "0"


def _item_html(item: WellsItem) -> str:
    label = escape(item.label)
    if not item.assessed:
        return f"{label} <i>(not assessed)</i>"
    return f"✔ <b>{label}</b>" if item.met else f"✘ {label}"


@dataclass
class _Row:
    item: QLabel
    points: QLabel
    source: QLabel


class WellsPanel(QGroupBox):
    def __init__(self, categories: dict[str, str], parent: QWidget | None = None) -> None:
        """`categories`: what "likely" / "unlikely" mean, from the knowledge base
        (wells.toml), so the advice is worded once, as the PDF words it."""
        super().__init__("Wells score (DVT)", parent)
        self.categories = categories
        self.setObjectName("wellsPanel")
        self.summary = _label("wellsSummary")
        self.items = QWidget()
        self.total = _label("wellsTotalLabel", wrap=False)
        self.total.setText("<b>Total</b>")
        self.total_points = _label("wellsTotal", wrap=False)
        self.total_points.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        total = QHBoxLayout()
        total.addWidget(self.total, 1)
        total.addWidget(self.total_points)
        self._layout = QVBoxLayout(self)
        self._layout.addWidget(self.summary)
        self._layout.addWidget(self.items)
        self._layout.addLayout(total)
        self._layout.addStretch(1)
        self.rows: dict[str, _Row] = {}
        self._last: Wells | None = None

    def show_wells(self, wells: Wells) -> None:
        if wells == self._last:
            return
        self._last = wells
        advice = escape(self.categories.get(wells.category, f"DVT {wells.category}"))
        summary = f"<b>Score {wells.score:+d}</b> — {advice}"
        if wells.not_assessed:
            summary += (f"<br><i>{len(wells.not_assessed)} of {len(wells.items)} items not "
                        "assessed: the score may change once they are recorded.</i>")
        self.summary.setText(summary)
        # the title is the line a short panel always shows: the total and what it means (a
        # title does not wrap: it stays about as short as the "Wells score (DVT)" it replaces)
        self.setTitle(f"Wells {wells.score:+d}: {wells.label}")
        self.setAccessibleName(f"Wells score {wells.score}, {wells.label}")
        if list(self.rows) != [item.id for item in wells.items]:
            self._build_rows(wells)
        for item in wells.items:
            row = self.rows[item.id]
            row.item.setText(_item_html(item))
            points = _points_text(item)
            row.points.setText(f"<b>{points}</b>" if item.met else points)
            # a met item says where its answer came from ("derived from the surgery date …")
            row.source.setText(f"<i>↳ {escape(item.source)}</i>" if item.met else "")
            row.source.setVisible(item.met)
            row.item.setAccessibleName(f"{item.label}: {points} points")
        self.total_points.setText(f"<b>{wells.score:+d}</b>")

    def _build_rows(self, wells: Wells) -> None:
        """One row per item (its source on a line under it), made once per set of items so
        later updates only change texts."""
        old = self.items
        self.items = QWidget()
        self._layout.replaceWidget(old, self.items)
        old.deleteLater()
        layout = QVBoxLayout(self.items)
        layout.setContentsMargins(0, 0, 0, 0)
        self.rows = {}
        for item in wells.items:
            row = _Row(_label("wellsItem"), _label("wellsPoints", wrap=False),
                       _label("wellsSource"))
            row.points.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            line = QHBoxLayout()
            line.addWidget(row.item, 1)
            line.addWidget(row.points)
            layout.addLayout(line)
            layout.addWidget(row.source)
            self.rows[item.id] = row

"""The strength grid: each muscle of the examination with an MRC field for the left and the
right leg. Typing digits down a column grades one leg muscle by muscle."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from cramp_dx.case.model import MUSCLE_LABELS, MUSCLES, NEURO_SIDES
from cramp_dx.ui.mrc_cell import MrcCell


class StrengthGrid(QWidget):
    """`changed(key, value)` for every grade the user sets or clears."""

    changed = Signal(object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("strengthGrid")
        self.setAccessibleName("Muscle strength, MRC 0 to 5")
        self.cells: dict[tuple[str, str], MrcCell] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        heading = QLabel("<b>Strength (MRC 0–5)</b>")
        heading.setTextFormat(Qt.TextFormat.RichText)
        grid.addWidget(heading, 0, 0)
        for column, side in enumerate(NEURO_SIDES, 1):
            grid.addWidget(QLabel(f"<b>{side.capitalize()}</b>"), 0, column, Qt.AlignmentFlag.AlignCenter)
        for row, muscle in enumerate(MUSCLES, 1):
            label = QLabel(MUSCLE_LABELS[muscle].capitalize())
            label.setWordWrap(True)
            grid.addWidget(label, row, 0)
            for column, side in enumerate(NEURO_SIDES, 1):
                cell = MrcCell(side, muscle, f"{side.capitalize()} {MUSCLE_LABELS[muscle]}")
                cell.changed.connect(self.changed)
                cell.moved.connect(self._move)
                self.cells[(side, muscle)] = cell
                grid.addWidget(cell, row, column, Qt.AlignmentFlag.AlignCenter)
            label.setBuddy(self.cells[(NEURO_SIDES[0], muscle)])
        grid.setColumnStretch(len(NEURO_SIDES) + 1, 1)
        # Tab goes down the left column, then down the right one
        order = [self.cells[(side, muscle)] for side in NEURO_SIDES for muscle in MUSCLES]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

    def cell(self, side: str, muscle: str) -> MrcCell:
        return self.cells[(side, muscle)]

    def _move(self, cell: Any, rows: int, columns: int) -> None:
        side, muscle = cell.key[1], cell.key[3]
        row = MUSCLES.index(muscle) + rows
        column = NEURO_SIDES.index(side) + columns
        if 0 <= row < len(MUSCLES) and 0 <= column < len(NEURO_SIDES):
            self.cells[(NEURO_SIDES[column], MUSCLES[row])].setFocus(Qt.FocusReason.TabFocusReason)

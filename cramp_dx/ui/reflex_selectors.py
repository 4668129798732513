"""The reflexes of both legs: one selector each (not examined, normal, reduced, absent,
brisk), chosen with the keyboard by first letter or the arrow keys."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QWidget

from cramp_dx.case.model import NEURO_SIDES, REFLEX_LABELS, REFLEX_VALUES, REFLEXES

NOT_EXAMINED = "not examined"


class ReflexSelectors(QWidget):
    """`changed(key, value)` on user input only: key ("neuro", side, "reflexes", reflex)."""

    changed = Signal(object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reflexSelectors")
        self.setAccessibleName("Reflexes")
        self.combos: dict[tuple[str, str], QComboBox] = {}
        self._showing = False
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        heading = QLabel("<b>Reflexes</b>")
        heading.setTextFormat(Qt.TextFormat.RichText)
        grid.addWidget(heading, 0, 0)
        for column, side in enumerate(NEURO_SIDES, 1):
            grid.addWidget(QLabel(f"<b>{side.capitalize()}</b>"), 0, column)
        for row, reflex in enumerate(REFLEXES, 1):
            label = QLabel(REFLEX_LABELS[reflex].removesuffix(" reflex").capitalize())
            label.setWordWrap(True)
            grid.addWidget(label, row, 0)
            for column, side in enumerate(NEURO_SIDES, 1):
                combo = QComboBox()
                combo.addItem(NOT_EXAMINED, None)
                for value in REFLEX_VALUES:
                    combo.addItem(value, value)
                combo.setAccessibleName(f"{side.capitalize()} {REFLEX_LABELS[reflex]}")
                # narrow sections elide "not examined" rather than widen the page
                combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
                combo.setMinimumContentsLength(len("reduced") + 1)
                combo.currentIndexChanged.connect(
                    lambda _index, s=side, r=reflex: self._picked(s, r)
                )
                self.combos[(side, reflex)] = combo
                grid.addWidget(combo, row, column)
            label.setBuddy(self.combos[(NEURO_SIDES[0], reflex)])
        grid.setColumnStretch(len(NEURO_SIDES) + 1, 1)

    def combo(self, side: str, reflex: str) -> QComboBox:
        return self.combos[(side, reflex)]

    def value(self, side: str, reflex: str) -> str | None:
        value: str | None = self.combos[(side, reflex)].currentData()
        return value

    def set_value(self, side: str, reflex: str, value: str | None) -> None:
        """Show a stored value (no `changed` signal)."""
        combo = self.combos[(side, reflex)]
        self._showing = True
        combo.setCurrentIndex(max(combo.findData(value), 0))
        self._showing = False

    def set_read_only(self, read_only: bool) -> None:
        for combo in self.combos.values():
            combo.setEnabled(not read_only)

    def _picked(self, side: str, reflex: str) -> None:
        if not self._showing:
            self.changed.emit(("neuro", side, "reflexes", reflex), self.value(side, reflex))

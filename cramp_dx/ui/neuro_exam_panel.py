"""The neurological examination of the workup: the dermatome map with the level check beside
it, the strength grid and the reflexes. Every change goes out as `edited(key, value)` (one sign
each, key ("neuro", side, kind, item)); the visit page saves it like a finding and, after the
engine has re-ranked, shows the new level check here (the derived roots outlined on the map)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from cramp_dx.case.model import MUSCLES, NEURO_SIDES, REFLEXES, SENSORY_AREAS
from cramp_dx.ui.dermatome_map import DermatomeMap
from cramp_dx.ui.level_check_view import LevelCheckView
from cramp_dx.ui.reflex_selectors import ReflexSelectors
from cramp_dx.ui.strength_grid import StrengthGrid

Key = tuple[str, ...]
LEGEND = "N normal · R reduced · A absent · P painful (pain radiates there) · blue border: derived root"


class NeuroExamPanel(QWidget):
    edited = Signal(object, object)
    help_shown = Signal(str)

    def __init__(self, neuro: Any, parent: QWidget | None = None) -> None:
        """`neuro`: the knowledge base's NeuroMap (which areas belong to a root)."""
        super().__init__(parent)
        self.neuro = neuro
        self.setObjectName("neuroExam")
        self.setAccessibleName("Neurological examination")
        self.map = DermatomeMap()
        self.level = LevelCheckView()
        # its width comes from the layout alone, so a longer verdict never resizes the map
        self.level.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.level.setMinimumWidth(self.level.fontMetrics().horizontalAdvance("M") * 10)
        self.strength = StrengthGrid()
        self.reflexes = ReflexSelectors()
        legend = QLabel(LEGEND)
        legend.setObjectName("mapLegend")
        legend.setWordWrap(True)
        self.area_line = QLabel(" ")
        self.area_line.setObjectName("mapArea")
        self.area_line.setWordWrap(True)
        self.area_line.setAccessibleName("Area under the keyboard cursor")

        # side by side where the section is wide enough, one under the other where it is not
        # (a narrow window, or 200 % scaling): see resizeEvent. It starts one under the other,
        # so its minimum width, which a stack of sections takes even while it is hidden, never
        # widens the window past a small screen before it is first shown.
        Direction = QBoxLayout.Direction
        self.top = QBoxLayout(Direction.TopToBottom)
        self.top.addWidget(self.map, 3)
        self.top.addWidget(self.level, 2)
        self.grids = QBoxLayout(Direction.TopToBottom)
        self.grids.addWidget(self.strength, 0, Qt.AlignmentFlag.AlignTop)
        self.grids.addSpacing(self.fontMetrics().horizontalAdvance("M") * 2)
        self.grids.addWidget(self.reflexes, 1, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        sensory = QLabel("<b>Sensation</b> — click an area, or focus the map and use the arrow keys, "
                         "Space and N / R / A / P")
        sensory.setTextFormat(Qt.TextFormat.RichText)
        sensory.setWordWrap(True)
        sensory.setBuddy(self.map)
        layout.addWidget(sensory)
        layout.addLayout(self.top)
        layout.addWidget(self.area_line)
        layout.addWidget(legend)
        layout.addLayout(self.grids)

        self.map.changed.connect(self.edited)
        self.map.current_changed.connect(self._area_shown)
        self.strength.changed.connect(self.edited)
        self.reflexes.changed.connect(self.edited)
        QWidget.setTabOrder(self.map, self.strength.cell(NEURO_SIDES[0], MUSCLES[0]))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        width = event.size().width()
        wide_top = width >= self.map.minimumSizeHint().width() * 1.5 + self.level.minimumWidth()
        wide_grids = width >= self.strength.sizeHint().width() + self.reflexes.sizeHint().width() * 1.1
        Direction = QBoxLayout.Direction
        for box, wide in ((self.top, wide_top), (self.grids, wide_grids)):
            direction = Direction.LeftToRight if wide else Direction.TopToBottom
            if box.direction() != direction:
                box.setDirection(direction)

    # -- values ------------------------------------------------------------------------------
    def field_keys(self) -> list[Key]:
        return (
            [("neuro", side, "sensory", area) for side in NEURO_SIDES for area in SENSORY_AREAS]
            + [("neuro", side, "strength", muscle) for side in NEURO_SIDES for muscle in MUSCLES]
            + [("neuro", side, "reflexes", reflex) for side in NEURO_SIDES for reflex in REFLEXES]
        )

    def value(self, key: Key) -> Any:
        _, side, kind, item = key
        if kind == "sensory":
            return self.map.value(side, item)
        if kind == "strength":
            return self.strength.cell(side, item).value()
        return self.reflexes.value(side, item)

    def set_value(self, key: Key, value: Any) -> None:
        _, side, kind, item = key
        if kind == "sensory":
            self.map.set_value(side, item, value)
        elif kind == "strength":
            self.strength.cell(side, item).set_value(value)
        else:
            self.reflexes.set_value(side, item, value)

    def show_values(self, value_of: Callable[[Key], Any], skip: set[Key]) -> None:
        """Show stored values; keys in `skip` hold the user's pending edits and are kept."""
        for key in self.field_keys():
            if key not in skip and self.value(key) != (value := value_of(key)):
                self.set_value(key, value)

    def set_read_only(self, read_only: bool) -> None:
        self.map.set_read_only(read_only)
        for cell in self.strength.cells.values():
            cell.set_read_only(read_only)
        self.reflexes.set_read_only(read_only)

    # -- the level check ---------------------------------------------------------------------
    def show_level_check(self, check: Any) -> None:
        """The verdict beside the map; the areas of each derived root outlined on its side."""
        self.level.show_check(check)
        areas: set[tuple[str, str]] = set()
        for root in getattr(check, "roots", ()):
            areas |= {(root.side, area) for area in self.neuro.areas_of(root.root)}
        self.map.set_highlighted(areas)

    def _area_shown(self, text: str) -> None:
        self.area_line.setText(text)
        self.help_shown.emit(f"Sensation, {text}")

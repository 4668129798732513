"""Wells score for DVT with each item's contribution; the recent-surgery item says it was
derived from the surgery date."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout, QWidget

from cramp_dx.engine.result import Wells


class WellsPanel(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Wells score (DVT)", parent)
        self.setObjectName("wellsPanel")
        self.summary = QLabel()
        self.summary.setObjectName("wellsSummary")
        self.summary.setWordWrap(True)
        self.items = QLabel()
        self.items.setWordWrap(True)
        self.items.setTextFormat(Qt.TextFormat.RichText)
        self.items.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.items)
        self._last: Wells | None = None

    def show_wells(self, wells: Wells) -> None:
        if wells == self._last:
            return
        self._last = wells
        advice = (
            "DVT likely: same-day venous duplex."
            if wells.category == "likely"
            else "DVT unlikely: D-dimer (a normal value argues against DVT)."
        )
        self.summary.setText(f"Score {wells.score:+d} — {advice}")
        self.setAccessibleName(f"Wells score {wells.score}, DVT {wells.category}")
        lines = []
        missing = []
        for item in wells.items:
            if not item.assessed:
                missing.append(item.label)
                continue
            if item.met:
                mark, points = "✔", f"{item.points:+d}"
            else:
                mark, points = "✘", "0"
            source = f" <i>(from the {item.source})</i>" if item.source == "surgery date" else ""
            lines.append(f"{mark} {item.label}: <b>{points}</b>{source}")
        if missing:
            lines.append("<i>Not assessed:</i> " + "; ".join(missing))
        self.items.setText("<br>".join(lines))

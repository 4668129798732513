"""The visible save state in the status bar: Unsaved / Saving… / Saved hh:mm:ss / problem."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


class SaveIndicator(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("saveIndicator")
        self.setAccessibleName("Save state")
        self.state = "idle"
        self.set_state("idle")

    def set_state(self, state: str, detail: str = "") -> None:
        """`state`: idle, pending, saving, saved, conflict, error, read_only."""
        self.state = state
        text = {
            "idle": "",
            "pending": "Unsaved changes…",
            "saving": "Saving…",
            "saved": f"Saved {datetime.now():%H:%M:%S}",
            "conflict": "Not saved: conflict to resolve",
            "error": "Not saved",
            "read_only": "Signed: read-only",
        }[state]
        if detail:
            text = f"{text}: {detail}" if text else detail
        self.setText(text)
        self.setProperty("state", state)
        if self.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
            # the style sheet reads the property when the widget is polished; only a widget
            # already shown needs it again (and start-up need not pay for the style's wrapper)
            self.style().unpolish(self)
            self.style().polish(self)

"""The level check beside the map: the verdict in words, the root(s) named with their signs,
and the reason, as the engine gave them."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from cramp_dx.engine.result import VERDICT_TEXT


class LevelCheckView(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("levelCheck")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.verdict = ""
        self.roots_text = ""
        self.show_check(None)

    def show_check(self, check: Any) -> None:
        if check is None or not check.examined:
            self.verdict, self.roots_text = "", ""
            self.setProperty("verdict", "none")
            self.setText("<b>Level check</b><br/>No sign examined yet.")
            self.setAccessibleName("Level check: no sign examined yet")
        else:
            self.verdict = check.verdict
            self.roots_text = ", ".join(f"{r.root} ({r.side})" for r in check.roots)
            words = VERDICT_TEXT.get(check.verdict, check.verdict)
            roots = f"<br/>Root: <b>{escape(self.roots_text)}</b>" if self.roots_text else ""
            levels = ", ".join(check.operated_levels) or "not recorded"
            self.setProperty("verdict", check.verdict)
            self.setText(
                f"<b>Level check: {escape(words)}</b>{roots}<br/>Operated: {escape(levels)}"
                f"<br/>{escape(check.because)}"
            )
            self.setAccessibleName(
                f"Level check: {words}" + (f"; root {self.roots_text}" if self.roots_text else "")
            )
        self.style().unpolish(self)
        self.style().polish(self)

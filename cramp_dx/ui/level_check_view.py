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
        """Show a level check (None or one without an examination: nothing examined yet).
        Only a changed verdict or reason is laid out again (this runs on every re-rank)."""
        if check is None or not check.examined:
            verdict, roots_text = "none", ""
            text = "<b>Level check</b><br/>No sign examined yet."
            name = "Level check: no sign examined yet"
        else:
            verdict = check.verdict
            roots_text = ", ".join(f"{r.root} ({r.side})" for r in check.roots)
            words = VERDICT_TEXT.get(check.verdict, check.verdict)
            roots = f"<br/>Root: <b>{escape(roots_text)}</b>" if roots_text else ""
            levels = ", ".join(check.operated_levels) or "not recorded"
            text = (
                f"<b>Level check: {escape(words)}</b>{roots}<br/>Operated: {escape(levels)}"
                f"<br/>{escape(check.because)}"
            )
            name = f"Level check: {words}" + (f"; root {roots_text}" if roots_text else "")
        self.roots_text = roots_text
        self.verdict = "" if verdict == "none" else verdict
        if text == self.text():
            return
        self.setText(text)
        self.setAccessibleName(name)
        if self.property("verdict") != verdict:
            self.setProperty("verdict", verdict)
            self.style().unpolish(self)
            self.style().polish(self)

"""An addendum to a signed visit: several lines of text; Enter starts a new line, Ctrl+Enter
(or the Add button) adds it, Esc cancels. An empty text, or one past the record's limit
(MAX_ADDENDUM), is explained and stays in the dialog, not sent."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from cramp_dx.case.checks import MAX_ADDENDUM, length_problem
from cramp_dx.ui.shortcuts import shortcut


class AddendumDialog(QDialog):
    """`submitted(text)` with the stripped text, then the dialog closes."""

    submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addendumDialog")
        self.setWindowTitle("Addendum")
        self.text = QPlainTextEdit()
        self.text.setObjectName("addendumText")
        self.text.setAccessibleName("Addendum text")
        self.text.setTabChangesFocus(True)
        self.text.setMinimumHeight(self.text.fontMetrics().lineSpacing() * 6)
        label = QLabel("&Addendum text (Ctrl+Enter adds it):")
        label.setBuddy(self.text)
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setAccessibleName("Addendum problem")
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.add_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.add_button.setText("Add addendum")
        self.add_button.setAccessibleName("Add the addendum (Ctrl+Enter)")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut(QKeySequence(key), self, self.submit,
                     Qt.ShortcutContext.WidgetWithChildrenShortcut)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 32)
        self.text.setFocus()

    def submit(self) -> None:
        text = self.text.toPlainText().strip()
        too_long = length_problem(text, MAX_ADDENDUM)
        if not text or too_long:
            self.error.setText(f"Addendum: {too_long}. Shorten it, or Cancel." if too_long else
                               "Addendum text: write what is to be added to the signed visit.")
            self.error.show()
            self.text.setFocus()
            return
        self.submitted.emit(text)
        self.accept()

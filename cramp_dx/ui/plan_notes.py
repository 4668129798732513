"""Plan and notes fields: the clinician-selected management notes for the PDF (SPEC section
9) and the visit's free-text notes (saved as typed, after the autosave pause)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from cramp_dx.case.checks import MAX_NOTES, length_problem
from cramp_dx.services.editing import FieldKey
from cramp_dx.ui.wrapping_check_box import WrappingCheckBox


class PlanField(QGroupBox):
    changed = Signal(object, object)

    def __init__(self, items: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__("Management notes for the summary", parent)
        self.key = FieldKey("plan")
        self.boxes: dict[str, WrappingCheckBox] = {}
        layout = QVBoxLayout(self)
        for item_id, label in items:
            box = WrappingCheckBox(label)  # long items wrap instead of widening the column
            box.box.setObjectName(f"plan_{item_id}")
            box.toggled.connect(self._toggled)
            self.boxes[item_id] = box
            layout.addWidget(box)
        self._value: tuple[str, ...] = ()
        self._updating = False

    def value(self) -> tuple[str, ...]:
        return self._value

    def set_value(self, value: Any) -> None:
        self._updating = True
        self._value = tuple(value or ())
        for item_id, box in self.boxes.items():
            box.setChecked(item_id in self._value)
        self._updating = False

    def set_read_only(self, read_only: bool) -> None:
        for box in self.boxes.values():
            box.setEnabled(not read_only)

    def _toggled(self) -> None:
        if self._updating:
            return
        self._value = tuple(i for i, box in self.boxes.items() if box.isChecked())
        self.changed.emit(self.key, self._value)


class NotesField(QWidget):
    """The visit's notes; past the record's limit (MAX_NOTES) the text typed stays on screen,
    is not saved, and the field says so until it is shortened."""

    changed = Signal(object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = FieldKey("notes")
        self.edit = QPlainTextEdit()
        self.edit.setObjectName("notes")
        self.edit.setAccessibleName("Visit notes")
        self.edit.setTabChangesFocus(True)
        self.edit.setMinimumHeight(self.edit.fontMetrics().lineSpacing() * 6)
        # no Alt mnemonic: Alt+N (and any Alt+letter) typed here must reach the text
        label = QLabel("Notes")
        label.setBuddy(self.edit)
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label)
        layout.addWidget(self.edit)
        layout.addWidget(self.error)
        self._value: str | None = None
        self._updating = False
        self.edit.textChanged.connect(self._typed)

    def value(self) -> str | None:
        return self._value

    def set_value(self, value: Any) -> None:
        self._updating = True
        self._value = value
        self.edit.setPlainText(value or "")
        self._updating = False
        self.show_error("")

    def set_read_only(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))
        self.edit.setAccessibleDescription(message)

    def _typed(self) -> None:
        if self._updating:
            return
        text = self.edit.toPlainText()
        too_long = length_problem(text, MAX_NOTES)
        if too_long:
            self.show_error(f"Notes: {too_long}. Not saved until shortened.")
            return
        self.show_error("")
        self._value = text or None
        self.changed.emit(self.key, self._value)

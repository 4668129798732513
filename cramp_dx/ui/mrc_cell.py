"""One MRC strength grade (0–5) as a one-character field worked by the keyboard: a digit sets
it and moves on to the next field, Delete or Backspace clears it (not examined), the arrow keys
move within the strength grid. Any other character is refused, so a grade is always valid."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QLineEdit, QWidget

GRADES = "012345"


class MrcCell(QLineEdit):
    """`changed(key, value)` on user input only: key ("neuro", side, "strength", muscle), value
    an MRC grade 0–5 or None. `moved(cell, row step, column step)` asks the grid to move."""

    changed = Signal(object, object)
    moved = Signal(object, int, int)

    def __init__(self, side: str, muscle: str, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = ("neuro", side, "strength", muscle)
        self._value: int | None = None
        self._label = label
        self.setObjectName("mrcCell")
        self.setMaxLength(1)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFixedWidth(self.fontMetrics().horizontalAdvance("0") * 3 + 14)
        self.setToolTip(f"{label}: MRC grade 0–5 (type a digit; Delete clears)")
        self.setAccessibleDescription("MRC grade 0 to 5; a digit sets it, Delete clears it")
        self._show()

    def value(self) -> int | None:
        return self._value

    def set_value(self, value: int | None) -> None:
        """Show a stored grade (no `changed` signal)."""
        self._value = value
        self._show()

    def set_read_only(self, read_only: bool) -> None:
        self.setReadOnly(read_only)

    def _show(self) -> None:
        self.setText("" if self._value is None else str(self._value))
        shown = "not examined" if self._value is None else f"{self._value} of 5"
        self.setAccessibleName(f"{self._label}: {shown}")
        self.setProperty("weak", self._value is not None and self._value <= 4)
        self.style().unpolish(self)
        self.style().polish(self)

    def _user_set(self, value: int | None) -> None:
        if self.isReadOnly() or value == self._value:
            self._show()
            return
        self._value = value
        self._show()
        self.changed.emit(self.key, value)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, text = event.key(), event.text()
        if text and text in GRADES:
            self._user_set(int(text))
            self.moved.emit(self, 1, 0)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self._user_set(None)
        elif key == Qt.Key.Key_Up:
            self.moved.emit(self, -1, 0)
        elif key == Qt.Key.Key_Down:
            self.moved.emit(self, 1, 0)
        elif key == Qt.Key.Key_Left:
            self.moved.emit(self, 0, -1)
        elif key == Qt.Key.Key_Right:
            self.moved.emit(self, 0, 1)
        elif key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab, Qt.Key.Key_Escape) or event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        ):
            super().keyPressEvent(event)
            return
        event.accept()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.selectAll()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        super().mousePressEvent(event)
        self.selectAll()

"""A check box whose text wraps to the width it is given (QCheckBox keeps its text on one
line, so a long plan item would make the whole workup column that wide). Clicking the text
toggles it, as with a plain check box; the box takes the keyboard and carries the name."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QWidget


class _Text(QLabel):
    clicked = Signal()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class WrappingCheckBox(QWidget):
    toggled = Signal(bool)

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = QCheckBox()
        self.box.setAccessibleName(text)
        self.text = _Text(text)
        self.text.setWordWrap(True)
        self.text.setBuddy(self.box)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)
        self.box.toggled.connect(self.toggled)
        self.text.clicked.connect(self._clicked)

    def _clicked(self) -> None:
        if self.box.isEnabled():
            self.box.toggle()
            self.box.setFocus(Qt.FocusReason.MouseFocusReason)

    def isChecked(self) -> bool:
        return self.box.isChecked()

    def setChecked(self, checked: bool) -> None:
        self.box.setChecked(checked)

    def setEnabled(self, enabled: bool) -> None:
        self.box.setEnabled(enabled)
        self.text.setEnabled(enabled)

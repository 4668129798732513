"""One checklist finding as a tri-state control: not assessed / present / absent.

Mouse: click a state. Keyboard (when the row has focus): Y present, N absent, Space cycles
(not assessed → present → absent → not assessed), Delete clears. The knowledge base's help
text is the tooltip and is announced through `help_shown` when the row gets focus or the
pointer, so the checklist can show it in its help line."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from cramp_dx.services.editing import FieldKey

STATE_TEXT = {None: "not assessed", True: "present", False: "absent"}
_CYCLE = {None: True, True: False, False: None}


class FindingControl(QFrame):
    """`changed(finding_id, value)` fires on user input only (value True/False/None)."""

    changed = Signal(str, object)
    help_shown = Signal(str)

    def __init__(
        self, finding_id: str, label: str, help_text: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.finding_id = finding_id
        self.key = FieldKey("finding", finding_id)
        self.label_text = label
        self.help_text = help_text
        self._value: bool | None = None
        self._read_only = False
        self.setObjectName("finding")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        tip = help_text or label
        self.setToolTip(f"<p>{tip}</p><p><i>Keys: Y present, N absent, Space cycles, "
                        "Del not assessed</i></p>")
        self.setAccessibleDescription(
            (help_text + " " if help_text else "") + "Y present, N absent, Space cycles."
        )

        self.label = QLabel(label)
        self.label.setWordWrap(True)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.buttons: dict[bool | None, QToolButton] = {}
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.setSpacing(4)
        layout.addWidget(self.label, 1)
        for value, text in ((True, "Yes"), (False, "No"), (None, "—")):
            button = QToolButton()
            button.setText(text)
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setObjectName(f"state_{STATE_TEXT[value].replace(' ', '_')}")
            button.setAccessibleName(f"{label}: {STATE_TEXT[value]}")
            button.setToolTip(f"{STATE_TEXT[value].capitalize()}")
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance("Yes") * 2)
            button.clicked.connect(lambda _checked=False, v=value: self._user_set(v))
            self._group.addButton(button)
            self.buttons[value] = button
            layout.addWidget(button)
        self._show()

    # -- value -------------------------------------------------------------------------------
    def value(self) -> bool | None:
        return self._value

    def set_value(self, value: bool | None) -> None:
        """Show a value from the record (no `changed` signal)."""
        self._value = value
        self._show()

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        for button in self.buttons.values():
            button.setEnabled(not read_only)

    def _user_set(self, value: bool | None) -> None:
        if self._read_only:
            self._show()
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if value == self._value:
            self._show()
            return
        self._value = value
        self._show()
        self.changed.emit(self.finding_id, value)

    def _show(self) -> None:
        self.buttons[self._value].setChecked(True)
        state = STATE_TEXT[self._value]
        self.setAccessibleName(f"{self.label_text}: {state}")
        self.setProperty("state", state.replace(" ", "_"))
        self.style().unpolish(self)
        self.style().polish(self)

    # -- keyboard, focus, hover --------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if mods not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            super().keyPressEvent(event)
            return
        if key == Qt.Key.Key_Y:
            self._user_set(True)
        elif key == Qt.Key.Key_N:
            self._user_set(False)
        elif key == Qt.Key.Key_Space:
            self._user_set(_CYCLE[self._value])
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self._user_set(None)
        elif key == Qt.Key.Key_Down:
            self.focusNextChild()
        elif key == Qt.Key.Key_Up:
            self.focusPreviousChild()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        super().mousePressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.help_shown.emit(self._help_line())

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Enter:
            self.help_shown.emit(self._help_line())
        return super().event(event)

    def _help_line(self) -> str:
        return f"{self.label_text}: {self.help_text}" if self.help_text else self.label_text

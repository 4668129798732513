"""A numeric measurement with its unit, validated inline against the knowledge base bounds."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QWidget

from cramp_dx.numbers import parse_number
from cramp_dx.services.editing import FieldKey


class _HelpLineEdit(QLineEdit):
    focused = Signal()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.focused.emit()


class MeasurementField(QWidget):
    """`changed(measurement_id, value)` with a float, or None when cleared. An invalid entry
    is explained under the field and not sent."""

    changed = Signal(str, object)
    help_shown = Signal(str)

    def __init__(
        self,
        measurement_id: str,
        label: str,
        unit: str,
        minimum: float | None,
        maximum: float | None,
        help_text: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.measurement_id = measurement_id
        self.key = FieldKey("measurement", measurement_id)
        self.minimum, self.maximum = minimum, maximum
        self.label_text = label
        self.help_text = help_text
        self._value: float | None = None
        self.label = QLabel(label)
        self.label.setWordWrap(True)
        self.edit = _HelpLineEdit()
        self.edit.setObjectName(f"measurement_{measurement_id}")
        self.edit.setAccessibleName(f"{label} ({unit})" if unit else label)
        self.edit.setAccessibleDescription(help_text)
        self.edit.setToolTip(help_text or label)
        self.edit.setMaximumWidth(self.edit.fontMetrics().horizontalAdvance("0") * 14)
        self.label.setBuddy(self.edit)
        self.unit = QLabel(unit)
        self.error = QLabel("")
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.hide()
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 2, 6, 2)
        grid.addWidget(self.label, 0, 0)
        grid.addWidget(self.edit, 0, 1)
        grid.addWidget(self.unit, 0, 2)
        grid.addWidget(self.error, 1, 0, 1, 3)
        grid.setColumnStretch(0, 1)
        self.edit.editingFinished.connect(self._commit)
        self.edit.textEdited.connect(self._validate_live)
        self.edit.focused.connect(lambda: self.help_shown.emit(f"{label}: {help_text}"))

    def value(self) -> float | None:
        return self._value

    def set_value(self, value: float | None) -> None:
        self._value = value
        self.edit.setText("" if value is None else f"{value:g}")
        self._show_error("")

    def set_read_only(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)

    def show_error(self, message: str) -> None:
        self._show_error(message)

    def _bounds_text(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"a number from {self.minimum:g} to {self.maximum:g}"
        if self.minimum is not None:
            return f"a number of at least {self.minimum:g}"
        if self.maximum is not None:
            return f"a number of at most {self.maximum:g}"
        return "a number"

    def _check(self, text: str) -> tuple[float | None, str]:
        if not text.strip():
            return None, ""
        try:
            number = parse_number(text)
        except ValueError:
            accepted = self._bounds_text()
            return None, f"{self.label_text}: “{text}” is not a number; accepted: {accepted}."
        if (self.minimum is not None and number < self.minimum) or (
            self.maximum is not None and number > self.maximum
        ):
            accepted = self._bounds_text()
            return None, f"{self.label_text}: {number:g} is out of range; accepted: {accepted}."
        return number, ""

    def _validate_live(self, text: str) -> None:
        """Every keystroke: a valid value is sent at once (the visit saves it after a short
        pause, while the field keeps the focus); an invalid one is explained, not sent."""
        self._commit()

    def _commit(self) -> None:
        if self.edit.isReadOnly():
            return
        number, message = self._check(self.edit.text())
        self._show_error(message)
        if message:
            return
        if number != self._value:
            self._value = number
            self.changed.emit(self.measurement_id, number)

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))
        if self.edit.property("invalid") != bool(message):
            self.edit.setProperty("invalid", bool(message))
            self.edit.style().unpolish(self.edit)
            self.edit.style().polish(self.edit)
        self.edit.setAccessibleDescription(message or self.help_text)


"""Small form fields that validate inline and emit `changed(key, value)` only for a valid
value the user entered; `set_value` shows a stored value without emitting.

A text field sends each valid value as it is typed (the visit saves it after a short pause,
while the field keeps the focus); what cannot be read yet (half a date) waits, and is
explained when the field is left."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from cramp_dx.case.checks import length_problem
from cramp_dx.services.editing import key_of
from cramp_dx.ui.screen_fit import fit_text


class _Field(QWidget):
    changed = Signal(object, object)

    def __init__(self, key: tuple[str, ...], label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key_of(key)
        self.label_text = label
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.hide()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))


class TextField(_Field):
    def __init__(
        self,
        key: tuple[str, ...],
        label: str,
        parent: QWidget | None = None,
        required: bool = False,
        placeholder: str = "",
        max_length: int | None = None,
    ) -> None:
        super().__init__(key, label, parent)
        self.required = required
        self.max_length = max_length  # the record's limit; longer text is refused, not cut
        self.edit = QLineEdit()
        self.edit.setAccessibleName(label)
        self.edit.setPlaceholderText(placeholder)
        self._layout.addWidget(self.edit)
        self._layout.addWidget(self.error)
        self._value: Any = None
        self.edit.editingFinished.connect(self._commit)
        self.edit.textEdited.connect(self._typed)

    def parse(self, text: str) -> Any:
        text = text.strip()
        if not text and self.required:
            raise ValueError(f"{self.label_text} is required.")
        if self.max_length is not None:
            too_long = length_problem(text, self.max_length)
            if too_long:
                raise ValueError(f"{self.label_text}: {too_long}. Not saved.")
        return text or None

    def format(self, value: Any) -> str:
        return "" if value is None else str(value)

    def set_value(self, value: Any) -> None:
        self._value = value
        self.edit.setText(self.format(value))
        self.show_error("")

    def value(self) -> Any:
        return self._value

    def set_read_only(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)

    def live_value(self, text: str) -> Any:
        """The value to send while typing; ValueError while the text cannot be read yet."""
        return self.parse(text)

    def _typed(self, text: str) -> None:
        if self.edit.isReadOnly():
            return
        try:
            value = self.live_value(text)
        except ValueError:
            return
        self.show_error("")
        self._send(value)

    def _commit(self) -> None:
        if self.edit.isReadOnly():
            return
        try:
            value = self.parse(self.edit.text())
        except ValueError as exc:
            self.show_error(str(exc))
            return
        self.show_error("")
        self._send(value)

    def _send(self, value: Any) -> None:
        if value != self._value:
            self._value = value
            self.changed.emit(self.key, value)


class DateField(TextField):
    def __init__(
        self, key: tuple[str, ...], label: str, parent: QWidget | None = None,
        required: bool = False,
    ) -> None:
        super().__init__(key, label, parent, required, placeholder="YYYY-MM-DD")
        fit_text(self.edit, "YYYY-MM-DD")  # the whole date, at any scale

    def parse(self, text: str) -> Any:
        text = text.strip()
        if not text:
            if self.required:
                raise ValueError(f"{self.label_text} is required (YYYY-MM-DD).")
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{self.label_text}: “{text}” is not a date; accepted: YYYY-MM-DD."
            ) from None

    def format(self, value: Any) -> str:
        return "" if value is None else value.isoformat()


class NumberField(TextField):
    def __init__(
        self, key: tuple[str, ...], label: str, minimum: float, maximum: float,
        integer: bool = False, parent: QWidget | None = None,
    ) -> None:
        super().__init__(key, label, parent)
        self.minimum, self.maximum, self.integer = minimum, maximum, integer
        self.edit.setMaximumWidth(self.edit.fontMetrics().horizontalAdvance("0") * 12)

    def parse(self, text: str) -> Any:
        text = text.strip().replace(",", ".")
        if not text:
            return None
        kind = "a whole number" if self.integer else "a number"
        accepted = f"{kind} from {self.minimum:g} to {self.maximum:g}"
        try:
            number: float = int(text) if self.integer else float(text)
        except ValueError:
            raise ValueError(f"{self.label_text}: “{text}”; accepted: {accepted}.") from None
        if not self.minimum <= number <= self.maximum:
            raise ValueError(
                f"{self.label_text}: {number:g} is out of range; accepted: {accepted}."
            )
        return number

    def format(self, value: Any) -> str:
        return "" if value is None else f"{value:g}"


class LevelsField(TextField):
    """Operated levels as typed ("l4 - l5, L5–S1" is read as L4-L5, L5-S1); the record checks
    each one. A sixth lumbar vertebra (L5-L6, L6-S1) brings a reminder to record the
    transitional vertebra, which makes the level numbering uncertain."""

    def __init__(
        self, key: tuple[str, ...], label: str, parent: QWidget | None = None,
        six_lumbar_note: str = "Six lumbar vertebrae: record the transitional vertebra too.",
    ) -> None:
        super().__init__(key, label, parent, placeholder="e.g. L4-L5, L5-S1")
        self.note = QLabel(six_lumbar_note)
        self.note.setObjectName("fieldNote")
        self.note.setWordWrap(True)
        self.note.hide()
        self._layout.insertWidget(1, self.note)

    def parse(self, text: str) -> Any:
        parts = (re.sub(r"\s+", "", part).replace("–", "-").upper() for part in text.split(","))
        return tuple(part for part in parts if part)

    def format(self, value: Any) -> str:
        return ", ".join(value or ())

    def live_value(self, text: str) -> Any:
        """While typing, only a list whose every level reads ("L4-" waits for its end)."""
        from cramp_dx.casefile.io import level_problem

        levels = self.parse(text)
        if any(level_problem(level) for level in levels):
            raise ValueError("not a level list yet")
        return levels

    def _typed(self, text: str) -> None:
        super()._typed(text)
        self._show_note(self.parse(text))

    def set_value(self, value: Any) -> None:
        super().set_value(tuple(value or ()))
        self._show_note(self._value)

    def _commit(self) -> None:
        super()._commit()
        self._show_note(self.parse(self.edit.text()))

    def _show_note(self, levels: tuple[str, ...]) -> None:
        self.note.setVisible(any("L6" in level for level in levels))


class ChoiceField(_Field):
    """A fixed list of ids shown with readable labels (`labels`, else the id with spaces);
    the first entry may be "not recorded"."""

    def __init__(
        self, key: tuple[str, ...], label: str, choices: tuple[str, ...],
        parent: QWidget | None = None, allow_none: bool = True,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(key, label, parent)
        self.combo = QComboBox()
        self.combo.setAccessibleName(label)
        if allow_none:
            self.combo.addItem("not recorded", None)
        for choice in choices:
            self.combo.addItem((labels or {}).get(choice, choice.replace("_", " ")), choice)
        self._layout.addWidget(self.combo)
        self._layout.addWidget(self.error)
        self._value: Any = None
        self._read_only = False
        self.combo.activated.connect(self._commit)

    def set_value(self, value: Any) -> None:
        self._value = value
        index = self.combo.findData(value)
        self.combo.setCurrentIndex(max(index, 0))

    def value(self) -> Any:
        return self._value

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self.combo.setEnabled(not read_only)

    def _commit(self) -> None:
        value = self.combo.currentData()
        if value != self._value:
            self._value = value
            self.changed.emit(self.key, value)


_YES_NO = {"yes": True, "no": False}


class YesNoField(ChoiceField):
    """A recorded yes/no detail, tri-state: not recorded (None) / yes (True) / no (False).
    A combo box like the other choices: arrow keys or the first letter (n, y) pick a state."""

    def __init__(self, key: tuple[str, ...], label: str, parent: QWidget | None = None) -> None:
        super().__init__(key, label, ("yes", "no"), parent)

    def set_value(self, value: Any) -> None:
        self._value = value
        text = None if value is None else ("yes" if value else "no")
        self.combo.setCurrentIndex(max(self.combo.findData(text), 0))

    def _commit(self) -> None:
        value = _YES_NO.get(self.combo.currentData())
        if value != self._value:
            self._value = value
            self.changed.emit(self.key, value)

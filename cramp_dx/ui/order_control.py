"""A test's order state in the record: not ordered / ordered (date) / done (date) /
not indicated."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from cramp_dx.case.model import ORDER_STATES, Order
from cramp_dx.services.editing import FieldKey
from cramp_dx.ui.screen_fit import fit_text

STATE_LABELS = {
    "not_ordered": "not ordered",
    "ordered": "ordered (pending)",
    "done": "done",
    "not_indicated": "not indicated",
}


class OrderControl(QWidget):
    """`changed(("order", test_id), Order | None)`; None means not ordered."""

    changed = Signal(object, object)

    def __init__(self, test_id: str, name: str, help_text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.test_id = test_id
        self.key = FieldKey("order", test_id)
        self.name = QLabel(name)
        self.name.setWordWrap(True)
        self.name.setToolTip(help_text)
        self.state = QComboBox()
        for state in ORDER_STATES:
            self.state.addItem(STATE_LABELS[state], state)
        self.state.setAccessibleName(f"{name}: order state")
        self.state.setToolTip(help_text)
        self.date = QLineEdit()
        self.date.setPlaceholderText("YYYY-MM-DD")
        self.date.setAccessibleName(f"{name}: order date")
        fit_text(self.date, "YYYY-MM-DD")
        self.date.setMaximumWidth(self.date.minimumWidth() + 20)
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.name, 1)
        layout.addWidget(self.state)
        layout.addWidget(self.date)
        layout.addWidget(self.error)
        self._value: Order | None = None
        self.state.activated.connect(self._state_chosen)
        self.date.editingFinished.connect(self._commit)
        self.date.textEdited.connect(self._date_typed)

    def set_value(self, order: Order | None) -> None:
        self._value = order
        state = order.state if order else "not_ordered"
        self.state.setCurrentIndex(self.state.findData(state))
        self.date.setText(order.date.isoformat() if order and order.date else "")
        self.date.setEnabled(state in ("ordered", "done"))
        self.error.hide()

    def value(self) -> Order | None:
        return self._value

    def set_read_only(self, read_only: bool) -> None:
        self.state.setEnabled(not read_only)
        self.date.setReadOnly(read_only)

    def _state_chosen(self) -> None:
        state = self.state.currentData()
        dated = state in ("ordered", "done")
        self.date.setEnabled(dated)
        if dated and not self.date.text().strip():
            self.date.setText(date.today().isoformat())
        self._commit()

    def _date_typed(self, text: str) -> None:
        """A whole date (or none) is sent as it is typed; half a date waits."""
        try:
            if text.strip():
                date.fromisoformat(text.strip())
        except ValueError:
            return
        self._commit()

    def _commit(self) -> None:
        state = self.state.currentData()
        when = None
        text = self.date.text().strip()
        if state in ("ordered", "done") and text:
            try:
                when = date.fromisoformat(text)
            except ValueError:
                self.error.setText(f"“{text}” is not a date; accepted: YYYY-MM-DD")
                self.error.show()
                return
        self.error.hide()
        order = None if state == "not_ordered" else Order(state, when)
        if order != self._value:
            self._value = order
            self.changed.emit(self.key, order)

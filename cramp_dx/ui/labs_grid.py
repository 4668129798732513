"""Labs: pick a test by name or LOINC, value, unit from the accepted list, collection date.
H / L / critical are shown as text (colour only reinforces it). An invalid value is explained
inline and not saved. Earlier values of the patient are shown beside each result."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cramp_dx.case.checks import MAX_LABS, MAX_RESULTS_PER_LAB
from cramp_dx.case.model import LabResult
from cramp_dx.engine.result import LabFlag
from cramp_dx.errors import InputError
from cramp_dx.ui.screen_fit import fit_text
from cramp_dx.ui.shortcuts import shortcut

COLUMNS = ("Test", "Value", "Unit", "Flag", "Reference", "Collected", "Earlier values")
EMPTY = ("", "", "", "not flagged", "none", "not recorded", "none")


def flag_text(flag: LabFlag | None) -> str:
    if flag is None:
        return ""
    word = {"H": "H (high)", "L": "L (low)", "N": "normal"}.get(flag.flag, flag.flag)
    return f"CRITICAL {word}" if flag.critical else word


class LabsGrid(QWidget):
    add_requested = Signal(object)  # LabResult
    remove_requested = Signal(int)  # index in workup.labs
    entry_typed = Signal()  # the entry changed (kept as a draft until added)

    def __init__(self, kb: Any, validate: Any, parent: QWidget | None = None) -> None:
        """`validate(lab_result)` raises InputError naming the problem (the core's check)."""
        super().__init__(parent)
        self.setObjectName("labsGrid")
        self.kb = kb
        self.validate = validate
        self._read_only = False
        self.test = QComboBox()
        self.test.setEditable(True)
        self.test.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.test.setAccessibleName("Lab test, by name or LOINC code")
        self.test.addItem("", None)
        for lab in kb.labs.values():
            self.test.addItem(f"{lab.name} — LOINC {lab.loinc}", lab.id)
        completer = QCompleter(self.test.model(), self.test)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.test.setCompleter(completer)
        self.test.lineEdit().setPlaceholderText("Type a name or LOINC code")
        self.test.lineEdit().setAccessibleName("Lab test, by name or LOINC code")
        # the names are long ("Magnesium, serum — LOINC 19123-9"): the field is as wide as
        # the row allows, never as wide as the longest name demands
        self.test.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.test.setMinimumContentsLength(16)
        self.value = QLineEdit()
        self.value.setAccessibleName("Lab value")
        fit_text(self.value, "00000.00")
        self.unit = QComboBox()
        self.unit.setAccessibleName("Lab unit")
        self.unit.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.unit.setMinimumContentsLength(len("µmol/L"))
        self.collected = QLineEdit()
        self.collected.setPlaceholderText("YYYY-MM-DD")
        self.collected.setAccessibleName("Collection date")
        fit_text(self.collected, "YYYY-MM-DD")
        self.add_button = QPushButton("&Add result")
        self.add_button.setAccessibleName("Add lab result")
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Lab entry problem")
        self.error.hide()
        # the test on its own row, the value, unit, date and Add below it: each keeps the
        # width its text needs in a narrow column and at 200 %
        entry = QGridLayout()
        test_label = QLabel("Test")
        test_label.setBuddy(self.test)
        entry.addWidget(test_label, 0, 0, 1, 4)
        entry.addWidget(self.test, 1, 0, 1, 4)
        for column, (text, widget) in enumerate(
            (("Value", self.value), ("Unit", self.unit), ("Collected", self.collected))
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            entry.addWidget(label, 2, column)
            entry.addWidget(widget, 3, column)
        entry.addWidget(self.add_button, 3, 3)
        entry.setColumnStretch(4, 1)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("labsTable")
        self.table.setAccessibleName("Lab results")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.remove_button = QPushButton("&Remove selected")
        self.remove_button.setAccessibleName("Remove the selected lab result")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(entry)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

        self.test.currentIndexChanged.connect(self._test_chosen)
        self.add_button.clicked.connect(self._add)
        self.value.returnPressed.connect(self._add)
        self.collected.returnPressed.connect(self._add)
        self.remove_button.clicked.connect(self._remove)
        self.value.textEdited.connect(lambda _text: self.entry_typed.emit())
        self.collected.textEdited.connect(lambda _text: self.entry_typed.emit())
        self.unit.activated.connect(lambda _index: self.entry_typed.emit())
        shortcut(QKeySequence.StandardKey.Delete, self.table, self._remove)
        for field in (self.test, self.value, self.unit, self.collected):
            shortcut(QKeySequence(Qt.Key.Key_Escape), field, self.clear_entry,
                     Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QWidget.setTabOrder(self.test, self.value)
        QWidget.setTabOrder(self.value, self.unit)
        QWidget.setTabOrder(self.unit, self.collected)
        QWidget.setTabOrder(self.collected, self.add_button)
        QWidget.setTabOrder(self.add_button, self.table)
        QWidget.setTabOrder(self.table, self.remove_button)
        # "conventional" or "si" (Settings.lab_units): which unit is offered first
        self.unit_preference: Callable[[], str] = lambda: "conventional"
        self._shown: tuple = ()
        self._history: dict[str, list[Any]] = {}
        self._history_key: tuple = ()

    def keys(self) -> list:
        return []

    def has_unsaved_entry(self) -> bool:
        """True while a value is typed in the entry and not added."""
        return bool(self.value.text().strip())

    def clear_entry(self) -> None:
        """Esc in the entry: drop what was typed and not added."""
        self.value.clear()
        self.collected.clear()
        self.error.hide()
        self.entry_typed.emit()

    def entry_fields(self) -> dict[str, str]:
        """The entry as typed (for its draft): empty while no value is typed."""
        if not self.value.text().strip():
            return {}
        return {"test": self.test.currentData() or self.test.currentText(),
                "value": self.value.text(), "unit": self.unit.currentText(),
                "collected": self.collected.text()}

    def restore_entry(self, fields: dict[str, str]) -> None:
        """Put a kept draft back into the empty entry."""
        if self.has_unsaved_entry() or not fields.get("value"):
            return
        if fields.get("test") in self.kb.labs:
            self.choose_test(fields["test"])
        index = self.unit.findText(fields.get("unit", ""))
        if index >= 0:
            self.unit.setCurrentIndex(index)
        self.value.setText(fields["value"])
        self.collected.setText(fields.get("collected", ""))

    def choose_test(self, lab_id: str) -> None:
        self.test.setCurrentIndex(self.test.findData(lab_id))

    def _test_chosen(self) -> None:
        lab_id = self.test.currentData()
        self.unit.clear()
        if lab_id is None:
            return
        lab = self.kb.labs[lab_id]
        for unit in lab.units_for(self.unit_preference()):
            self.unit.addItem(unit)

    def _resolve_test(self) -> str | None:
        lab_id = self.test.currentData()
        text = self.test.currentText().strip()
        if lab_id is not None and self.test.itemText(self.test.currentIndex()) == text:
            return lab_id
        if not text:
            return None
        lab = self.kb.lab_by_code(text.split(" — ")[0]) if hasattr(self.kb, "lab_by_code") else None
        if lab is None:
            for candidate in self.kb.labs.values():
                if text.casefold() in (candidate.name.casefold(), candidate.loinc):
                    lab = candidate
        if lab is not None:
            self.choose_test(lab.id)
            return lab.id
        return None

    def _add(self) -> None:
        if self._read_only:
            return
        lab_id = self._resolve_test()
        if lab_id is None:
            self._show_error("Test: choose a test from the list (type part of its name or its "
                             "LOINC code).")
            self.test.setFocus()
            return
        text = self.value.text().strip().replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            self._show_error(f"Value: “{self.value.text()}” is not a number.")
            self.value.setFocus()
            return
        collected = None
        if self.collected.text().strip():
            try:
                collected = date.fromisoformat(self.collected.text().strip())
            except ValueError:
                self._show_error(
                    f"Collected: “{self.collected.text()}” is not a date; accepted: YYYY-MM-DD."
                )
                self.collected.setFocus()
                return
        too_many = self._too_many(lab_id)
        if too_many:
            self._show_error(too_many)
            return
        result = LabResult(lab_id, value, self.unit.currentText(), collected)
        try:
            self.validate(result)
        except InputError as exc:
            self._show_error("; ".join(str(p) for p in exc.problems))
            self.value.setFocus()
            self.value.selectAll()
            return
        self._show_error("")
        self.add_requested.emit(result)

    def _too_many(self, lab_id: str) -> str | None:
        """Why one more result of `lab_id` would pass the record's limits, or None."""
        labs: tuple[LabResult, ...] = self._shown[0] if self._shown else ()
        same = sum(1 for lab in labs if lab.test == lab_id)
        if len(labs) >= MAX_LABS:
            return (f"Lab results: this visit has {len(labs):,} already; accepted: at most "
                    f"{MAX_LABS:,} on one visit. Not added.")
        if same >= MAX_RESULTS_PER_LAB:
            return (f"Lab results: this visit has {same} results of {self.kb.labs[lab_id].name} "
                    f"already; accepted: at most {MAX_RESULTS_PER_LAB} of one lab. Not added.")
        return None

    def entry_accepted(self) -> None:
        """The service saved the result: clear the entry for the next one."""
        self.value.clear()
        self.test.setFocus()

    def show_entry_error(self, message: str) -> None:
        self._show_error(message)

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def _remove(self) -> None:
        if self._read_only:
            return
        row = self.table.currentRow()
        if row >= 0:
            self.remove_requested.emit(int(self.table.item(row, 0).data(Qt.ItemDataRole.UserRole)))

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        for widget in (self.test, self.value, self.unit, self.collected, self.add_button,
                       self.remove_button):
            widget.setEnabled(not read_only)

    def set_history(self, history: dict[str, list[Any]]) -> None:
        """The patient's results from earlier visits (Services.lab_history), shown beside each
        result of the same test."""
        self._history = {test: list(entries) for test, entries in history.items()}
        self._history_key = tuple(
            (test, tuple(entries)) for test, entries in sorted(self._history.items())
        )

    def _earlier_text(self, test: str, this_visit: list[tuple[Any, float, str]]) -> str:
        """Newest first: other results of this visit, then those of earlier visits."""
        values = [(when, value, unit, "") for when, value, unit in this_visit]
        values += [(e.collected, e.value, e.unit, ", earlier visit")
                   for e in self._history.get(test, [])]
        values.sort(key=lambda v: (v[0] is not None, v[0]), reverse=True)
        return "; ".join(
            f"{value:g} {unit}" + (f" ({when.isoformat()}{where})" if when else "")
            for when, value, unit, where in values
        )

    def show_labs(
        self, labs: tuple[LabResult, ...], flags: tuple[LabFlag, ...], sex: str | None
    ) -> None:
        shown = (labs, flags, sex, self._history_key)
        if shown == self._shown:
            return
        self._shown = shown
        by_test: dict[str, LabFlag] = {f.test: f for f in flags}
        self.table.setRowCount(len(labs))
        for row, lab in enumerate(labs):
            kb_lab = self.kb.labs.get(lab.test)
            flag = by_test.get(lab.test)
            is_latest = flag is not None and flag.value == lab.value and flag.unit == lab.unit
            earlier_text = self._earlier_text(lab.test, [
                (r.collected, r.value, r.unit) for i, r in enumerate(labs)
                if r.test == lab.test and i != row
            ])
            # the range in the unit the value is in, so the two can be compared at a glance
            reference = ((flag.reference_in_unit or flag.reference) if is_latest and flag else
                         (kb_lab.reference_text(sex, lab.unit) if kb_lab else ""))
            cells = (
                kb_lab.name if kb_lab else lab.test,
                f"{lab.value:g}",
                lab.unit,
                flag_text(flag) if is_latest else "",
                reference,
                lab.collected.isoformat() if lab.collected else "",
                earlier_text,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                # an empty cell still says what it is to a screen reader
                item.setData(Qt.ItemDataRole.AccessibleTextRole,
                             text or f"{COLUMNS[column]}: {EMPTY[column]}")
                if column == 0:
                    item.setData(Qt.ItemDataRole.UserRole, row)
                if column == 3 and is_latest and flag is not None and flag.flag != "N":
                    item.setForeground(QBrush(QColor("#a40000" if flag.critical else "#7a3e00")))
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()

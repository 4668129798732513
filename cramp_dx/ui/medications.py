"""Medication review: type-ahead from the catalog, free text kept; each flagged drug shows
its class and concern; the quinine warning."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
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

from cramp_dx.case.model import MEDICATION_STATUSES, Medication
from cramp_dx.engine.result import MedicationFlag

COLUMNS = ("Medication", "Dose", "Started", "Status", "Class", "Why it matters")


class MedicationsPanel(QWidget):
    add_requested = Signal(object)  # Medication
    remove_requested = Signal(int)

    def __init__(self, catalog_names: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("medications")
        self._read_only = False
        self.name = QLineEdit()
        self.name.setAccessibleName("Medication name")
        self.name.setPlaceholderText("Generic name; anything else is kept as free text")
        completer = QCompleter(QStringListModel(sorted(catalog_names)), self.name)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchStartsWith)
        self.name.setCompleter(completer)
        self.dose = QLineEdit()
        self.dose.setAccessibleName("Dose")
        self.dose.setPlaceholderText("e.g. 20 mg daily")
        self.start = QLineEdit()
        self.start.setAccessibleName("Start date")
        self.start.setPlaceholderText("YYYY-MM-DD")
        self.start.setMaximumWidth(self.start.fontMetrics().horizontalAdvance("0000-00-00") + 30)
        self.status = QComboBox()
        self.status.setAccessibleName("Medication status")
        self.status.addItem("not recorded", None)
        for status in MEDICATION_STATUSES:
            self.status.addItem(status, status)
        self.add_button = QPushButton("&Add medication")
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.hide()
        entry = QGridLayout()
        for column, (text, widget) in enumerate(
            (("Name", self.name), ("Dose", self.dose), ("Started", self.start),
             ("Status", self.status))
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            entry.addWidget(label, 0, column)
            entry.addWidget(widget, 1, column)
        entry.addWidget(self.add_button, 1, 4)
        entry.setColumnStretch(0, 2)
        entry.setColumnStretch(1, 1)

        self.warning = QLabel()
        self.warning.setObjectName("quinineWarning")
        self.warning.setWordWrap(True)
        self.warning.hide()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("medicationsTable")
        self.table.setAccessibleName("Medications")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.remove_button = QPushButton("&Remove selected")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(entry)
        layout.addWidget(self.error)
        layout.addWidget(self.warning)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(self._add)
        for edit in (self.name, self.dose, self.start):
            edit.returnPressed.connect(self._add)
        self.remove_button.clicked.connect(self._remove)
        QShortcut(QKeySequence.StandardKey.Delete, self.table, self._remove,
                  context=Qt.ShortcutContext.WidgetShortcut)
        self._shown: tuple = ()

    def _add(self) -> None:
        if self._read_only:
            return
        if self.name.completer().popup().isVisible():
            return
        name = self.name.text().strip()
        if not name:
            self._error("Name: enter the medication name.")
            self.name.setFocus()
            return
        start = None
        if self.start.text().strip():
            try:
                start = date.fromisoformat(self.start.text().strip())
            except ValueError:
                self._error(f"Started: “{self.start.text()}” is not a date; accepted: YYYY-MM-DD.")
                self.start.setFocus()
                return
        self._error("")
        self.add_requested.emit(
            Medication(name, self.dose.text().strip() or None, start, self.status.currentData())
        )

    def entry_accepted(self) -> None:
        for edit in (self.name, self.dose, self.start):
            edit.clear()
        self.status.setCurrentIndex(0)
        self.name.setFocus()

    def show_entry_error(self, message: str) -> None:
        self._error(message)

    def _error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def _remove(self) -> None:
        if self._read_only:
            return
        row = self.table.currentRow()
        if row >= 0:
            self.remove_requested.emit(row)

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        for widget in (self.name, self.dose, self.start, self.status, self.add_button,
                       self.remove_button):
            widget.setEnabled(not read_only)

    def show_medications(
        self, medications: tuple[Medication, ...], flags: tuple[MedicationFlag, ...],
        warnings: tuple[str, ...] = (),
    ) -> None:
        shown = (medications, flags, warnings)
        if shown == self._shown:
            return
        self._shown = shown
        flagged: dict[str, list[MedicationFlag]] = {}
        for flag in flags:
            flagged.setdefault(flag.medication.casefold(), []).append(flag)
        self.table.setRowCount(len(medications))
        for row, med in enumerate(medications):
            row_flags = flagged.get(med.name.casefold(), [])
            cells = (
                med.name,
                med.dose or "",
                med.start_date.isoformat() if med.start_date else "",
                med.status or "",
                "; ".join(dict.fromkeys(f.drug_class for f in row_flags)),
                "; ".join(dict.fromkeys(f.concern for f in row_flags))
                or ("not in the catalog (kept as written)" if not row_flags else ""),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        quinine = [w for w in warnings if "quinine" in w.casefold()]
        quinine += [f.concern for f in flags if "quinine" in f.drug.casefold()
                    and f.concern not in quinine]
        self.warning.setText("⚠ " + " ".join(quinine) if quinine else "")
        self.warning.setVisible(bool(quinine))


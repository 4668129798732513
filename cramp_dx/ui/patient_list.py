"""Patient list: search as you type by name, MRN or birth date; recent first; Ctrl+N adds a
patient. Each row says where the patient's latest visit stands (intake, ready for physician,
signed); "Only ready for the physician" lists the patients waiting for one, the longest
waiting first. Only the rows on screen are fetched (the service limits the query).

Every row is one line high: a name too long for its column ends in "…" and the full name is
in its tooltip, while the MRN and birth-date columns are always wide enough for their text.
The list asks for room (in ems, so it grows with the text at 125 % or 200 %) for a name of
ordinary length beside them."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cramp_dx.display import without_bidi_controls
from cramp_dx.ui.screen_fit import available_size

SEARCH_DELAY_MS = 150
LIMIT = 50
NAME_MIN_EMS = 14  # room for a name of ordinary length, "VAN DER BERG, Anna-Maria"
NAME_LEAST_EMS = 6  # ... but never less than this
SCREEN_SHARE = 0.4  # ... nor, for the ordinary length, more than this share of the screen
MRN_FLOOR_EMS = 9  # room kept for an MRN of ordinary length, "LONG-000012345"
DATE_WIDEST = "0000-00-00"
VISIT_STATUS = {"intake": "intake", "ready_for_review": "ready for physician",
                "signed": "signed", None: "no visit"}


def patient_name(row: Any) -> str:
    """"FAMILY, Given" as shown: bidirectional controls in a name cannot reorder it."""
    family = without_bidi_controls(row.family_name or "")
    given = without_bidi_controls(row.given_name or "")
    return f"{family.upper()}, {given}".strip(", ") or "(no name)"


def age_on(birth: date | None, when: date) -> int | None:
    if birth is None:
        return None
    return when.year - birth.year - ((when.month, when.day) < (birth.month, birth.day))


class PatientList(QWidget):
    open_requested = Signal(int)  # patient id
    new_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patientList")
        self.services: Any = None
        self.search = QLineEdit()
        self.search.setObjectName("patientSearch")
        self.search.setPlaceholderText("Search name, MRN or birth date (YYYY-MM-DD)")
        self.search.setAccessibleName("Search patients by name, MRN or birth date")
        self.search.setClearButtonEnabled(True)
        for button in self.search.findChildren(QToolButton):  # the clear button
            button.setAccessibleName("Clear the search")
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("patientTable")
        self.table.setAccessibleName("Patients, most recent first")
        self.table.setHorizontalHeaderLabels(("Name", "MRN", "Born", "Visit"))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)  # one line a row, so every row has the same height
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        # rows as tall as one line of the current font (the default height is in pixels)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # a wider MRN or birth-date column asks the splitter for room (see minimumSizeHint)
        header.sectionResized.connect(self._column_resized)
        self.count = QLabel()
        self.count.setObjectName("patientCount")
        # no Alt mnemonic: Ctrl+N is its key, and Alt+N must stay free for typing (notes)
        self.new_button = QPushButton("New patient (Ctrl+N)")
        self.new_button.setAccessibleName("New patient")
        self.ready_only = QCheckBox("Only read&y for the physician")
        self.ready_only.setObjectName("readyOnly")
        self.ready_only.setAccessibleName("Show only patients whose visit is ready for the "
                                          "physician")
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.ready_only)
        layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        bottom.addWidget(self.new_button)
        layout.addLayout(bottom)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self.search.textEdited.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self._open_first)
        self.table.activated.connect(lambda index: self._open_row(index.row()))
        self.new_button.clicked.connect(self.new_requested)
        self.ready_only.toggled.connect(lambda _on: self.refresh())
        self.rows: list[Any] = []

    def set_services(self, services: Any) -> None:
        self.services = services
        self.search.clear()
        self.refresh()

    def clear(self) -> None:
        self.services = None
        self.search.setEnabled(True)
        self.new_button.setEnabled(True)
        self.ready_only.setEnabled(True)
        self.ready_only.setChecked(False)
        self.rows = []
        self.table.setRowCount(0)
        self.search.clear()
        self.count.clear()

    def refresh(self) -> None:
        self._timer.stop()
        if self.services is None:
            return
        reading = self.services.may_read_clinical_data()
        self.search.setEnabled(reading)
        self.new_button.setEnabled(reading)
        self.ready_only.setEnabled(reading)
        self.count.setWordWrap(not reading)
        if not reading:
            self.show_rows([], searching=False)
            self.count.setText("An admin manages accounts and reads no patient data. In an "
                               "emergency: File → Emergency access…")
            return
        text = self.search.text().strip()
        if self.ready_only.isChecked():
            rows = self.services.ready_patients(text, limit=LIMIT)
        elif text:
            rows = self.services.search_patients(text, limit=LIMIT)
        else:
            rows = self.services.recent_patients(limit=LIMIT)
        self.show_rows(rows, searching=bool(text))

    def show_rows(self, rows: list[Any], searching: bool) -> None:
        self.rows = list(rows)
        self.table.setUpdatesEnabled(False)
        self.table.setRowCount(len(self.rows))
        for index, row in enumerate(self.rows):
            cells = (
                patient_name(row),
                without_bidi_controls(row.mrn or ""),
                row.birth_date.isoformat() if row.birth_date else "",
                VISIT_STATUS.get(row.visit_status, row.visit_status or ""),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 0:
                    item.setData(Qt.ItemDataRole.UserRole, row.id)
                    item.setToolTip(text)  # the full name, should the column cut it short
                self.table.setItem(index, column, item)
        self.table.setUpdatesEnabled(True)
        self._fit_status()
        if self.ready_only.isChecked():
            self.count.setText(f"{len(self.rows)} ready for the physician, the longest waiting "
                               "first" if self.rows else "Nobody is waiting for the physician")
        elif searching:
            self.count.setText(f"{len(self.rows)} found" + (" (first 50)" if len(self.rows)
                                                             >= LIMIT else ""))
        else:
            self.count.setText("Most recent patients" if self.rows else "No patients yet")

    def minimumSizeHint(self) -> QSize:
        """Room for the MRN and birth-date columns in full and for a name of ordinary length,
        unless that would take more than SCREEN_SHARE of the screen (large text on a small
        screen): then names get at least NAME_LEAST_EMS and longer ones are elided."""
        hint = super().minimumSizeHint()
        table = self.table
        header = table.horizontalHeader()
        em = table.fontMetrics().horizontalAdvance("M")
        # the columns are sized to their contents; the floors keep the list from changing
        # width as a search brings rows with shorter MRNs (or none)
        mrn = max(header.sectionSize(1), em * MRN_FLOOR_EMS)
        born = max(header.sectionSize(2), em + table.fontMetrics().horizontalAdvance(DATE_WIDEST))
        columns = (mrn + born + 2 * table.frameWidth()
                   + table.verticalScrollBar().sizeHint().width())
        share = int(available_size(self).width() * SCREEN_SHARE)
        # the visit status comes after these: the workspace gives the list room for it
        # (LIST_WIDTH_EMS); where there is none (large text on a small screen) the column is
        # left out rather than the window widened past the screen (see _fit_status)
        width = max(columns + em * NAME_LEAST_EMS, min(columns + em * NAME_MIN_EMS, share))
        return QSize(max(hint.width(), width), hint.height())

    def _column_resized(self, column: int, _old: int, _new: int) -> None:
        if column in (1, 2):
            self.updateGeometry()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_status()

    def _fit_status(self) -> None:
        """The visit status column only when the list has room for it beside a name of the
        least length, the MRN and the birth date; else it is left out (the "ready for the
        physician" filter still finds those waiting)."""
        table = self.table
        em = table.fontMetrics().horizontalAdvance("M")
        header = table.horizontalHeader()
        status = max(header.sectionSizeHint(3), em + table.fontMetrics().horizontalAdvance(
            VISIT_STATUS["ready_for_review"]))
        need = (header.sectionSize(1) + header.sectionSize(2) + status + em * NAME_LEAST_EMS
                + 2 * table.frameWidth() + table.verticalScrollBar().sizeHint().width())
        table.setColumnHidden(3, table.width() < need)

    def _open_first(self) -> None:
        self.refresh()
        if self.rows:
            self._open_row(max(self.table.currentRow(), 0))

    def _open_row(self, row: int) -> None:
        if 0 <= row < len(self.rows):
            self.open_requested.emit(self.rows[row].id)

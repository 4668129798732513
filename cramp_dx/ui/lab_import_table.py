"""The preview of a lab import: one row per result in the message, with what will happen to it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

COLUMNS = ("Lab", "Value", "Unit", "Reference", "Flag", "Collected", "Will be")
ACTIONS = {"add": "added", "replace": "replaced (corrected)", "skip": "skipped"}
SKIPPED = QColor("#6b6b6b")


class LabImportTable(QTableWidget):
    """Read-only; a skipped row is grey and says why in its last column."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setObjectName("labImportTable")
        self.setAccessibleName("Lab results in the file and what will happen to each")
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(True)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)

    def show_rows(self, rows: Sequence[Any]) -> None:
        self.setRowCount(len(rows))
        for index, row in enumerate(rows):
            what = ACTIONS.get(row.action, row.action) + (f": {row.reason}" if row.reason else "")
            cells = (row.lab, row.value, row.unit, row.reference, row.flag, row.collected, what)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{row.source}: {text}")
                if row.action == "skip":
                    item.setForeground(QBrush(SKIPPED))
                self.setItem(index, column, item)
        self.resizeRowsToContents()

    def cell_text(self, row: int, column: str) -> str:
        item = self.item(row, COLUMNS.index(column))
        return item.text() if item else ""

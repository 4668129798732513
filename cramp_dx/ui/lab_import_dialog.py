"""File → Import labs…: the preview of a laboratory message before anything is saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from cramp_dx.errors import CrampDxError
from cramp_dx.ui.lab_import_table import LabImportTable


class LabImportDialog(QDialog):
    """Shows the plan; **Import** calls `store()` (one audited transaction) and closes, or
    keeps the dialog open with the reason when the record refuses it. Nothing is saved on
    Cancel. A plan with nothing to add offers Close only."""

    def __init__(
        self, file_name: str, patient: str, plan: Any, store: Callable[[], Any], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("labImportDialog")
        self.setWindowTitle("Import labs")
        self.setAccessibleName("Import labs: preview")
        self.setModal(True)
        self.resize(960, 420)
        self._store = store
        self.result_value: Any = None
        intro = QLabel(
            f"<b>{file_name}</b> ({plan.kind}) for {patient}: {plan.summary()}. "
            "Nothing is saved until you choose Import."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        intro.setAccessibleName("What the file holds")
        self.intro = intro
        self.table = LabImportTable(self)
        self.table.show_rows(plan.rows)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Why the import was refused")
        self.error.hide()
        buttons = QDialogButtonBox()
        self.import_button = QPushButton("&Import")
        self.import_button.setAccessibleName(f"Import: {plan.summary()}")
        self.import_button.setEnabled(plan.changes)
        self.cancel_button = QPushButton("&Cancel" if plan.changes else "&Close")
        self.cancel_button.setAccessibleName("Close without saving anything")
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.import_button.clicked.connect(self._import)
        self.cancel_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        (self.import_button if plan.changes else self.cancel_button).setDefault(True)

    def _import(self) -> None:
        try:
            self.result_value = self._store()
        except CrampDxError as exc:
            self.error.setText(f"Not imported: {exc}")
            self.error.show()
            return
        self.accept()

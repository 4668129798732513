"""Emergency access ("break the glass", ONC 170.315(d)(6)): a signed-in user whose role does
not open patient records (an admin) opens one patient's record, read only, after stating
why. The service audits it; `cramp-dx audit --emergency` reports it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from cramp_dx.errors import CrampDxError, InputError


class EmergencyAccessDialog(QDialog):
    """Asks for the MRN and the reason; `open_record(mrn, reason)` is the service call (it
    raises on a refused reason or an unknown MRN, shown here). `opened` holds its result."""

    def __init__(self, open_record: Callable[[str, str], Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emergencyDialog")
        self.setWindowTitle("Emergency access")
        self._open_record = open_record
        self.opened: Any = None
        warning = QLabel(
            "<b>Emergency access</b> opens a patient's record that your role does not open. "
            "State why: the access, its reason and every view are audited and reported to the "
            "clinic. The record opens read only."
        )
        warning.setWordWrap(True)
        self.mrn = QLineEdit()
        self.mrn.setAccessibleName("MRN of the patient")
        self.reason = QPlainTextEdit()
        self.reason.setAccessibleName("Reason for emergency access")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.hide()
        form = QFormLayout()
        form.addRow("&MRN", self.mrn)
        form.addRow("&Reason", self.reason)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(warning)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.mrn.setFocus()

    def submit(self) -> None:
        try:
            self.opened = self._open_record(self.mrn.text().strip(), self.reason.toPlainText())
        except InputError as exc:
            self._show("\n".join(str(p) for p in exc.problems))
            return
        except CrampDxError as exc:
            self._show(str(exc))
            return
        self.accept()

    def _show(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

"""New patient (Ctrl+N): identity, index surgery and today's visit in one short form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from cramp_dx.case.checks import MAX_MRN, MAX_NAME, length_problem
from cramp_dx.case.model import PROCEDURES, SEXES
from cramp_dx.errors import CrampDxError, InputError


class NewPatientDialog(QDialog):
    """Collects the values and calls `create(values)` (the services); an InputError from it
    is shown in the dialog, which stays open so nothing typed is lost."""

    def __init__(self, create: Callable[[dict[str, Any]], Any], parent: QWidget | None = None):
        super().__init__(parent)
        self.create = create
        self.created: Any = None
        self.setObjectName("newPatientDialog")
        self.setWindowTitle("New patient")
        self.mrn = QLineEdit()
        self.family_name = QLineEdit()
        self.given_name = QLineEdit()
        self.birth_date = QLineEdit()
        self.sex = QComboBox()
        self.sex.addItem("not recorded", None)
        for sex in SEXES:
            self.sex.addItem(sex, sex)
        self.surgery_date = QLineEdit()
        self.procedure = QComboBox()
        self.procedure.addItem("not recorded", None)
        for procedure in PROCEDURES:
            self.procedure.addItem(procedure, procedure)
        self.levels = QLineEdit()
        self.levels.setPlaceholderText("e.g. L4-L5, L5-S1")
        self.visit_date = QLineEdit(date.today().isoformat())
        for edit in (self.birth_date, self.surgery_date, self.visit_date):
            edit.setPlaceholderText("YYYY-MM-DD")
        form = QFormLayout()
        for label, widget in (
            ("&MRN", self.mrn), ("&Family name", self.family_name),
            ("&Given name", self.given_name), ("&Birth date", self.birth_date),
            ("Se&x", self.sex), ("&Surgery date", self.surgery_date),
            ("&Procedure", self.procedure), ("&Levels", self.levels),
            ("&Visit date", self.visit_date),
        ):
            form.addRow(label, widget)
            widget.setAccessibleName(label.replace("&", ""))
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Problems with the new patient")
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.values: dict[str, Any] = {}
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 32)

    def _date(self, edit: QLineEdit, label: str, problems: list[str], required: bool) -> Any:
        text = edit.text().strip()
        if not text:
            if required:
                problems.append(f"{label}: required (YYYY-MM-DD).")
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            problems.append(f"{label}: “{text}” is not a date; accepted: YYYY-MM-DD.")
            return None

    def _check(self) -> None:
        problems: list[str] = []
        mrn = self.mrn.text().strip()
        if not mrn:
            problems.append("MRN: required.")
        for label, edit, limit in (("MRN", self.mrn, MAX_MRN), ("Family name", self.family_name, MAX_NAME),
                                   ("Given name", self.given_name, MAX_NAME)):
            too_long = length_problem(edit.text().strip(), limit)
            if too_long:
                problems.append(f"{label}: {too_long}.")
        values = {
            "mrn": mrn,
            "family_name": self.family_name.text().strip() or None,
            "given_name": self.given_name.text().strip() or None,
            "birth_date": self._date(self.birth_date, "Birth date", problems, False),
            "sex": self.sex.currentData(),
            "surgery_date": self._date(self.surgery_date, "Surgery date", problems, True),
            "procedure": self.procedure.currentData(),
            "levels": tuple(p.strip().upper() for p in self.levels.text().split(",")
                            if p.strip()),
            "visit_date": self._date(self.visit_date, "Visit date", problems, True),
        }
        if problems:
            self.show_problems(problems)
            return
        self.values = values
        try:
            self.created = self.create(values)
        except InputError as exc:
            from cramp_dx.services.wording import problem_text

            self.show_problems([problem_text(p) for p in exc.problems])
            return
        except CrampDxError as exc:
            self.show_problems([str(exc)])
            return
        self.accept()

    def show_problems(self, problems: list[str]) -> None:
        self.error.setText("\n".join(problems))
        self.error.show()

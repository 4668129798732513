"""The open patient at a glance: name, age, MRN, surgery and weeks since surgery."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from cramp_dx.display import without_bidi_controls
from cramp_dx.ui.patient_list import age_on, patient_name

STATUS_TEXT = {
    "intake": "Intake (nurse)",
    "ready_for_review": "Ready for physician",
    "signed": "Signed — read-only",
}


class PatientHeader(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patientHeader")
        self.name = QLabel()
        self.name.setObjectName("patientName")
        self.name.setTextFormat(Qt.TextFormat.RichText)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setObjectName("patientDetails")
        self.status = QLabel()
        self.status.setObjectName("visitStatus")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.name)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.status)
        self.text = ""
        self.patient_name = ""  # the name as shown, plain text (the window title)

    def show_visit(self, record: Any, weeks_since_surgery: float | None) -> None:
        workup = record.workup
        patient, surgery, visit = workup.patient, workup.surgery, workup.visit
        name = patient_name(patient)
        age = age_on(patient.birth_date, visit.date)
        age_text = f"{age} y" if age is not None else "age not recorded"
        sex = patient.sex or "sex not recorded"
        procedure = (surgery.procedure or "surgery").replace("_", " ")
        levels = " ".join(surgery.levels)
        weeks = (f"{weeks_since_surgery:.1f} weeks since surgery"
                 if weeks_since_surgery is not None else "")
        mrn = without_bidi_controls(patient.mrn or "") or "—"
        details = (f"{age_text} · {sex} · MRN {mrn} · {procedure} {levels} on "
                   f"{surgery.date.isoformat()} · {weeks} · visit {visit.date.isoformat()}")
        self.name.setText(f"<b style='font-size:large'>{html.escape(name)}</b>")  # as typed
        self.details.setText(details)
        self.status.setText(STATUS_TEXT.get(record.status, record.status))
        self.text = f"{name} · {details}"
        self.patient_name = name
        self.setAccessibleName(f"Patient {self.text}. Visit status {self.status.text()}")

    def clear(self) -> None:
        self.name.clear()
        self.details.clear()
        self.status.clear()
        self.text = ""
        self.patient_name = ""

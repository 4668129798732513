"""The signed-in workspace: the patient list beside the open visit (or a placeholder)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QWidget

from cramp_dx.ui.current_page_stack import CurrentPageStack
from cramp_dx.ui.patient_list import PatientList

LIST_WIDTH_EMS = 34  # room for a full name, MRN, birth date and visit status


class Workspace(QSplitter):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setObjectName("workspace")
        self.patient_list = PatientList()
        self.placeholder = QLabel("Open a patient from the list, or add one with Ctrl+N.")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.detail = CurrentPageStack()
        self.detail.addWidget(self.placeholder)
        self.addWidget(self.patient_list)
        self.addWidget(self.detail)
        self.setStretchFactor(0, 1)
        self.setStretchFactor(1, 4)
        self.setChildrenCollapsible(True)

    def size_for(self, width: int) -> None:
        """The patient list gets room for a full name, MRN, birth date and status, at most a third
        of `width`; the visit gets the rest. Either can be dragged smaller or collapsed."""
        wanted = self.fontMetrics().horizontalAdvance("M") * LIST_WIDTH_EMS
        list_width = max(min(wanted, width // 3), 160)
        self.setSizes([list_width, max(width - list_width, 1)])

    def make_room(self, needed: int, room: int) -> bool:
        """Fold the patient list away when the open visit needs more than the `room` the
        window has beside it (a small screen, or 200 % scaling); True if it was folded. (Hidden,
        not collapsed: a collapsed list would still count in the window's minimum width.)"""
        if self.list_folded() or room - self.patient_list.minimumSizeHint().width() >= needed:
            return False
        self.patient_list.hide()
        return True

    def list_folded(self) -> bool:
        return self.patient_list.isHidden()

    def unfold_list(self) -> None:
        if self.list_folded():
            self.patient_list.show()
            self.size_for(self.width())

    def show_placeholder(self) -> None:
        self.detail.setCurrentWidget(self.placeholder)
        self.unfold_list()

"""The open visit: header, red-flag banner, the workup sections and, beside them, the live
differential and Wells score. Every edit goes through a VisitSession (autosave via
`Services.apply`, on the save worker's thread); every change re-runs
`cramp_dx.engine.assess` on the current workup. Entries typed and not added yet are kept as
drafts on this workstation."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cramp_dx.case.model import NEURO_LABELS
from cramp_dx.errors import CrampDxError, InputError
from cramp_dx.services.background import Worker
from cramp_dx.services.editing import FieldKey
from cramp_dx.ui.conflict_dialog import ConflictDialog
from cramp_dx.ui.differential_panel import DifferentialPanel
from cramp_dx.ui.draft_keeper import DraftKeeper
from cramp_dx.ui.medications import describe as describe_medication
from cramp_dx.ui.patient_header import PatientHeader
from cramp_dx.ui.red_flag_banner import RedFlagBanner
from cramp_dx.ui.save_indicator import SaveIndicator
from cramp_dx.ui.shortcuts import shortcut
from cramp_dx.ui.visit_editor import VisitEditor
from cramp_dx.ui.visit_session import VisitSession
from cramp_dx.ui.wells_panel import WellsPanel


def _describe(value: Any) -> str:
    if value is None:
        return "(empty / not assessed)"
    if value is True:
        return "present"
    if value is False:
        return "absent"
    if isinstance(value, float):
        return f"{value:g}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "state"):
        when = f" on {value.date.isoformat()}" if getattr(value, "date", None) else ""
        return f"{value.state.replace('_', ' ')}{when}"
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) or "(none)"
    return str(value)


WELLS_SHARE = 0.4  # of the side column, at most, for the Wells score when a visit opens


class VisitPage(QWidget):
    """`message(text)` goes to the status bar; `pdf_ready(path)` asks the window to preview."""

    message = Signal(str)
    pdf_ready = Signal(object)
    visit_changed = Signal()
    printed = Signal(str)  # what became of a print: "Summary sent to …" or why not
    _print_done = Signal(object, str)  # a Future and the printer, from the print worker

    def __init__(
        self,
        kb: Any,
        settings: Callable[[], Any],
        save_indicator: SaveIndicator,
        parent: QWidget | None = None,
        *,
        defer_build: bool = False,
    ) -> None:
        """`defer_build`: the workup sections are built by `build_step` calls (the app's
        warm-up), or at once when a visit opens."""
        super().__init__(parent)
        self.setObjectName("visitPage")
        self.kb = kb
        self.settings = settings
        self.save_indicator = save_indicator
        self.services: Any = None
        self.account: Any = None
        self.session: VisitSession | None = None
        self.assessment: Any = None
        self.conflict_dialog: ConflictDialog | None = None
        self.confirm: Callable[[str, str], bool] = self._confirm
        self.last_assess_ms = 0.0
        self.error_box: QMessageBox | None = None
        self.lab_import_dialog: Any = None
        self.worker = Worker("save")
        self.print_worker = Worker("print")
        self.drafts = DraftKeeper(self.worker, self)
        self._print_done.connect(self._printed, Qt.ConnectionType.QueuedConnection)

        self.header = PatientHeader()
        self.emergency_banner = QLabel()
        self.emergency_banner.setObjectName("emergencyBanner")
        self.emergency_banner.setWordWrap(True)
        self.emergency_banner.setAccessibleName("Emergency access in use")
        self.emergency_banner.setStyleSheet(
            "QLabel#emergencyBanner { background: #8b0000; color: white; font-weight: bold; "
            "padding: 6px; }"
        )
        self.emergency_banner.hide()
        self.banner = RedFlagBanner()
        self.editor = VisitEditor(kb, lambda _lab: None, kb.medications.names(),
                                  defer_build=defer_build)
        self.editor.labs.unit_preference = lambda: self.settings().lab_units
        self.differential = DifferentialPanel({t.id: t.name for t in kb.tests.values()})
        self.wells = WellsPanel(kb.wells_categories)
        side = QSplitter(Qt.Orientation.Vertical)
        side.setObjectName("sidePanel")
        side.addWidget(self.differential)
        wells_scroll = QScrollArea()
        wells_scroll.setWidgetResizable(True)
        wells_scroll.setFrameShape(QFrame.Shape.NoFrame)
        wells_scroll.setWidget(self.wells)
        side.addWidget(wells_scroll)
        side.setStretchFactor(0, 3)
        side.setStretchFactor(1, 1)
        self.side = side
        self._side_shared = False
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.editor)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        # the checklist never collapses; the differential side can, on a small screen
        self.splitter.setCollapsible(0, False)
        self.splitter.setCollapsible(1, True)

        self.ready_button = QPushButton("Ready for p&hysician")  # Alt+P is the summary PDF
        self.ready_button.setAccessibleName("Mark the intake ready for the physician")
        self.sign_button = QPushButton("&Sign visit")
        self.addendum_button = QPushButton("Add a&ddendum")
        self.pdf_button = QPushButton("Summary &PDF (Ctrl+P)")
        self.new_visit_button = QPushButton("New &visit")
        self.signed_label = QLabel()
        self.signed_label.setObjectName("signedLabel")
        self.signed_label.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.signed_label, 1)
        for button in (self.new_visit_button, self.pdf_button, self.ready_button,
                       self.addendum_button, self.sign_button):
            actions.addWidget(button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.emergency_banner)
        layout.addWidget(self.header)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(actions)

        shortcut("Ctrl+Shift+A", self, self.focus_first_flag,
                 Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.banner.setToolTip("Ctrl+Shift+A moves to the first flag to acknowledge")
        self.editor.edited.connect(self._edited)
        self.editor.labs.add_requested.connect(self._add_lab)
        self.editor.labs.remove_requested.connect(self._remove_lab)
        self.editor.medications.add_requested.connect(self._add_medication)
        self.editor.medications.update_requested.connect(self._update_medication)
        self.editor.medications.line_edited.connect(self._line_edited)
        self.editor.medications.remove_requested.connect(self._remove_medication)
        self.editor.labs.entry_typed.connect(
            lambda: self.drafts.typed("lab", self.editor.labs.entry_fields))
        self.editor.medications.entry_typed.connect(
            lambda: self.drafts.typed("medication", self.editor.medications.entry_fields))
        self.drafts.kept.connect(self._draft_kept)
        self.drafts.failed.connect(lambda text: self.message.emit(f"Draft not kept: {text}"))
        self.editor.labs.validate = self._check_lab
        self.banner.acknowledge_requested.connect(self.acknowledge)
        self._focus_before_banner: QWidget | None = None
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        self.ready_button.clicked.connect(self.mark_ready)
        self.sign_button.clicked.connect(self.sign)
        self.addendum_button.clicked.connect(self.add_addendum)
        self.pdf_button.clicked.connect(self.generate_pdf)
        self.new_visit_button.clicked.connect(self.new_visit)

    # -- opening and closing -----------------------------------------------------------------
    @property
    def is_physician(self) -> bool:
        return self.account is not None and self.account.role == "physician"

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._side_shared:
            QTimer.singleShot(0, self._share_side)

    def _share_side(self) -> None:
        """Once, when the side column first has a height and a Wells score: the Wells panel
        gets the height it needs, up to WELLS_SHARE of the column, the differential the rest
        (the scroll area's own size hint is of the empty panel). Later the user's splitter
        position stays."""
        total = sum(self.side.sizes())
        if self._side_shared or total <= 0 or not self.wells.rows:
            return
        scroll = self.side.widget(1)
        need = self.wells.heightForWidth(scroll.viewport().width()) + 2 * scroll.frameWidth()
        wells = min(need, int(total * WELLS_SHARE))
        self.side.setSizes([total - wells, wells])
        self._side_shared = True

    def build_step(self) -> bool:
        """Build the next part of the workup sections; True while parts remain."""
        return self.editor.build_step()

    def open_visit(self, services: Any, account: Any, record: Any) -> None:
        self.editor.finish_build()
        self.close_visit()
        self.editor.medications.reset()
        self.services, self.account = services, account
        self.session = VisitSession(services, record, self.worker, parent=self)
        self.session.view_only = not services.may_read_clinical_data()
        reason = services.emergency_reason(record.patient_id)
        self.emergency_banner.setText(
            f"EMERGENCY ACCESS in use ({account.username}, {account.role}): {reason} — this "
            "record is read only, and every view is audited and reported." if reason else ""
        )
        self.emergency_banner.setVisible(reason is not None)
        self.session.record_changed.connect(self._show_record)
        self.session.workup_changed.connect(self.reassess)
        self.session.save_state.connect(self.save_indicator.set_state)
        self.session.conflict.connect(self._conflict)
        self.session.input_problem.connect(self._input_problem)
        everything = self.is_physician or self.session.view_only
        sections = list(self.editor.sections) if everything else [
            s for s in self.editor.sections if s in self.editor.intake_sections
        ]
        self.editor.set_role_sections(sections)
        # every visit opens at its first section: a physician starts at the top of the
        # workup, not wherever the last person (the nurse at intake) left this window
        self.editor.show_section(sections[0])
        for section in self.editor.sections.values():
            section.scroll.verticalScrollBar().setValue(0)
        try:
            history = services.lab_history(record.patient_id, before_visit_id=record.id)
        except CrampDxError as exc:
            history = {}
            self.message.emit(f"Earlier lab values could not be read: {exc}")
        self.editor.labs.set_history(history)
        self.differential.tree.collapseAll()
        self._show_record(record)
        self.reassess()
        self.save_indicator.set_state("read_only" if self.session.read_only else "idle")
        self._restore_drafts(services, record)

    def _restore_drafts(self, services: Any, record: Any) -> None:
        """Entries typed here earlier and not added come back, and the status bar says so."""
        from cramp_dx.paths import data_dir
        from cramp_dx.services.drafts import Drafts

        db = getattr(services, "db", None)
        # a signed visit, or one opened only to read (emergency access), takes no entries
        read_only = self.session is None or self.session.read_only
        drafts = None if db is None or read_only else Drafts(
            data_dir() / "drafts", db.describe(), services.account.username)
        self.drafts.start(drafts, record.id)
        restored = []
        try:
            lab, medication = self.drafts.load("lab"), self.drafts.load("medication")
        except (CrampDxError, ValueError):
            return
        if lab and "labs" in self.editor.role_sections:
            self.editor.labs.restore_entry(lab)
            restored.append("a lab result (Metabolic labs)")
        if medication:
            self.editor.medications.restore_entry(medication)
            restored.append("a medication (Medication review)")
        if restored:
            self.message.emit("Typed earlier and not added yet: " + " and ".join(restored)
                              + ". Add it, or clear it with Esc.")

    def _draft_kept(self, entry: str, empty: bool) -> None:
        if not empty:
            what = "lab result" if entry == "lab" else "medication"
            self.message.emit(f"Draft kept on this workstation: the {what} typed is not added "
                              "yet.")

    def close_visit(self) -> bool:
        """Save what is pending; False (visit stays open) while something can't be saved."""
        if self.session is None:
            return True
        if not self._entry_saved():
            return False
        if not self.session.flush():
            self.message.emit("Resolve the unsaved change before leaving this visit.")
            return False
        self.drafts.start(None, None)
        self.session.deleteLater()
        self.session = None
        self.header.clear()
        self.emergency_banner.hide()
        return True

    def flush(self) -> bool:
        self.drafts.flush()
        return self.session is None or self.session.flush()

    def shutdown(self) -> None:
        """The app closes: what is in flight is finished first, then the worker stops."""
        self.drafts.flush()
        if self.session is not None:
            self.session.wait()
        self.worker.shutdown()
        self.print_worker.shutdown()

    # -- showing -----------------------------------------------------------------------------
    def _show_record(self, record: Any) -> None:
        session = self.session
        assert session is not None
        self.editor.show_values(session.current_value, set(session.pending))
        read_only = session.read_only
        self.editor.set_read_only(read_only)
        status = record.status
        viewing = session.view_only
        self.ready_button.setVisible(not self.is_physician and status == "intake" and not viewing)
        self.new_visit_button.setVisible(not viewing)
        self.sign_button.setVisible(self.is_physician and status != "signed")
        self.addendum_button.setVisible(self.is_physician and status == "signed")
        if status == "signed":
            at = record.signed_at.strftime("%Y-%m-%d %H:%M") if record.signed_at else ""
            text = f"Signed by {record.signed_by} {at}. Read-only; changes go in an addendum."
            if record.addenda:
                text += f" {len(record.addenda)} addendum(s)."
            self.signed_label.setText(text)
        elif status == "ready_for_review":
            self.signed_label.setText("Intake complete: ready for the physician.")
        else:
            self.signed_label.setText("")
        self.visit_changed.emit()

    def reassess(self) -> None:
        """Re-rank on the current workup (saved + pending) and redraw what changed."""
        if self.session is None:
            return
        from cramp_dx.engine import assess

        started = time.perf_counter()
        workup = self.session.current_workup()
        settings = self.settings()
        try:
            assessment = assess(workup, self.kb, lab_ranges=settings.lab_ranges or None)
        except CrampDxError as exc:
            self.message.emit(f"Could not assess: {exc}")
            return
        self.assessment = assessment
        record = self.session.record
        self.header.show_visit(_with_workup(record, workup), assessment.weeks_since_surgery)
        self.banner.show_flags(
            assessment.red_flags, tuple(record.acknowledged_red_flags),
            read_only=self.session.read_only or not self.is_physician,
        )
        self.differential.show_assessment(assessment)
        self.wells.show_wells(assessment.wells)
        if self.editor.neuro is not None:
            self.editor.neuro.show_level_check(assessment.level_check)
        if not self._side_shared:
            self._share_side()
        self.editor.labs.show_labs(workup.labs, assessment.lab_flags, workup.patient.sex)
        self.editor.medications.show_medications(
            workup.medications, assessment.medication_flags, assessment.medication_warnings,
            unrecognised=assessment.unrecognised_medications,
        )
        self.last_assess_ms = (time.perf_counter() - started) * 1000

    # -- edits -------------------------------------------------------------------------------
    def _edited(self, key: tuple, value: Any) -> None:
        if self.session is not None:
            self.session.edit(key, value)

    def _words(self, error: CrampDxError, workup: Any = None) -> str:
        """An error in the screen's words (field labels, not the record's paths)."""
        from cramp_dx.services.wording import error_text

        if workup is None:
            workup = self.session.current_workup() if self.session is not None else None
        return error_text(error, workup, self.kb) if workup is not None else str(error)

    def _run(self, change: Any, done: Callable[[str | None], None] | None = None,
             workup: Any = None) -> None:
        """Apply a list change after the pending edits, on the save worker; `done(problem)`
        on this thread with None once saved, else the reason in the screen's words."""
        if self.session is None:
            if done is not None:
                done("No visit is open.")
            return

        def finished(error: CrampDxError | None) -> None:
            if done is not None:
                done(None if error is None else self._words(error, workup))

        self.session.run(change, finished)

    def _check_lab(self, lab: Any) -> None:
        """The entry's value checked before it is sent, in the words of the screen
        ("Potassium, serum: 45 mmol/L is not plausible …")."""
        from cramp_dx.casefile.io import lab_value_problem
        from cramp_dx.errors import Problem

        kb_lab = self.kb.labs.get(lab.test)
        if kb_lab is None:
            return
        if lab.unit not in kb_lab.accepted_units:
            raise InputError(Problem(kb_lab.name, f"unit {lab.unit!r} not accepted; accepted: "
                                     f"{', '.join(kb_lab.accepted_units)}"))
        problem = lab_value_problem(kb_lab, lab.value, lab.unit, named=False)
        if problem:
            raise InputError(Problem(kb_lab.name, problem))
        visit_date = self.session.record.workup.visit.date if self.session else None
        if lab.collected and visit_date and lab.collected > visit_date:
            raise InputError(Problem(
                f"{kb_lab.name}, collected",
                f"{lab.collected.isoformat()} is after the visit date {visit_date.isoformat()}"))

    def _add_lab(self, lab: Any) -> None:
        from dataclasses import replace

        from cramp_dx.services.changes import AddLab

        labs = self.editor.labs
        submitted = labs.value.text()
        workup = self.session.current_workup() if self.session else None
        with_lab = replace(workup, labs=(*workup.labs, lab)) if workup is not None else None

        def done(problem: str | None) -> None:
            if problem is not None:
                labs.show_entry_error(problem)
            elif labs.value.text() == submitted:
                labs.entry_accepted()
                self.drafts.typed("lab", labs.entry_fields)

        self._run(AddLab(lab), done, with_lab)

    def _remove_lab(self, index: int) -> None:
        from cramp_dx.services.changes import RemoveLab

        assert self.session is not None
        labs = self.session.record.workup.labs
        if 0 <= index < len(labs):
            self._run(RemoveLab(index, labs[index]), self._problem_message)

    def _problem_message(self, problem: str | None) -> None:
        if problem is not None:
            self.message.emit(problem)

    def _add_medication(self, medication: Any) -> None:
        from cramp_dx.services.changes import AddMedication

        panel = self.editor.medications
        submitted = panel.entry_fields()

        def done(problem: str | None) -> None:
            if problem is not None:
                panel.show_entry_error(problem)
            elif panel.entry_fields() == submitted:
                panel.entry_accepted()
                self.drafts.typed("medication", panel.entry_fields)

        self._run(AddMedication(medication), done)

    def _line_edited(self, index: int, medication: Any) -> None:
        """A line being edited: each readable change is saved like any other field."""
        if self.session is not None:
            self.session.edit(FieldKey("medication", str(index)), medication)

    def _update_medication(self, index: int, medication: Any, _old: Any) -> None:
        """Save changes (Enter): the line's edit is saved now; the panel goes back to adding
        once it is."""
        session = self.session
        assert session is not None
        key = FieldKey("medication", str(index))
        session.edit(key, medication)
        self._run(None, lambda problem: self._medication_saved(key, medication, problem))

    def _medication_saved(self, key: FieldKey, medication: Any, problem: str | None) -> None:
        assert self.session is not None
        panel = self.editor.medications
        if self.session.in_conflict is not None:
            return  # the dialog decides; then this is called again
        if problem is None and self.session.saved_value(key) == medication:
            if panel.editing == int(key.name):
                panel.entry_accepted()
        elif self.session.read_only:
            panel.show_entry_error("Not saved: this visit is signed and read-only; "
                                   "add an addendum instead.")
        else:
            panel.show_entry_error(problem or self.session.last_error or "Not saved.")

    def _entry_saved(self) -> bool:
        """False (and the entry shown) while a lab or medication is typed in an entry and not
        added, or a medication line is being edited with changes not saved: leaving, printing
        or signing now would drop what was typed, or apply it to another visit."""
        meds, labs = self.editor.medications, self.editor.labs
        if meds.has_unsaved_edit():
            section, field = "medications", meds.name
            text = ("Medication review: the line being edited shows something that cannot be "
                    "saved as it is (see the message there): correct it, or Cancel (Esc) to "
                    "put the line back, first.")
        elif meds.has_unsaved_entry():
            section, field = "medications", meds.name
            text = ("Medication review: a medication is typed but not added: "
                    "Add it, or press Esc in the fields to clear them, first.")
        elif labs.has_unsaved_entry():
            section, field = "labs", labs.value
            text = ("Metabolic labs: a value is typed but not added: "
                    "Add it, or press Esc in the fields to clear them, first.")
        else:
            return True
        self.message.emit(text)
        if section in self.editor.role_sections:
            self.editor.show_section(section)
            field.setFocus()
        return False

    def _remove_medication(self, index: int) -> None:
        from cramp_dx.services.changes import RemoveMedication

        assert self.session is not None
        meds = self.session.current_workup().medications
        if 0 <= index < len(meds):
            self._run(RemoveMedication(index, meds[index]), self._problem_message)

    def focus_first_flag(self) -> None:
        for flag_id in self.banner.unacknowledged_ids():
            self.banner.findChild(QPushButton, f"ack_{flag_id}").setFocus()
            return

    def _focus_changed(self, old: QWidget | None, now: QWidget | None) -> None:
        """Remember where the person was before the keyboard (or a click) went to the red-flag
        banner, to go back there after Acknowledge."""
        if (now is not None and old is not None and self.banner.isAncestorOf(now)
                and not self.banner.isAncestorOf(old) and self.isAncestorOf(old)):
            self._focus_before_banner = old

    def _return_focus(self) -> None:
        """After Acknowledge: back where the person was, else the section's first field."""
        import shiboken6

        widget = self._focus_before_banner
        self._focus_before_banner = None
        if widget is not None and shiboken6.isValid(widget) and widget.isVisible():
            widget.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        section = self.editor.current_section_id()
        target = self.editor.sections[section].first_focus() if section else None
        (target or self.editor.section_list).setFocus(Qt.FocusReason.OtherFocusReason)

    def acknowledge(self, flag_id: str) -> None:
        from cramp_dx.services.changes import AcknowledgeRedFlag

        self._return_focus()

        def done(problem: str | None) -> None:
            if problem:
                self.message.emit(problem)
            else:
                self.message.emit(f"Red flag acknowledged: {self.kb.red_flag_title(flag_id)}")
                self.reassess()

        self._run(AcknowledgeRedFlag(flag_id), done)

    def _input_problem(self, key: FieldKey, error: CrampDxError) -> None:
        message = self._words(error)
        if key.kind == "medication":
            self.editor.medications.show_entry_error(message)
        widget = self.editor.widget_for(key)
        if widget is not None and hasattr(widget, "show_error"):
            widget.show_error(message)
        self.message.emit(message)

    def _conflict(self, conflict: Any) -> None:
        key = conflict.key
        label = _field_label(self.kb, key)
        show = describe_medication if key.kind == "medication" else _describe
        dialog = ConflictDialog(label, show(conflict.mine), show(conflict.theirs), self)
        self.conflict_dialog = dialog

        def resolved(keep_mine: bool) -> None:
            self.conflict_dialog = None
            assert self.session is not None
            self.session.resolve_conflict(keep_mine)
            dialog.deleteLater()
            if key.kind == "medication":
                if keep_mine:
                    self._run(None, lambda problem: self._medication_saved(
                        key, conflict.mine, problem))
                else:
                    self.editor.medications.entry_accepted()

        dialog.resolved.connect(resolved)
        dialog.open()

    # -- visit actions -----------------------------------------------------------------------
    def _action(self, call: Callable[[], Any]) -> bool:
        assert self.session is not None
        if not self._entry_saved():
            return False
        if not self.session.flush():
            self.message.emit("Resolve the unsaved change first.")
            return False
        try:
            result = call()
        except (InputError, CrampDxError) as exc:
            self._error_box(str(exc))
            return False
        record = result if hasattr(result, "workup") else self.services.load_visit(
            self.session.visit_id)
        self.session.replace_record(record)
        return True

    def mark_ready(self) -> None:
        if self.session is not None and self._action(
            lambda: self.services.mark_ready(self.session.visit_id)
        ):
            self.message.emit("Marked ready for the physician.")

    def sign(self) -> None:
        if self.session is None or self.assessment is None:
            return
        if not self._entry_saved():  # before asking: what is typed would not be signed
            return
        open_flags = [f.title for f in self.assessment.red_flags
                      if f.id not in self.session.record.acknowledged_red_flags]
        if open_flags:
            self._error_box("Acknowledge the red flags before signing: " + "; ".join(open_flags))
            return
        if not self.confirm("Sign this visit?",
                            "After signing the visit is read-only; later changes are added "
                            "as an addendum."):
            return
        lab_ranges = self.settings().lab_ranges
        if self._action(lambda: self.services.sign(self.session.visit_id, lab_ranges=lab_ranges)):
            self.message.emit("Visit signed.")

    def add_addendum(self) -> None:
        """Ask for the text; one past the record's limit stays in the dialog to shorten, not lost."""
        if self.session is None:
            return
        from cramp_dx.ui.addendum_dialog import AddendumDialog

        dialog = AddendumDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.submitted.connect(self.add_addendum_text)
        self.addendum_dialog = dialog
        dialog.open()

    def add_addendum_text(self, text: str) -> None:
        if self.session is not None and self._action(
            lambda: self.services.add_addendum(self.session.visit_id, text)
        ):
            self.message.emit("Addendum added.")

    def new_visit(self) -> None:
        if self.session is None or not self._entry_saved() or not self.session.flush():
            return
        from datetime import date

        record = self.session.record
        try:
            new = self.services.create_visit(record.patient_id, date.today(),
                                             record.workup.surgery)
            loaded = new if hasattr(new, "workup") else self.services.load_visit(new.id)
        except CrampDxError as exc:
            self._error_box(str(exc))
            return
        self.open_visit(self.services, self.account, loaded)
        self.message.emit("New visit opened.")

    def generate_pdf(self) -> Path | None:
        if self.session is None or self.assessment is None:
            return None
        if not self._entry_saved():
            return None
        if not self.session.flush():
            self.message.emit("Resolve the unsaved change first.")
            return None
        from cramp_dx.paths import data_dir
        from cramp_dx.report import ReportContext, meta_from_record, render_pdf

        record = self.session.record
        workup = record.workup
        settings = self.settings()
        from cramp_dx.files import private_folder

        folder = private_folder(data_dir() / "reports")
        name = f"cramp_dx-{workup.patient.mrn or record.patient_id}-{workup.visit.date}"
        path = folder / f"{name}-v{record.version}.pdf"
        context = ReportContext(
            workup, self.assessment, self.kb,
            meta_from_record(record, clinician=getattr(self.account, "display_name", None),
                             signer=self.account.display_name if self.is_physician else None),
            settings.letterhead,
        )
        try:
            self.services.write_pdf(record.id, path, render_pdf(context))
        except (CrampDxError, OSError, ValueError) as exc:
            self._error_box(f"The summary could not be written: {exc}")
            return None
        self.message.emit(f"Summary written to {path}")
        self.pdf_ready.emit(path)
        return path

    # -- lab import --------------------------------------------------------------------------
    def import_labs(self, path: Path) -> Any:
        """File → Import labs…: read the laboratory's file, preview it against this visit and
        store it when the user confirms; the dialog (or None when nothing can be shown)."""
        if self.session is None or not self._entry_saved() or not self.session.flush():
            self.message.emit("Open a visit, and resolve any unsaved change, before importing labs.")
            return None
        from cramp_dx.labimport import read_lab_file
        from cramp_dx.ui.lab_import_dialog import LabImportDialog

        visit_id = self.session.visit_id
        lab_ranges = self.settings().lab_ranges or None
        try:
            message = read_lab_file(path)
            plan = self.services.preview_lab_import(visit_id, message, lab_ranges)
        except CrampDxError as exc:
            self._error_box(f"{Path(path).name} was not imported:\n{exc}")
            return None
        patient = self.session.record.workup.patient
        who = f"{patient.family_name or ''}, {patient.given_name or ''} (MRN {patient.mrn or '—'})"
        dialog = LabImportDialog(
            Path(path).name,
            who,
            plan,
            lambda: self.services.import_labs(visit_id, message, str(path), lab_ranges)[0],
            self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._labs_imported(visit_id, dialog.result_value))
        dialog.open()
        self.lab_import_dialog = dialog
        return dialog

    def _labs_imported(self, visit_id: int, record: Any) -> None:
        if self.session is not None and self.session.visit_id == visit_id and record is not None:
            self.session.replace_record(record)
            self.message.emit("Labs imported.")

    def print_pdf(self, path: Path, options: Any) -> None:
        """Send the summary PDF itself to a printer, on the print worker (the window stays
        usable); audited like an export, before it is sent. The status bar says when CUPS
        has it."""
        if self.session is None or self.services is None:
            self.printed.emit("Not printed: no visit is open.")
            return
        from cramp_dx.report.printing import send_pdf

        services, visit_id = self.services, self.session.visit_id

        def job() -> str:
            services.record_print(visit_id, options.printer, path)
            return send_pdf(path, options)

        self.message.emit(f"Sending the summary to {options.printer}…")
        future = self.print_worker.submit(job)
        future.add_done_callback(lambda done: self._print_done.emit(done, options.printer))

    def _printed(self, future: Any, printer: str) -> None:
        error = future.exception()
        if error is None:
            job = future.result()
            text = f"Summary sent to {printer}" + (f" (job {job})." if job else ".")
        elif isinstance(error, CrampDxError):
            text = f"Not printed: {error}"
        else:
            text = f"Not printed: {type(error).__name__}: {error}"
        self.message.emit(text)
        self.printed.emit(text)

    # -- small helpers -----------------------------------------------------------------------
    def _confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def _error_box(self, text: str) -> None:
        self.message.emit(text)
        box = QMessageBox(QMessageBox.Icon.Warning, "cramp_dx", text,
                          QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setObjectName("visitMessage")
        box.open()
        self.error_box = box


def _with_workup(record: Any, workup: Any) -> Any:
    from dataclasses import replace

    return replace(record, workup=workup) if workup is not record.workup else record


def _neuro_label(_kb: Any, side: str, part: str, item: str) -> str:
    words = {"sensory": "sensation", "strength": "strength (MRC)", "reflexes": ""}[part]
    return f"{side.capitalize()} {NEURO_LABELS[part][item]}" + (f": {words}" if words else "")


_LABELS: dict[str, Callable[..., str]] = {
    "finding": lambda kb, name: kb.finding_label(name),
    "measurement": lambda kb, name: kb.measurement_label(name)[0],
    "order": lambda kb, name: f"Order: {kb.tests[name].name if name in kb.tests else name}",
    "patient": lambda _kb, name: f"Patient: {name.replace('_', ' ')}",
    "surgery": lambda _kb, name: f"Surgery: {name.replace('_', ' ')}",
    "visit": lambda _kb, name: f"Visit: {name.replace('_', ' ')}",
    "notes": lambda _kb: "Notes",
    "plan": lambda _kb: "Management notes",
    "medication": lambda _kb, index: f"Medication line {int(index) + 1}",
    "neuro": _neuro_label,
}


def _field_label(kb: Any, key: FieldKey) -> str:
    return _LABELS[key.kind](kb, *key.parts)

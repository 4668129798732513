"""The workup of the open visit: a section list (Ctrl+PgDn / Ctrl+PgUp) and one page per
section of SPEC.md. Built once from the knowledge base and reused for every visit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QWidget,
)

from cramp_dx.case.checks import MAX_MRN, MAX_NAME
from cramp_dx.case.model import (
    APPROACH_LABELS,
    APPROACHES,
    OPERATION_FLAG_LABELS,
    OPERATION_FLAGS,
    POSITION_LABELS,
    POSITIONS,
    PROCEDURES,
    SEXES,
    SIDES,
)
from cramp_dx.ui.checklist_section import ChecklistSection
from cramp_dx.ui.fields import (
    ChoiceField,
    DateField,
    LevelsField,
    NumberField,
    TextField,
    YesNoField,
)
from cramp_dx.ui.finding_control import FindingControl
from cramp_dx.ui.labs_grid import LabsGrid
from cramp_dx.ui.measurement_field import MeasurementField
from cramp_dx.ui.medications import MedicationsPanel
from cramp_dx.ui.neuro_exam_panel import NeuroExamPanel
from cramp_dx.ui.order_control import OrderControl
from cramp_dx.ui.plan_notes import NotesField, PlanField
from cramp_dx.ui.shortcuts import shortcut

# Where the sections without a knowledge-base domain go, in the order of the issue.
CONTEXT, LABS, MEDICATIONS, PLAN = "context", "labs", "medications", "plan"
_LABS_AFTER = "examination"  # metabolic labs follow the examination
_NEURO_IN = "examination"  # the neurological examination heads the examination section


class VisitEditor(QWidget):
    """Signals carry what the user did; the visit page turns them into service changes."""

    edited = Signal(object, object)
    section_changed = Signal(str)

    def __init__(
        self,
        kb: Any,
        validate_lab: Callable[[Any], None],
        medication_names: list[str],
        parent: QWidget | None = None,
        *,
        defer_build: bool = False,
    ) -> None:
        """`defer_build`: the sections are built by `build_step` calls (or `finish_build`)."""
        super().__init__(parent)
        self.kb = kb
        self.section_list = QListWidget()
        self.section_list.setObjectName("sectionList")
        self.section_list.setAccessibleName("Workup sections (Ctrl+Page Down / Ctrl+Page Up)")
        self.section_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stack = QStackedWidget()
        self.sections: dict[str, ChecklistSection] = {}
        self.intake_sections: set[str] = {CONTEXT, MEDICATIONS}
        self.role_sections: list[str] = []

        self.labs = LabsGrid(kb, validate_lab)
        self.medications = MedicationsPanel(medication_names)
        self.neuro: NeuroExamPanel | None = None

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.section_list)
        layout.addWidget(self.stack, 1)
        self.section_list.currentRowChanged.connect(self._row_changed)
        # from anywhere in the window (the differential, the banner, the patient list too),
        # while the workup shows
        shortcut("Ctrl+PgDown", self, self.next_section, Qt.ShortcutContext.WindowShortcut)
        shortcut("Ctrl+PgUp", self, self.previous_section, Qt.ShortcutContext.WindowShortcut)
        self._steps: Iterator[None] | None = self._build()
        if not defer_build:
            self.finish_build()

    # -- building ----------------------------------------------------------------------------
    # The sections are built in a few steps (one per domain and so on) so the app's warm-up
    # can interleave them with the keys typed at the sign-in page: one step takes tens of
    # milliseconds, the whole build a few hundred.
    def build_step(self) -> bool:
        """Build the next part; True while parts remain."""
        if self._steps is None:
            return False
        if next(self._steps, StopIteration) is StopIteration:
            self._steps = None
            self.set_role_sections(list(self.sections))
            return False
        return True

    def finish_build(self) -> None:
        while self.build_step():
            pass

    def is_built(self) -> bool:
        return self._steps is None

    def _build(self) -> Iterator[None]:
        kb = self.kb
        test_section: dict[str, str] = {}
        measurement_section: dict[str, str] = {}
        for test in kb.tests.values():
            if test.labs:
                section = LABS
            elif test.findings:
                section = kb.findings[test.findings[0]].domain
            else:
                section = test.section or PLAN
            test_section[test.id] = section
            for measurement in test.measurements:
                measurement_section[measurement] = section

        order: list[tuple[str, str, str]] = [(CONTEXT, "Patient, surgery and visit", "")]
        for domain in kb.domains.values():
            order.append((domain.id, domain.label, domain.note or ""))
            if domain.intake:
                self.intake_sections.add(domain.id)
            if domain.id == _LABS_AFTER:
                order.append((LABS, "Metabolic labs", ""))
        if LABS not in [o[0] for o in order]:
            order.append((LABS, "Metabolic labs", ""))
        order.append((MEDICATIONS, "Medication review", ""))
        order.append((PLAN, "Plan and notes", ""))
        for section_id, title, note in order:
            self.sections[section_id] = ChecklistSection(section_id, title, note)

        self._build_context(self.sections[CONTEXT], measurement_section)
        yield
        by_domain: dict[str, list[Any]] = {}
        for finding in kb.findings.values():
            by_domain.setdefault(finding.domain, []).append(finding)
        for domain_id, findings in by_domain.items():
            section = self.sections[domain_id]
            measurements = [
                self._measurement(m) for m, s in measurement_section.items() if s == domain_id
            ]
            if measurements:
                section.add_group("Measurements", measurements)
            if domain_id == _NEURO_IN:
                self.neuro = NeuroExamPanel(kb.neuro)
                box = section.add_group("Neurological examination and level check", [self.neuro])
                box.setObjectName("neuroGroup")
            controls = [FindingControl(f.id, f.label, f.help) for f in findings]
            section.add_group("Findings (Y present · N absent · Space cycles)", controls)
            yield

        self.sections[LABS].add_widget(self.labs)
        self.sections[LABS].focus_target = self.labs.test
        self.sections[MEDICATIONS].add_widget(self.medications)
        self.sections[MEDICATIONS].focus_target = self.medications.name
        plan = self.sections[PLAN]
        plan.add_widget(PlanField([(p.id, p.label) for p in kb.plan_items.values()]))
        plan.add_widget(NotesField())
        yield

        grouped: dict[str, list[QWidget]] = {}
        for test in kb.tests.values():
            grouped.setdefault(test_section[test.id], []).append(
                OrderControl(test.id, test.name, f"Settles: {test.settles_text}")
            )
        for section_id, controls in grouped.items():
            self.sections[section_id].add_group("Test orders", controls)
        yield

        for section_id, section in self.sections.items():
            if section_id not in (LABS, MEDICATIONS):
                section.finish()
            section.edited.connect(self.edited)
            self.stack.addWidget(section)
            yield

    def _measurement(self, measurement_id: str) -> MeasurementField:
        m = self.kb.measurements[measurement_id]
        return MeasurementField(m.id, m.label, m.unit, m.minimum, m.maximum, m.help)

    def _build_context(self, section: ChecklistSection, placed: dict[str, str]) -> None:
        def rows(*fields: Any) -> list[tuple[str, QWidget]]:
            return [(f.label_text, f) for f in fields]

        section.add_form_group("Patient", rows(
            TextField(("patient", "mrn"), "MRN", required=True, max_length=MAX_MRN),
            TextField(("patient", "family_name"), "Family name", max_length=MAX_NAME),
            TextField(("patient", "given_name"), "Given name", max_length=MAX_NAME),
            DateField(("patient", "birth_date"), "Birth date"),
            ChoiceField(("patient", "sex"), "Sex", SEXES),
        ))
        section.add_form_group("Index surgery", rows(
            DateField(("surgery", "date"), "Surgery date", required=True),
            ChoiceField(("surgery", "procedure"), "Procedure", PROCEDURES),
            LevelsField(("surgery", "levels"), "Levels", six_lumbar_note=self._six_lumbar_note()),
            ChoiceField(("surgery", "approach"), "Approach", APPROACHES, labels=APPROACH_LABELS),
            ChoiceField(("surgery", "position"), "Position on the table", POSITIONS,
                        labels=POSITION_LABELS),
            NumberField(("surgery", "prior_spine_surgeries"), "Earlier spine operations", 0, 20,
                        integer=True),
            NumberField(("surgery", "duration_hours"), "Operation length (hours)", 0.1, 24),
            *(YesNoField(("surgery", name), OPERATION_FLAG_LABELS[name])
              for name in OPERATION_FLAGS),
        ))
        section.add_form_group("Visit", rows(
            DateField(("visit", "date"), "Visit date", required=True),
            ChoiceField(("visit", "symptom_side"), "Side of symptoms", SIDES),
        ))
        measurements = [self._measurement(m) for m in self.kb.measurements if m not in placed]
        section.add_group("Measurements", measurements)

    def _six_lumbar_note(self) -> str:
        """Levels with L6 make the numbering uncertain: name the finding to tick, and where."""
        finding = self.kb.findings.get("transitional_lumbosacral_vertebra")
        if finding is None:
            return "Six lumbar vertebrae: record the transitional vertebra too."
        domain = self.kb.domains.get(finding.domain)
        where = f" ({domain.label})" if domain is not None else ""
        return f"Six lumbar vertebrae: also tick “{finding.label}”{where}."

    # -- navigation --------------------------------------------------------------------------
    def set_role_sections(self, section_ids: list[str]) -> None:
        """Show only the sections the role may fill in (nurse: intake)."""
        self.role_sections = [s for s in self.sections if s in section_ids]
        current = self.current_section_id()
        self.section_list.blockSignals(True)
        self.section_list.clear()
        for section_id in self.role_sections:
            item = QListWidgetItem(self.sections[section_id].title)
            item.setData(Qt.ItemDataRole.UserRole, section_id)
            self.section_list.addItem(item)
        self.section_list.blockSignals(False)
        self.section_list.setFixedWidth(
            max(self.section_list.sizeHintForColumn(0), 120)
            + self.section_list.frameWidth() * 2 + 16
        )
        self.show_section(current if current in self.role_sections else self.role_sections[0])

    def current_section_id(self) -> str | None:
        widget = self.stack.currentWidget()
        return widget.section_id if isinstance(widget, ChecklistSection) else None

    def show_section(self, section_id: str, focus: bool = False) -> None:
        row = self.role_sections.index(section_id)
        self.section_list.setCurrentRow(row)
        self.stack.setCurrentWidget(self.sections[section_id])
        if focus:
            target = self.sections[section_id].first_focus()
            if target is not None:
                target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_first_field(self) -> None:
        """The keyboard to the first field of the first section."""
        if self.role_sections:
            self.show_section(self.role_sections[0], focus=True)

    def next_section(self) -> None:
        self._step(1)

    def previous_section(self) -> None:
        self._step(-1)

    def _step(self, delta: int) -> None:
        row = (self.section_list.currentRow() + delta) % len(self.role_sections)
        self.show_section(self.role_sections[row], focus=True)

    def _row_changed(self, row: int) -> None:
        if 0 <= row < len(self.role_sections):
            section_id = self.role_sections[row]
            self.stack.setCurrentWidget(self.sections[section_id])
            self.section_changed.emit(section_id)

    # -- values ------------------------------------------------------------------------------
    def finding_control(self, finding_id: str) -> FindingControl:
        for section in self.sections.values():
            if finding_id in section.findings:
                return section.findings[finding_id]
        raise KeyError(finding_id)

    def widget_for(self, key: tuple) -> Any:
        for section in self.sections.values():
            widget = section.widget_for(key)
            if widget is not None:
                return widget
        return None

    def show_values(self, value_of: Callable[[tuple], Any], skip: set[tuple]) -> None:
        for section in self.sections.values():
            section.show_values(value_of, skip)

    def set_read_only(self, read_only: bool) -> None:
        for section in self.sections.values():
            section.set_read_only(read_only)
        self.labs.set_read_only(read_only)
        self.medications.set_read_only(read_only)


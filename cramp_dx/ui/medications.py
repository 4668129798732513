"""Medication review: type-ahead from the catalog, free text kept; each flagged drug shows
its class and concern; the quinine warning; a name the catalog does not know is listed as
"not in the catalog — review".

A line is edited in place: selecting it (click, arrow keys, Enter / F2, double-click) loads it
into the entry fields, and what is typed there is saved to the line as it is typed (after the
autosave pause); "Save changes" (Enter) saves at once and goes back to adding, Escape or
Cancel puts the line back as it was when it was loaded. What the user typed is never replaced
behind their back: while the fields hold an entry that cannot be saved (a half-typed date) or a
new medication not added yet, selecting another line only says so."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from PySide6.QtCore import QItemSelectionModel, QStringListModel, Qt, Signal
from PySide6.QtGui import QKeySequence
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

from cramp_dx.case.checks import MAX_DOSE, MAX_MEDICATION_NAME, MAX_MEDICATIONS, length_problem
from cramp_dx.case.model import MEDICATION_STATUSES, Medication
from cramp_dx.engine.result import MedicationFlag, MedicationWarning
from cramp_dx.ui.screen_fit import fit_text
from cramp_dx.ui.shortcuts import shortcut

COLUMNS = ("Medication", "Dose", "Started", "Status", "Class", "Why it matters")
MEDICATION_SAMPLE = "magnesium oxide"
DOSE_SAMPLE = "400 mg twice daily"
UNRECOGNISED = "not in the catalog — review"
ADD_TEXT = "&Add medication"
SAVE_TEXT = "S&ave changes"  # same mnemonic (Alt+A) as adding: the entry's one action


def describe(medication: Medication | None) -> str:
    """One line for messages and the conflict dialog."""
    if medication is None:
        return "(no such line: removed)"
    parts = [medication.name]
    if medication.dose:
        parts.append(medication.dose)
    if medication.start_date:
        parts.append(f"started {medication.start_date.isoformat()}")
    if medication.status:
        parts.append(medication.status)
    return ", ".join(parts)


def line_of(medications: tuple[Medication, ...], index: int, line: Medication) -> int | None:
    """Where `line` (last seen at `index`) is now: lines added or removed elsewhere move it.
    None if it is at neither place (changed or removed since)."""
    if 0 <= index < len(medications) and medications[index] == line:
        return index
    found = [i for i, med in enumerate(medications) if med == line]
    return min(found, key=lambda i: abs(i - index)) if found else None


def parse_start(text: str) -> date | None:
    """The start date typed, or None if empty; ValueError with the user's message."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        why = f" ({exc})" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else ""
        raise ValueError(
            f"Started: “{text}” is not a date{why}; accepted: YYYY-MM-DD, e.g. 2024-03-15, "
            "or empty if not known. Nothing was saved."
        ) from None


def _unflagged(name: str, warned: set[str], unrecognised: set[str]) -> str:
    """A line without a flag: a name the catalog does not know, a drug with a safety warning
    (shown above the list, e.g. quinine), or a catalog drug not flagged for cramps."""
    if name.casefold() in unrecognised:
        return UNRECOGNISED
    if name.casefold() in warned:
        return "see the warning above"
    return "in the catalog; not flagged for cramps"


class MedicationsPanel(QWidget):
    """`add_requested(medication)`; `update_requested(index, medication, old)`, where `old`
    is the line as it was loaded, so a change saved elsewhere meanwhile is a conflict and not
    overwritten; `remove_requested(index)`."""

    add_requested = Signal(object)  # Medication
    update_requested = Signal(int, object, object)  # index, Medication, old Medication
    line_edited = Signal(int, object)  # index, Medication: each valid change while editing
    remove_requested = Signal(int)
    entry_typed = Signal()  # the new-medication entry changed (kept as a draft)

    def __init__(self, catalog_names: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("medications")
        self._read_only = False
        self.editing: int | None = None  # the line loaded into the entry fields
        self._original: Medication | None = None
        self._sent: Medication | None = None  # the line as last sent while editing
        self._medications: tuple[Medication, ...] = ()
        self._refreshing = False
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
        fit_text(self.start, "YYYY-MM-DD")
        self.status = QComboBox()
        self.status.setAccessibleName("Medication status")
        self.status.addItem("not recorded", None)
        for status in MEDICATION_STATUSES:
            self.status.addItem(status, status)
        self.add_button = QPushButton(ADD_TEXT)
        self.cancel_button = QPushButton("Cancel (Esc)")
        self.cancel_button.setAccessibleName("Cancel editing the line and go back to adding")
        self.cancel_button.hide()
        self.mode = QLabel()
        self.mode.setObjectName("medicationEditing")
        self.mode.setWordWrap(True)
        self.mode.setTextFormat(Qt.TextFormat.RichText)
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.hide()
        # name and dose side by side, wide enough for "magnesium oxide" and "400 mg twice
        # daily"; start date and status under them
        fit_text(self.name, MEDICATION_SAMPLE)
        fit_text(self.dose, DOSE_SAMPLE)
        entry = QGridLayout()
        for place, (text, widget) in enumerate(
            (("Name", self.name), ("Dose", self.dose), ("Started", self.start),
             ("Status", self.status))
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            row, column = 2 * (place // 2), place % 2
            entry.addWidget(label, row, column)
            entry.addWidget(widget, row + 1, column, Qt.AlignmentFlag.AlignLeft
                            if widget in (self.start, self.status) else Qt.AlignmentFlag(0))
        entry.setColumnStretch(0, 3)
        entry.setColumnStretch(1, 3)
        # the buttons get their own row, so that name and dose keep their width
        actions = QHBoxLayout()
        actions.addWidget(self.mode, 1)
        actions.addStretch(0)  # the buttons keep their size when the editing note is hidden
        actions.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignTop)
        actions.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignTop)

        self.warning = QLabel()
        self.warning.setObjectName("quinineWarning")
        self.warning.setWordWrap(True)
        self.warning.hide()
        self.unrecognised = QLabel()
        self.unrecognised.setObjectName("unrecognisedMedications")
        self.unrecognised.setAccessibleName("Medications not in the catalog")
        self.unrecognised.setWordWrap(True)
        self.unrecognised.setTextFormat(Qt.TextFormat.PlainText)
        self.unrecognised.hide()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("medicationsTable")
        self.table.setAccessibleName("Medications")
        self.table.setAccessibleDescription(
            "Select a line, or press Enter or F2 on it, to edit it in the fields above; "
            "Delete removes it."
        )
        self.table.setToolTip("Click a line (or Enter / F2) to edit it · Delete removes it")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.remove_button = QPushButton("&Remove selected")
        hint = QLabel("Select a line to edit it (Enter or F2); Delete removes it.")
        hint.setObjectName("medicationHint")
        hint.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(hint, 1)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(entry)
        layout.addLayout(actions)
        layout.addWidget(self.error)
        layout.addWidget(self.warning)
        layout.addWidget(self.unrecognised)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(self._submit)
        for edit in (self.name, self.dose, self.start):
            edit.returnPressed.connect(self._submit)
        for edit in (self.name, self.dose, self.start):
            edit.textEdited.connect(self._typed)
        self.status.activated.connect(self._typed)
        self.cancel_button.clicked.connect(self.cancel_edit)
        self.remove_button.clicked.connect(self._remove)
        on_table = Qt.ShortcutContext.WidgetShortcut
        shortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table, self._remove, on_table)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2):
            shortcut(QKeySequence(key), self.table, self._edit_current, on_table)
        shortcut(QKeySequence(Qt.Key.Key_Escape), self, self.cancel_edit,
                  Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.table.doubleClicked.connect(lambda index: self.edit_line(index.row()))
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self._shown: tuple = ()

    # -- the entry ---------------------------------------------------------------------------
    def _entry(self) -> Medication | None:
        """The entry fields as a medication (an edited line keeps its note), or None after
        saying which field is wrong."""
        name = self.name.text().strip()
        if not name:
            self._error("Name: enter the medication name (a catalog name or free text).",
                        self.name)
            self.name.setFocus()
            return None
        for label, edit, limit in (("Name", self.name, MAX_MEDICATION_NAME),
                                   ("Dose", self.dose, MAX_DOSE)):
            too_long = length_problem(edit.text().strip(), limit)
            if too_long:
                self._error(f"{label}: {too_long}. Nothing was saved.", edit)
                edit.setFocus()
                return None
        try:
            start = parse_start(self.start.text())
        except ValueError as exc:
            self._error(str(exc), self.start)
            self.start.setFocus()
            return None
        base = self._original if self.editing is not None and self._original else Medication(name)
        return replace(base, name=name, dose=self.dose.text().strip() or None, start_date=start,
                       status=self.status.currentData())

    def _quiet_entry(self) -> Medication | None:
        """The fields as a medication, or None while they cannot be read (no message)."""
        name = self.name.text().strip()
        try:
            start = parse_start(self.start.text())
        except ValueError:
            return None
        if not name:
            return None
        base = self._original if self.editing is not None and self._original else Medication(name)
        return replace(base, name=name, dose=self.dose.text().strip() or None, start_date=start,
                       status=self.status.currentData())

    def _typed(self) -> None:
        """Each keystroke: a line being edited gets every readable value; a new entry is
        kept as a draft until it is added."""
        if self._read_only:
            return
        if self.editing is None:
            self.entry_typed.emit()
            return
        medication = self._quiet_entry()
        if medication is not None and medication != self._sent:
            self._sent = medication
            self.line_edited.emit(self.editing, medication)

    def entry_fields(self) -> dict[str, str]:
        """The new-medication entry as typed (for its draft); {} while a line is edited."""
        if self.editing is not None:
            return {}
        return {"name": self.name.text(), "dose": self.dose.text(), "start": self.start.text(),
                "status": self.status.currentData() or ""}

    def restore_entry(self, fields: dict[str, str]) -> None:
        """Put a kept draft back into the empty entry fields."""
        if self.editing is not None or self.has_unsaved_entry():
            return
        self.name.setText(fields.get("name", ""))
        self.dose.setText(fields.get("dose", ""))
        self.start.setText(fields.get("start", ""))
        self.status.setCurrentIndex(max(self.status.findData(fields.get("status") or None), 0))

    def _submit(self) -> None:
        if self._read_only:
            return
        if self.name.completer().popup().isVisible():
            return
        medication = self._entry()
        if medication is None:
            return
        adding = self.editing is None or self._original is None
        if adding and len(self._medications) >= MAX_MEDICATIONS:
            self._error(f"Medications: this visit has {len(self._medications)} already; accepted: at "
                        f"most {MAX_MEDICATIONS} on one visit. Not added: remove a line first.")
            return
        self._error("")
        if adding:
            self.add_requested.emit(medication)
        else:
            self.update_requested.emit(self.editing, medication, self._original)

    def entry_accepted(self) -> None:
        """The entry was saved: back to adding; after an edit, the keyboard stays on the line
        (arrows move on, Enter edits the next one)."""
        edited = self.editing
        self._leave_edit()
        if edited is None:
            self.name.setFocus()
        elif 0 <= edited < self.table.rowCount():
            self.table.setFocus()
            self.table.setCurrentCell(edited, 0, QItemSelectionModel.SelectionFlag.NoUpdate)

    def show_entry_error(self, message: str) -> None:
        self._error(message)

    def has_unsaved_entry(self) -> bool:
        """True while the fields hold something typed and not added / saved."""
        if self.editing is not None:
            return self.has_unsaved_edit()
        return any((self.name.text().strip(), self.dose.text().strip(),
                    self.start.text().strip(), self.status.currentData()))

    def has_unsaved_edit(self) -> bool:
        """True while a line loaded for editing shows something that cannot be saved as it
        is (every readable change is sent as it is typed)."""
        if self.editing is None or self._original is None:
            return False
        medication = self._quiet_entry()
        return medication is None or medication != self._sent

    def _error(self, message: str, field: QLineEdit | None = None) -> None:
        """Show `message`; `field` (the one it is about) is outlined and described."""
        self.error.setText(message)
        self.error.setVisible(bool(message))
        for edit in (self.name, self.dose, self.start):
            invalid = edit is field
            if edit.property("invalid") != invalid:
                edit.setProperty("invalid", invalid)
                edit.style().unpolish(edit)
                edit.style().polish(edit)
            edit.setAccessibleDescription(message if invalid else "")

    def _clear_fields(self) -> None:
        for edit in (self.name, self.dose, self.start):
            edit.clear()
        self.status.setCurrentIndex(0)

    # -- editing a line ----------------------------------------------------------------------
    def edit_line(self, row: int, focus: bool = True) -> bool:
        """Load line `row` into the entry fields; False (and why) if the fields hold another
        unsaved entry or the visit is read-only."""
        if self._read_only or not 0 <= row < len(self._medications):
            return False
        if row != self.editing and self.has_unsaved_entry():
            what = (f"Line {self.editing + 1} has unsaved changes that cannot be saved as they are"
                    if self.editing is not None
                    else "The new medication in the fields is not added yet")
            self._error(f"{what}: save it, or Cancel (Esc), before editing another line.")
            return False
        if row != self.editing:
            medication = self._medications[row]
            self.editing, self._original, self._sent = row, medication, medication
            self.name.setText(medication.name)
            self.dose.setText(medication.dose or "")
            self.start.setText(medication.start_date.isoformat() if medication.start_date else "")
            self.status.setCurrentIndex(max(self.status.findData(medication.status), 0))
            self._error("")
            self._show_mode()
        if focus:
            self.name.setFocus(Qt.FocusReason.OtherFocusReason)
            self.name.selectAll()
        return True

    def cancel_edit(self) -> None:
        """Back to adding a new medication, the line put back as it was when it was loaded.
        When adding, Esc clears what was typed and not added."""
        if self.editing is None:
            self._clear_fields()
            self._error("")
            self.entry_typed.emit()
            return
        row, original = self.editing, self._original
        if original is not None and self._sent != original:
            self.line_edited.emit(row, original)
        self._leave_edit()
        if 0 <= row < self.table.rowCount():
            self.table.setFocus()
            self.table.setCurrentCell(row, 0, QItemSelectionModel.SelectionFlag.NoUpdate)

    def reset(self) -> None:
        """Another visit is opened: its lines are not this one's."""
        self._leave_edit()
        self._shown = ()

    def _leave_edit(self) -> None:
        self.editing = self._original = self._sent = None
        self._clear_fields()
        self._error("")
        self._show_mode()
        self._select(None)

    def _show_mode(self) -> None:
        editing = self.editing is not None and self._original is not None
        self.add_button.setText(SAVE_TEXT if editing else ADD_TEXT)
        self.cancel_button.setVisible(editing)
        if editing:
            assert self.editing is not None and self._original is not None
            line = self.editing + 1
            self.add_button.setAccessibleName(f"Save changes to medication line {line}")
            self.mode.setText(
                f"<b>Editing line {line}</b> ({describe(self._original)}): "
                "Enter saves the changes, Esc cancels."
            )
        else:
            self.add_button.setAccessibleName("Add the medication")
            self.mode.setText("")
        self.mode.setVisible(editing)  # its frame would show as an empty box

    def _edit_current(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.edit_line(row)

    def _selection_changed(self) -> None:
        if self._refreshing or self._read_only:
            return
        rows = self._selected_rows()
        if len(rows) == 1 and rows[0] != self.editing:
            self.edit_line(rows[0], focus=False)

    def _selected_rows(self) -> list[int]:
        return sorted(index.row() for index in self.table.selectionModel().selectedRows())

    def _select(self, row: int | None) -> None:
        self._refreshing = True
        try:
            if row is None:
                self.table.clearSelection()
            else:
                self.table.selectRow(row)
        finally:
            self._refreshing = False

    def _remove(self) -> None:
        """The selected line (or, from the keyboard, the focused one)."""
        if self._read_only:
            return
        rows = self._selected_rows()
        row = rows[0] if rows else self.table.currentRow() if self.table.hasFocus() else -1
        if row < 0:
            self._error("Select the line to remove first.")
            return
        if row == self.editing:
            self._leave_edit()  # removing the line being edited drops the edit with it
        self.remove_requested.emit(row)

    def set_read_only(self, read_only: bool) -> None:
        """A signed visit: nothing can be added, edited or removed (an entry already typed
        stays visible, not saved)."""
        self._read_only = read_only
        if read_only and self.editing is not None and not self.has_unsaved_edit():
            self._leave_edit()
        for widget in (self.name, self.dose, self.start, self.status, self.add_button,
                       self.cancel_button, self.remove_button):
            widget.setEnabled(not read_only)

    # -- showing -----------------------------------------------------------------------------
    def show_medications(
        self, medications: tuple[Medication, ...], flags: tuple[MedicationFlag, ...],
        warnings: tuple[MedicationWarning, ...] = (), *, unrecognised: tuple[str, ...],
    ) -> None:
        """The lines with the assessment's flags and warnings; `unrecognised` are the names
        the catalog does not know (the assessment's), marked for review."""
        shown = (medications, flags, warnings, unrecognised)
        if shown == self._shown:
            return
        self._shown = shown
        self._follow_edited_line(medications)
        self._medications = medications
        messages = list(dict.fromkeys(w.message for w in warnings))
        warned = {w.medication.casefold() for w in warnings}
        unknown = {name.casefold() for name in unrecognised}
        flagged: dict[str, list[MedicationFlag]] = {}
        for flag in flags:
            flagged.setdefault(flag.medication.casefold(), []).append(flag)
        self._refreshing = True
        try:
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
                    or _unflagged(med.name, warned, unknown),
                )
                for column, text in enumerate(cells):
                    item = QTableWidgetItem(text)
                    item.setToolTip(text)
                    # an empty cell still says what it is to a screen reader
                    item.setData(Qt.ItemDataRole.AccessibleTextRole,
                                 text or f"{COLUMNS[column]}: not recorded")
                    self.table.setItem(row, column, item)
        finally:
            self._refreshing = False
        self._select(self.editing)
        self.table.resizeRowsToContents()
        self.warning.setText("⚠ " + " ".join(messages) if messages else "")
        self.warning.setVisible(bool(messages))
        review = "; ".join(unrecognised)
        self.unrecognised.setText(f"Not in the catalog — review: {review}" if review else "")
        self.unrecognised.setVisible(bool(review))

    def _follow_edited_line(self, medications: tuple[Medication, ...]) -> None:
        """Lines added or removed (here or elsewhere) move the line being edited; if it is
        gone, what was typed stays in the fields, to be added as a new line."""
        if self.editing is None or self._original is None:
            return
        if len(medications) == len(self._medications):
            return  # same lines: the one at `editing` may show the unsaved edit itself
        moved = line_of(medications, self.editing, self._original)
        if moved is not None:
            self.editing = moved
            self._show_mode()
        elif self.editing >= len(medications) or len(medications) < len(self._medications):
            line = self.editing + 1
            self.editing = self._original = self._sent = None
            self._show_mode()
            self._error(
                f"Line {line} was removed on another workstation; what you typed is kept: "
                "Add medication adds it as a new line, or clear the fields."
            )

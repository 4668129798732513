"""The open visit as the UI edits it: the last saved record, the user's pending edits per
field, and the autosave that sends them through `Services.apply` within a second.

Nothing the user typed is dropped: an edit stays pending until the service has committed it,
and a conflict keeps it pending until the user chooses in the conflict dialog."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from cramp_dx.case.model import Workup
from cramp_dx.errors import CrampDxError, InputError

AUTOSAVE_DELAY_MS = 400

Key = tuple[str, ...]


@dataclass(slots=True)
class PendingEdit:
    """One field's unsaved value. `old` is the value the user saw before editing: the service
    compares it with the current one to detect a conflicting save from elsewhere."""

    key: Key
    value: Any
    old: Any


class VisitSession(QObject):
    """Signals: `record_changed(record)` after a load, a save or taking the other value;
    `workup_changed()` whenever the current (saved + pending) workup changes;
    `save_state(state, detail)` for the indicator; `conflict(edit, error)`;
    `input_problem(key, message)` when the service rejects a value."""

    record_changed = Signal(object)
    workup_changed = Signal()
    save_state = Signal(str, str)
    conflict = Signal(object, object)
    input_problem = Signal(object, str)

    def __init__(
        self,
        services: Any,
        record: Any,
        make_change: Callable[[Key, Any, Any], Any] | None = None,
        parent: QObject | None = None,
        delay_ms: int = AUTOSAVE_DELAY_MS,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.record = record
        self._make_change = make_change or make_change_for
        self.pending: dict[Key, PendingEdit] = {}
        self.in_conflict: PendingEdit | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.flush)
        self._saving = False
        self.last_error = ""
        self.view_only = False  # opened by an account that may only read it (emergency access)

    # -- reading -----------------------------------------------------------------------------
    @property
    def visit_id(self) -> Any:
        return self.record.id

    @property
    def read_only(self) -> bool:
        return self.view_only or self.record.status == "signed"

    def saved_value(self, key: Key) -> Any:
        return value_at(self.record.workup, self.record, key)

    def current_value(self, key: Key) -> Any:
        edit = self.pending.get(key)
        return edit.value if edit is not None else self.saved_value(key)

    def current_workup(self) -> Workup:
        """The saved workup with the pending edits laid over it (by the service layer's own
        change objects): what the user sees, so the differential follows every edit, not
        every save."""
        if not self.pending:
            return self.record.workup
        from cramp_dx.services.changes import VisitState

        state = VisitState(
            self.record.workup, tuple(self.record.plan_items),
            tuple(self.record.acknowledged_red_flags),
        )
        for edit in self.pending.values():
            try:
                state = self._make_change(edit.key, edit.value, edit.old).apply_to(state)
            except (CrampDxError, TypeError, ValueError):
                continue
        return state.workup

    # -- editing -----------------------------------------------------------------------------
    def edit(self, key: Key, value: Any) -> None:
        """Record a field edit; saved after the debounce delay."""
        if self.read_only:
            return
        existing = self.pending.get(key)
        if existing is None:
            saved = self.saved_value(key)
            if value == saved:
                return
            self.pending[key] = PendingEdit(key, value, saved)
        else:
            existing.value = value
        self.save_state.emit("pending", "")
        self.workup_changed.emit()
        if self.in_conflict is None:
            self._timer.start()

    def run(self, change: Any) -> bool:
        """Apply a list change (add/remove a lab or medication, acknowledge a flag, …) now,
        after the pending field edits. Returns False (with a message) if it was refused."""
        if not self.flush():
            return False
        return self._apply(change, None)

    def run_edit(self, key: Key, value: Any, old: Any) -> bool:
        """Save now an edit made in a form opened on `old` (a medication line). The record may
        have moved on while the form was open, so a stored value that is neither `old` nor
        `value` is a conflict here too: the dialog opens with both values, as when the service
        finds it. False if not saved (yet); a refused value is not kept pending (the form
        still holds it, with the message)."""
        if self.read_only or not self.flush():
            return False
        from cramp_dx.services import ConflictError

        edit = PendingEdit(key, value, old)
        self.pending[key] = edit
        change = self._make_change(key, value, old)
        stored = self.saved_value(key)
        if stored != old and stored != value:
            self.in_conflict = edit
            self.save_state.emit("conflict", "")
            self.workup_changed.emit()
            self.conflict.emit(edit, ConflictError(change.field, value, stored, self.record))
            return False
        saved = self._apply(change, edit)
        if not saved and self.in_conflict is not edit:
            self.pending.pop(key, None)
            self.workup_changed.emit()
        return saved

    def flush(self) -> bool:
        """Save every pending edit now. False while a conflict or invalid value is waiting."""
        self._timer.stop()
        if self.in_conflict is not None or self._saving:
            return False
        if not self.pending:
            return True
        for key in list(self.pending):
            edit = self.pending.get(key)
            if edit is None:
                continue
            change = self._make_change(edit.key, edit.value, edit.old)
            if not self._apply(change, edit):
                return False
        return True

    def _apply(self, change: Any, edit: PendingEdit | None) -> bool:
        from cramp_dx.services import ConflictError

        self._saving = True
        self.save_state.emit("saving", "")
        try:
            record = self.services.apply(self.record.id, change, self.record.version)
        except ConflictError as exc:
            self._saving = False
            if edit is None:
                self.save_state.emit("conflict", str(exc))
                self.reload()
                return False
            self.in_conflict = edit
            self.save_state.emit("conflict", "")
            self.conflict.emit(edit, exc)
            return False
        except InputError as exc:
            self._saving = False
            message = "; ".join(str(p) for p in exc.problems)
            self.last_error = message
            self.save_state.emit("error", message)
            if edit is None:
                return False
            # Not saved, and not retried: the field keeps showing what was typed, with the
            # message, until the user corrects it (a new edit of the same field).
            self.pending.pop(edit.key, None)
            self.input_problem.emit(edit.key, message)
            self.workup_changed.emit()
            return True
        except CrampDxError as exc:
            self._saving = False
            self.last_error = str(exc)
            self.save_state.emit("error", str(exc))
            return False
        self._saving = False
        self.last_error = ""
        if edit is not None:
            if edit.value == self.pending.get(edit.key, edit).value:
                self.pending.pop(edit.key, None)
            else:
                edit.old = value_at(record.workup, record, edit.key)
        self._set_record(record)
        self.save_state.emit("pending" if self.pending else "saved", "")
        return True

    def resolve_conflict(self, keep_mine: bool, current: Any) -> None:
        """After the dialog: keep mine → save it over the value now stored; use theirs →
        drop my edit and show the stored record."""
        edit = self.in_conflict
        self.in_conflict = None
        if edit is None:
            return
        if keep_mine:
            edit.old = value_at(current.workup, current, edit.key)
            self._set_record(current)
            self.flush()
        else:
            self.pending.pop(edit.key, None)
            self._set_record(current)
            self.save_state.emit("pending" if self.pending else "saved", "")
            if self.pending:
                self._timer.start()

    def discard_invalid(self, key: Key) -> None:
        self.pending.pop(key, None)
        self.workup_changed.emit()

    def reload(self) -> None:
        self._set_record(self.services.load_visit(self.record.id))

    def replace_record(self, record: Any) -> None:
        """A new record from a whole-visit action (ready, sign, addendum)."""
        self._set_record(record)

    def _set_record(self, record: Any) -> None:
        self.record = record
        self.record_changed.emit(record)
        self.workup_changed.emit()


# -- field addressing -------------------------------------------------------------------------
def value_at(workup: Workup, record: Any, key: Key) -> Any:
    """The value a key addresses in a saved workup/record."""
    kind = key[0]
    if kind == "finding":
        return workup.findings.get(key[1])
    if kind == "measurement":
        return workup.measurements.get(key[1])
    if kind == "patient":
        return getattr(workup.patient, key[1])
    if kind == "surgery":
        return getattr(workup.surgery, key[1])
    if kind == "visit":
        return getattr(workup.visit, key[1])
    if kind == "order":
        return workup.orders.get(key[1])
    if kind == "notes":
        return workup.visit.notes
    if kind == "plan":
        return tuple(record.plan_items)
    if kind == "medication":
        index = int(key[1])
        return workup.medications[index] if 0 <= index < len(workup.medications) else None
    if kind == "neuro":
        return workup.neuro_exam.get(key[1], key[2], key[3])
    raise KeyError(key)


def make_change_for(key: Key, value: Any, old: Any) -> Any:
    """The service-layer change object for one field edit."""
    from cramp_dx.services import changes

    kind = key[0]
    if kind == "finding":
        return changes.SetFinding(key[1], value, old)
    if kind == "measurement":
        return changes.SetMeasurement(key[1], value, old)
    if kind == "patient":
        return changes.SetPatientField(key[1], value, old)
    if kind == "surgery":
        return changes.SetSurgeryField(key[1], value, old)
    if kind == "visit":
        return changes.SetVisitField(key[1], value, old)
    if kind == "notes":
        return changes.SetNotes(value, old)
    if kind == "plan":
        return changes.SetPlanItems(tuple(value), old)
    if kind == "order":
        if value is None:
            return changes.SetOrder(key[1], None, None, old)
        return changes.SetOrder(key[1], value.state, value.date, old)
    if kind == "medication":
        return changes.UpdateMedication(int(key[1]), value, old)
    if kind == "neuro":
        return changes.SetNeuroSign(key[1], key[2], key[3], value, old)
    raise KeyError(key)

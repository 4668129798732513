"""The open visit as a person edits it, without Qt: the last saved record, the edits not saved
yet (one per field), the save in flight and the conflict waiting for a choice.

The GUI drives it: `edit()` on every keystroke or click, `due_at()` tells when to save (a
short pause after the last change, and never later than `MAX_WAIT` after the first one, so a
long stretch of typing is saved as it goes), `begin()` takes what is to be saved as a
`SaveBatch`, `run_batch()` saves it through `Services.apply` (on a worker thread in the app)
and `finish()` takes the outcome back. Nothing typed is dropped: an edit stays pending until
the service has committed that very value, and a conflict keeps it until the person chooses.

`clock` is injectable (seconds, monotonic), so the timing is tested without waiting."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from cramp_dx.case.model import Workup
from cramp_dx.errors import CrampDxError, InputError
from cramp_dx.services import changes
from cramp_dx.services.changes import Change, VisitState
from cramp_dx.services.errors import ConflictError
from cramp_dx.services.records import VisitRecord

AUTOSAVE_DELAY = 0.4  # seconds after the last change
MAX_WAIT = 2.0  # ... but at most this long after the first unsaved change
RETRY_DELAY = 5.0  # after the record could not be reached


# -- field keys --------------------------------------------------------------------------------
_CHANGES: dict[str, Callable[..., Change]] = {
    "finding": lambda value, old, name: changes.SetFinding(name, value, old),
    "measurement": lambda value, old, name: changes.SetMeasurement(name, value, old),
    "patient": lambda value, old, name: changes.SetPatientField(name, value, old),
    "surgery": lambda value, old, name: changes.SetSurgeryField(name, value, old),
    "visit": lambda value, old, name: changes.SetVisitField(name, value, old),
    "notes": lambda value, old: changes.SetNotes(value, old),
    "plan": lambda value, old: changes.SetPlanItems(tuple(value or ()), old),
    "order": lambda value, old, name: changes.SetOrder(
        name, None if value is None else value.state, None if value is None else value.date, old
    ),
    "medication": lambda value, old, index: changes.UpdateMedication(int(index), value, old),
    "neuro": lambda value, old, side, part, item: changes.SetNeuroSign(side, part, item, value, old),
}
KINDS = tuple(_CHANGES)


class FieldKey(tuple[str, ...]):
    """One editable field of a visit: its `kind` (finding, measurement, patient, surgery, visit,
    notes, plan, order, medication, neuro) and the `parts` that name the field within it (the
    finding id, the column, the line index; for a sign of the neurological examination the
    side, the part of the examination and the area, muscle or reflex). A plain tuple of the
    same strings is the same key."""

    __slots__ = ()

    def __new__(cls, kind: str, *parts: str) -> FieldKey:
        return super().__new__(cls, (kind, *parts))

    def __repr__(self) -> str:
        return f"FieldKey{tuple.__repr__(self)}"

    @property
    def kind(self) -> str:
        return self[0]

    @property
    def parts(self) -> tuple[str, ...]:
        return self[1:]

    @property
    def name(self) -> str:
        """The first part ("" for a field of its own, such as the notes)."""
        return self[1] if len(self) > 1 else ""

    def change(self, value: Any, old: Any) -> Change:
        """The service-layer change that sets this field to `value` (seen as `old`)."""
        try:
            make = _CHANGES[self.kind]
        except KeyError:
            raise KeyError(f"{self.kind!r} is not a field kind; accepted: {', '.join(KINDS)}") from None
        return make(value, old, *self.parts)

    def read(self, state: VisitState) -> Any:
        """The value of this field in `state`."""
        return self.change(None, None).current(state)


def key_of(key: tuple[str, ...]) -> FieldKey:
    return key if isinstance(key, FieldKey) else FieldKey(*key)


def state_of(record: VisitRecord) -> VisitState:
    return VisitState(record.workup, tuple(record.plan_items), tuple(record.acknowledged_red_flags))


# -- what is waiting and what is being saved ---------------------------------------------------
@dataclass(slots=True)
class PendingEdit:
    """One field's unsaved value. `old` is the value the user saw before editing: the service
    compares it with the stored one to detect a conflicting save from elsewhere."""

    key: FieldKey
    value: Any
    old: Any
    first_at: float
    last_at: float


@dataclass(frozen=True, slots=True)
class Saving:
    """One edit as it was when its save began."""

    key: FieldKey
    value: Any
    old: Any

    def change(self) -> Change:
        return self.key.change(self.value, self.old)


@dataclass(frozen=True, slots=True)
class SaveBatch:
    """The field edits to save, in order, then the list changes (`actions`: adding a lab, an
    acknowledgement, …), all on the copy loaded at `base_version`."""

    visit_id: int
    base_version: int
    edits: tuple[Saving, ...]
    actions: tuple[Change, ...] = ()


@dataclass(frozen=True, slots=True)
class SaveOutcome:
    """What `run_batch` did: the latest record it got back (None if nothing was written), the
    edits saved, the edits refused as invalid (with the service's problems), and where it
    stopped: a conflict or another error. `actions` has one entry per action: None if it was
    applied, else the reason it was not."""

    record: VisitRecord | None
    saved: tuple[Saving, ...] = ()
    refused: tuple[tuple[Saving, InputError], ...] = ()
    conflict: tuple[Saving, ConflictError] | None = None
    error: CrampDxError | None = None
    actions: tuple[CrampDxError | None, ...] = ()


@dataclass(frozen=True, slots=True)
class Conflict:
    """A field saved elsewhere since this copy was loaded: my value (still pending), theirs,
    and the record as it now is."""

    key: FieldKey
    mine: Any
    theirs: Any
    current: VisitRecord


@dataclass(frozen=True, slots=True)
class Finished:
    """What changed when a save finished, for the screen to show."""

    record_changed: bool
    workup_changed: bool
    problems: tuple[tuple[FieldKey, InputError], ...] = ()
    conflict: Conflict | None = None
    error: CrampDxError | None = None
    actions: tuple[CrampDxError | None, ...] = ()


class Applies(Protocol):
    def apply(self, visit_id: int, change: Change, base_version: int) -> VisitRecord: ...


def run_batch(services: Applies, batch: SaveBatch) -> SaveOutcome:
    """Save `batch` through the service, one transaction per change. An invalid value is
    refused and the rest go on; a conflict or any other error stops here (what follows stays
    pending; the actions are not applied)."""
    record: VisitRecord | None = None
    version = batch.base_version
    saved: list[Saving] = []
    refused: list[tuple[Saving, InputError]] = []

    def stopped(**why: Any) -> SaveOutcome:
        skipped = why.get("error") or CrampDxError("not saved: an earlier change is waiting")
        return SaveOutcome(record, tuple(saved), tuple(refused),
                           actions=tuple(skipped for _ in batch.actions), **why)

    for item in batch.edits:
        try:
            record = services.apply(batch.visit_id, item.change(), version)
        except ConflictError as exc:
            return stopped(conflict=(item, exc))
        except InputError as exc:
            refused.append((item, exc))
            continue
        except CrampDxError as exc:
            return stopped(error=exc)
        version = record.version
        saved.append(item)
    results: list[CrampDxError | None] = []
    for action in batch.actions:
        try:
            record = services.apply(batch.visit_id, action, version)
        except CrampDxError as exc:
            results.append(exc)
            continue
        version = record.version
        results.append(None)
    return SaveOutcome(record, tuple(saved), tuple(refused), actions=tuple(results))


# -- the buffer --------------------------------------------------------------------------------
@dataclass
class EditBuffer:
    """The visit being edited. Not thread-safe: one thread (the GUI's) calls it; only
    `run_batch` runs elsewhere."""

    record: VisitRecord
    delay: float = AUTOSAVE_DELAY
    max_wait: float = MAX_WAIT
    clock: Callable[[], float] = time.monotonic
    view_only: bool = False  # opened by an account that may only read it (emergency access)
    pending: dict[FieldKey, PendingEdit] = field(default_factory=dict)
    saving: SaveBatch | None = None
    conflict: Conflict | None = None
    last_error: str = ""
    _retry_at: float | None = None

    # -- reading -------------------------------------------------------------------------------
    @property
    def visit_id(self) -> int:
        return self.record.id

    @property
    def read_only(self) -> bool:
        return self.view_only or self.record.status == "signed"

    def saved_value(self, key: tuple[str, ...]) -> Any:
        return key_of(key).read(state_of(self.record))

    def current_value(self, key: tuple[str, ...]) -> Any:
        edit = self.pending.get(key_of(key))
        return edit.value if edit is not None else self.saved_value(key)

    def current_state(self) -> VisitState:
        """The saved visit with the pending edits laid over it (by the service's own change
        objects): what the person sees, so the differential follows every edit."""
        state = state_of(self.record)
        for edit in self.pending.values():
            try:
                state = edit.key.change(edit.value, edit.old).apply_to(state)
            except (CrampDxError, TypeError, ValueError):
                continue
        return state

    def current_workup(self) -> Workup:
        return self.current_state().workup if self.pending else self.record.workup

    def state(self) -> str:
        """For the save indicator: conflict, saving, pending, error or saved."""
        if self.conflict is not None:
            return "conflict"
        if self.saving is not None:
            return "saving"
        if self.last_error:
            return "error"
        return "pending" if self.pending else "saved"

    # -- editing -------------------------------------------------------------------------------
    def edit(self, key: tuple[str, ...], value: Any) -> bool:
        """Record a field edit; True if what the person sees changed."""
        if self.read_only:
            return False
        key = key_of(key)
        now = self.clock()
        existing = self.pending.get(key)
        if existing is None:
            saved = self.saved_value(key)
            if value == saved:
                return False
            self.pending[key] = PendingEdit(key, value, saved, now, now)
            return True
        if existing.value == value:
            return False
        if value == self.saved_value(key) and not self._in_flight(key):
            del self.pending[key]  # back to what is stored: nothing left to save
            return True
        existing.value = value
        existing.last_at = now
        return True

    def _in_flight(self, key: FieldKey) -> bool:
        return self.saving is not None and any(e.key == key for e in self.saving.edits)

    def discard(self, key: tuple[str, ...]) -> None:
        """Drop an unsaved edit (the field shows the saved value again)."""
        self.pending.pop(key_of(key), None)

    # -- saving --------------------------------------------------------------------------------
    def due_at(self) -> float | None:
        """When the pending edits should be saved (clock time), or None: nothing to save, a
        save already running, or a conflict waiting for the person's choice."""
        if not self.pending or self.saving is not None or self.conflict is not None:
            return None
        due = min(min(e.last_at + self.delay, e.first_at + self.max_wait)
                  for e in self.pending.values())
        return due if self._retry_at is None else max(due, self._retry_at)

    def is_due(self) -> bool:
        due = self.due_at()
        return due is not None and due <= self.clock()

    def begin(self, actions: tuple[Change, ...] = ()) -> SaveBatch | None:
        """Take every pending edit (and `actions`) as the next save; None if a save is
        running, a conflict waits, or there is nothing to save."""
        if self.saving is not None or self.conflict is not None:
            return None
        if not self.pending and not actions:
            return None
        self._retry_at = None
        edits = tuple(Saving(e.key, e.value, e.old) for e in self.pending.values())
        self.saving = SaveBatch(self.record.id, self.record.version, edits, tuple(actions))
        return self.saving

    def finish(self, outcome: SaveOutcome) -> Finished:
        """Take back the outcome of the save `begin` started."""
        before = self.current_state()
        self.saving = None
        record_changed = False
        if outcome.record is not None and outcome.record is not self.record:
            self.record = outcome.record
            record_changed = True
        stored = state_of(self.record)
        for item in outcome.saved:
            edit = self.pending.get(item.key)
            if edit is None:
                continue
            if edit.value == item.value:
                del self.pending[item.key]
            else:  # typed on while it was saved: the rest goes next, against the new value
                edit.old = item.key.read(stored)
                edit.first_at = min(edit.last_at, self.clock())
        problems = []
        for item, error in outcome.refused:
            edit = self.pending.get(item.key)
            if edit is not None and edit.value == item.value:
                # not saved and not retried: the field keeps what was typed, with the message
                del self.pending[item.key]
                problems.append((item.key, error))
        conflict = None
        if outcome.conflict is not None:
            item, exc = outcome.conflict
            edit = self.pending.get(item.key)
            mine = edit.value if edit is not None else item.value
            if edit is None:
                self.pending[item.key] = PendingEdit(item.key, mine, item.old,
                                                     self.clock(), self.clock())
            conflict = Conflict(item.key, mine, exc.theirs, exc.current)
            self.conflict = conflict
        self.last_error = str(outcome.error) if outcome.error is not None else ""
        self._retry_at = self.clock() + RETRY_DELAY if outcome.error is not None else None
        return Finished(
            record_changed=record_changed,
            workup_changed=self.current_state() != before,
            problems=tuple(problems),
            conflict=conflict,
            error=outcome.error,
            actions=outcome.actions,
        )

    def resolve(self, keep_mine: bool) -> None:
        """After the conflict dialog: keep mine → it is saved next over the value now stored;
        use theirs → my edit is dropped. Either way the stored record is shown."""
        conflict = self.conflict
        if conflict is None:
            return
        self.conflict = None
        self.record = conflict.current
        edit = self.pending.get(conflict.key)
        if edit is None:
            return
        if keep_mine:
            edit.old = conflict.key.read(state_of(conflict.current))
            edit.first_at = edit.last_at = self.clock() - self.max_wait  # due now
        else:
            del self.pending[conflict.key]

    def replace_record(self, record: VisitRecord) -> None:
        """A record from elsewhere (a reload, or a whole-visit action: ready, sign,
        addendum). Pending edits keep the value they were made on."""
        self.record = record


__all__ = [
    "AUTOSAVE_DELAY",
    "KINDS",
    "MAX_WAIT",
    "Conflict",
    "EditBuffer",
    "FieldKey",
    "Finished",
    "PendingEdit",
    "SaveBatch",
    "SaveOutcome",
    "Saving",
    "key_of",
    "run_batch",
    "state_of",
]

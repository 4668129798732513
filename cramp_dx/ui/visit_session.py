"""The Qt side of editing a visit: a timer for the autosave and the hand-over between the GUI
thread and the save worker. What is pending, saved or in conflict is decided by the Qt-free
`cramp_dx.services.editing.EditBuffer`; the saves themselves run on a `Worker` thread, so
the window never waits for the database while the person types or clicks."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from cramp_dx.case.model import Workup
from cramp_dx.errors import CrampDxError
from cramp_dx.services.background import Worker
from cramp_dx.services.changes import Change
from cramp_dx.services.editing import (
    AUTOSAVE_DELAY,
    Conflict,
    EditBuffer,
    FieldKey,
    SaveBatch,
    SaveOutcome,
    run_batch,
)

Done = Callable[[CrampDxError | None], None]  # None: saved; else why not
CONFLICT_FIRST = "Not saved yet: resolve the other unsaved change first (see the dialog)."


class VisitSession(QObject):
    """Signals: `record_changed(record)` after a save, a reload or a conflict choice;
    `workup_changed()` whenever what the person sees (saved + pending) changes;
    `save_state(state, detail)` for the indicator; `conflict(Conflict)`;
    `input_problem(key, InputError)` when the service refuses a value."""

    record_changed = Signal(object)
    workup_changed = Signal()
    save_state = Signal(str, str)
    conflict = Signal(object)
    input_problem = Signal(object, object)
    _finished = Signal(object)  # a Future, emitted from the worker thread

    def __init__(
        self,
        services: Any,
        record: Any,
        worker: Worker,
        parent: QObject | None = None,
        delay: float = AUTOSAVE_DELAY,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.worker = worker
        self.buffer = EditBuffer(record, delay=delay)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._save_due)
        self._future: Future[SaveOutcome] | None = None
        self._batch: SaveBatch | None = None
        self._running: list[tuple[Change | None, Done | None]] = []
        self._queued: list[tuple[Change | None, Done | None]] = []
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)

    # -- reading -------------------------------------------------------------------------------
    @property
    def record(self) -> Any:
        return self.buffer.record

    @property
    def visit_id(self) -> Any:
        return self.buffer.visit_id

    @property
    def view_only(self) -> bool:
        """Opened by an account that may only read it (emergency access): nothing is edited."""
        return self.buffer.view_only

    @view_only.setter
    def view_only(self, view_only: bool) -> None:
        self.buffer.view_only = view_only

    @property
    def read_only(self) -> bool:
        return self.buffer.read_only

    @property
    def pending(self) -> dict[FieldKey, Any]:
        return self.buffer.pending

    @property
    def in_conflict(self) -> Conflict | None:
        return self.buffer.conflict

    @property
    def last_error(self) -> str:
        return self.buffer.last_error

    def saving(self) -> bool:
        return self._future is not None

    def idle(self) -> bool:
        """Nothing in flight and no list change waiting (edits may still be pending)."""
        return self._future is None and not self._queued

    def saved_value(self, key: tuple[str, ...]) -> Any:
        return self.buffer.saved_value(key)

    def current_value(self, key: tuple[str, ...]) -> Any:
        return self.buffer.current_value(key)

    def current_workup(self) -> Workup:
        return self.buffer.current_workup()

    # -- editing -------------------------------------------------------------------------------
    def edit(self, key: tuple[str, ...], value: Any) -> None:
        """A field edit: shown at once (the differential follows), saved after a pause."""
        if not self.buffer.edit(key, value):
            return
        self._show_state()
        self.workup_changed.emit()
        self._schedule()

    def discard_invalid(self, key: tuple[str, ...]) -> None:
        self.buffer.discard(key)
        self.workup_changed.emit()
        self._show_state()

    def run(self, change: Change | None, done: Done | None = None) -> None:
        """Save the pending edits now, then apply `change` (adding a lab or a medication,
        an acknowledgement, …; None: only the edits); `done(problem)` is called on the GUI
        thread when it is saved (problem None) or refused (the error saying why)."""
        if self.buffer.conflict is not None:
            if done is not None:
                done(CrampDxError(CONFLICT_FIRST))
            return
        self._queued.append((change, done))
        self._schedule()

    def flush(self) -> bool:
        """Save everything now and wait for it (before leaving, printing, signing, closing).
        False while a conflict or an error keeps something unsaved."""
        self._timer.stop()
        for _ in range(3):
            if self._future is not None:
                self._complete(self._future, wait=True)
            if self.buffer.conflict is not None:
                return False
            if not self.buffer.pending and not self._queued:
                return True
            if not self._start():
                break
        return not self.buffer.pending and self.buffer.conflict is None

    def wait(self) -> None:
        """Finish the save in flight (if any), without starting another."""
        if self._future is not None:
            self._complete(self._future, wait=True)

    # -- conflicts and reloads -----------------------------------------------------------------
    def resolve_conflict(self, keep_mine: bool) -> None:
        """After the dialog: keep mine → saved over the value now stored; use theirs → my
        edit is dropped. The stored record is shown either way."""
        self.buffer.resolve(keep_mine)
        self.record_changed.emit(self.buffer.record)
        self.workup_changed.emit()
        self._show_state()
        self._schedule()

    def reload(self) -> None:
        self.replace_record(self.services.load_visit(self.buffer.visit_id))

    def replace_record(self, record: Any) -> None:
        """A new record from a whole-visit action (ready, sign, addendum) or a reload."""
        self.buffer.replace_record(record)
        self.record_changed.emit(record)
        self.workup_changed.emit()

    # -- the save ------------------------------------------------------------------------------
    def _schedule(self) -> None:
        if self._future is not None:
            return  # the next one is planned when this one is done
        if self._queued:
            if self.buffer.conflict is None:
                self._start()
                return
            queued, self._queued = self._queued, []
            for _change, done in queued:
                if done is not None:
                    done(CrampDxError(CONFLICT_FIRST))
        due = self.buffer.due_at()
        if due is None:
            self._timer.stop()
            return
        self._timer.start(max(0, int((due - time.monotonic()) * 1000) + 1))

    def _save_due(self) -> None:
        if self._future is None and self.buffer.is_due():
            self._start()
        else:
            self._schedule()

    def _start(self) -> bool:
        queued, self._queued = self._queued, []
        batch = self.buffer.begin(tuple(change for change, _ in queued if change is not None))
        if batch is None:
            for _change, done in queued:
                if done is not None:
                    done(None if self.buffer.conflict is None else CrampDxError(CONFLICT_FIRST))
            return False
        self._timer.stop()
        self._running = queued
        self._batch = batch
        self.save_state.emit("saving", "")
        future = self.worker.submit(run_batch, self.services, batch)
        self._future = future
        future.add_done_callback(self._finished.emit)
        return True

    def _on_finished(self, future: Future[SaveOutcome]) -> None:
        if future is self._future:
            self._complete(future, wait=False)

    def _complete(self, future: Future[SaveOutcome], *, wait: bool) -> None:
        batch = self._batch
        assert batch is not None
        try:
            outcome = future.result(timeout=None if wait else 0)
        except Exception as exc:  # a bug or a lost connection: keep every edit pending
            error = exc if isinstance(exc, CrampDxError) else CrampDxError(
                f"the record could not be saved: {exc}")
            outcome = SaveOutcome(None, error=error, actions=tuple(error for _ in batch.actions))
        self._future = self._batch = None
        running, self._running = self._running, []
        finished = self.buffer.finish(outcome)
        if finished.record_changed:
            self.record_changed.emit(self.buffer.record)
        if finished.workup_changed:
            self.workup_changed.emit()
        for key, error in finished.problems:
            self.input_problem.emit(key, error)
        results = iter(finished.actions)
        overall = (CrampDxError(CONFLICT_FIRST) if finished.conflict is not None
                   else finished.error)
        for change, done in running:
            problem = next(results, None) if change is not None else overall
            if done is not None:
                done(problem)
        self._show_state()
        if finished.conflict is not None:
            self.conflict.emit(finished.conflict)
        if not wait:
            self._schedule()

    def _show_state(self) -> None:
        state = self.buffer.state()
        self.save_state.emit(state, self.buffer.last_error if state == "error" else "")

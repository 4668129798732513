"""Keeps the entries typed and not added yet (a lab result, a new medication) as drafts on
this workstation (`cramp_dx.services.drafts`), a short pause after the last keystroke, on the
save worker's thread."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from cramp_dx.errors import CrampDxError
from cramp_dx.services.background import Worker
from cramp_dx.services.drafts import Drafts
from cramp_dx.services.editing import AUTOSAVE_DELAY

Fields = Callable[[], dict[str, str]]


class DraftKeeper(QObject):
    """`kept(entry, empty)` once a draft is written (empty: it was removed);
    `failed(message)` if it could not be."""

    kept = Signal(str, bool)
    failed = Signal(str)
    _done = Signal(object, str, bool)  # a Future, the entry, empty; from the worker thread

    def __init__(self, worker: Worker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.drafts: Drafts | None = None
        self.visit_id: int | None = None
        self._fields: dict[str, Fields] = {}
        self._timers: dict[str, QTimer] = {}
        self._done.connect(self._finished, Qt.ConnectionType.QueuedConnection)

    def start(self, drafts: Drafts | None, visit_id: int | None) -> None:
        """Keep the drafts of this visit (None: keep none)."""
        self.flush()
        self.drafts, self.visit_id = drafts, visit_id

    def load(self, entry: str) -> dict[str, str]:
        if self.drafts is None or self.visit_id is None:
            return {}
        return self.drafts.load(self.visit_id, entry)

    def typed(self, entry: str, fields: Fields) -> None:
        """The entry changed: kept after the pause (`fields()` is read then)."""
        if self.drafts is None:
            return
        self._fields[entry] = fields
        timer = self._timers.get(entry)
        if timer is None:
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.setInterval(int(AUTOSAVE_DELAY * 1000))
            timer.timeout.connect(lambda entry=entry: self._write(entry))
            self._timers[entry] = timer
        timer.start()

    def flush(self) -> None:
        """Write what waits for the pause now, and wait for it."""
        for entry, timer in self._timers.items():
            if timer.isActive():
                timer.stop()
                self._write(entry)
        self.worker.wait_idle()

    def _write(self, entry: str) -> None:
        drafts, visit_id, fields = self.drafts, self.visit_id, self._fields.pop(entry, None)
        if drafts is None or visit_id is None or fields is None:
            return
        values = fields()
        empty = not any(v.strip() for v in values.values())
        future = self.worker.submit(drafts.save, visit_id, entry, values)
        future.add_done_callback(lambda f: self._done.emit(f, entry, empty))

    def _finished(self, future: Future[None], entry: str, empty: bool) -> None:
        error = future.exception()
        if error is None:
            self.kept.emit(entry, empty)
        else:
            self.failed.emit(str(error) if isinstance(error, CrampDxError) else
                             f"the draft could not be kept: {error}")

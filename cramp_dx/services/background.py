"""Work off the GUI thread: one worker thread per purpose, running its jobs in order.

The record's saves go through one `Worker`, so they reach the database in the order they were
made while the window stays responsive however slow the database is; printing uses another.
A job's result (or exception) is delivered through its `Future`; `wait_idle()` lets the app
finish what is in flight before it closes."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from threading import Lock
from typing import Any, TypeVar

T = TypeVar("T")


class Worker:
    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"cramp-dx-{name}")
        self._lock = Lock()
        self._futures: list[Future[Any]] = []

    def submit(self, job: Callable[..., T], *args: Any) -> Future[T]:
        future = self._executor.submit(job, *args)
        with self._lock:
            self._futures = [f for f in self._futures if not f.done()]
            self._futures.append(future)
        return future

    def busy(self) -> bool:
        with self._lock:
            return any(not f.done() for f in self._futures)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every job submitted so far has finished; False on timeout."""
        with self._lock:
            futures = list(self._futures)
        for future in futures:
            try:
                future.exception(timeout=timeout)
            except TimeoutError:
                return False
        return True

    def shutdown(self) -> None:
        """Finish the queued jobs, then stop the thread."""
        self._executor.shutdown(wait=True)

"""Guards the PySide6 pin in pyproject.toml: 6.12.0 dropped a reference to `True` on every
Python-side signal emit, which aborts the interpreter after a few thousand edits."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    changed = Signal(str)


def test_signal_emits_do_not_leak_references_to_true() -> None:
    emitter = _Emitter()
    received: list[str] = []
    emitter.changed.connect(received.append)
    before = sys.getrefcount(True)
    for _ in range(500):
        emitter.changed.emit("x")
    assert len(received) == 500
    assert abs(sys.getrefcount(True) - before) < 50

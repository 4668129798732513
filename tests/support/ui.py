"""Fixtures for the GUI tests: a real SQLite record with a nurse and a physician, the main
window driven offscreen with pytest-qt, and a guard that fails a test leaking top-level
widgets."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QWidget

from cramp_dx.settings import Settings
from support.record import PASSWORDS, Record, example, make_record


@pytest.fixture
def clinic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Record]:
    """A fresh SQLite file with accounts admin / doc (physician) / nurse; the user's data and
    settings folders point into tmp_path."""
    monkeypatch.setenv("CRAMP_DX_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CRAMP_DX_CONFIG_DIR", str(tmp_path / "config"))
    record = make_record(f"sqlite:///{tmp_path / 'clinic.sqlite3'}")
    yield record
    record.db.dispose()


@pytest.fixture
def no_leaked_windows(qapp: QApplication) -> Iterator[None]:
    """Fails the test if a top-level widget it created is still alive afterwards."""
    before = {id(w) for w in QApplication.topLevelWidgets()}
    yield
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()
    leaked = [
        f"{type(w).__name__}({w.objectName()!r})"
        for w in QApplication.topLevelWidgets()
        if id(w) not in before and w.isVisible()
    ]
    for widget in QApplication.topLevelWidgets():
        if id(widget) not in before and widget.isVisible():
            widget.close()
            widget.deleteLater()
    assert not leaked, f"top-level widgets left open: {leaked}"


@pytest.fixture
def make_window(no_leaked_windows: None, qtbot: Any, clinic: Record) -> Callable[..., Any]:
    """`make_window(idle_ms=None)` → a shown MainWindow on the clinic's record."""
    from cramp_dx.ui.app import application, create_window

    application()

    def make(idle_ms: int | None = None, settings: Settings | None = None) -> Any:
        window = create_window(
            clinic.db,
            settings or Settings(),
            idle_ms=idle_ms,
            persist_settings=False,
            offer_demo=lambda _parent: False,
        )
        qtbot.addWidget(window)
        window.confirm_quit = lambda: True  # a failed test must not hang on the quit question
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
        return window

    return make


def sign_in(qtbot: Any, window: Any, username: str) -> None:
    page = window.sign_in
    page.username.clear()
    qtbot.keyClicks(page.username, username)
    qtbot.keyClicks(page.password, PASSWORDS[username])
    qtbot.mouseClick(page.button, Qt.MouseButton.LeftButton)
    assert window.services is not None, page.error.text()


def open_example_visit(qtbot: Any, window: Any, clinic: Record, name: str) -> tuple[Any, Any]:
    """Sign in as the physician and open the visit of tests/cases/<name>.json; the visit page
    and the stored record."""
    sign_in(qtbot, window, "doc")
    record = clinic.services("doc").import_case(example(name))
    window.patient_list.refresh()
    window.open_patient(record.patient_id)
    return window.visit_page, record


def shortcut(
    qtbot: Any, window: Any, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.ControlModifier
) -> None:
    """Press a window shortcut as the user would: with the window active."""
    if QApplication.activeWindow() is not window:
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    target = QApplication.focusWidget() or window
    qtbot.keyClick(target, key, modifier)


def click(qtbot: Any, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def wait_saved(qtbot: Any, window: Any) -> None:
    session = window.visit_page.session
    qtbot.waitUntil(lambda: session.idle() and not session.pending
                    and window.save_indicator.state == "saved", timeout=5000)


def wait_idle(qtbot: Any, window: Any) -> None:
    """Until the visit's saves and list changes (run on the save worker) are done."""
    session = window.visit_page.session
    qtbot.waitUntil(session.idle, timeout=5000)


def typed(qtbot: Any, widget: QWidget, text: str) -> None:
    """Type into a line edit and leave it (editingFinished)."""
    widget.setFocus()
    widget.clear() if hasattr(widget, "clear") else None
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


__all__ = [
    "PASSWORDS",
    "click",
    "clinic",
    "make_window",
    "no_leaked_windows",
    "open_example_visit",
    "shortcut",
    "sign_in",
    "typed",
    "wait_idle",
    "wait_saved",
]

"""Keyboard shortcuts limited to a widget.

PySide6 (seen with 6.11) ignores `context=` when a QShortcut is built together with its
slot: the shortcut silently becomes window-wide. A window-wide Delete on the labs table then
removed the current lab line while the keyboard was anywhere else in the window. Build them
here instead: the context is set explicitly."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget


def shortcut(
    key: QKeySequence | QKeySequence.StandardKey | str,
    parent: QWidget,
    slot: Callable[[], object],
    context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetShortcut,
) -> QShortcut:
    made = QShortcut(QKeySequence(key), parent)
    made.setContext(context)
    made.activated.connect(slot)
    return made

"""What assistive technology is given of a stack of pages: only the page on screen.

Qt exposes every page of a QStackedWidget to screen readers, the hidden ones too (merely
marked invisible), so the workspace and the workup sections the app builds ahead of time were
listed under the sign-in page, and every section under the one shown. `install()` gives each
QStackedWidget an interface whose one child is its current page."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAccessible, QAccessibleInterface
from PySide6.QtWidgets import QAccessibleWidget, QStackedWidget

_INSTALLED = False


class CurrentPageOnly(QAccessibleWidget):
    def __init__(self, stack: QStackedWidget) -> None:
        super().__init__(stack, QAccessible.Role.LayeredPane)
        self._stack = stack

    def childCount(self) -> int:
        return 1 if self._stack.currentWidget() is not None else 0

    def child(self, index: int) -> QAccessibleInterface | None:
        page = self._stack.currentWidget()
        if index != 0 or page is None:
            return None
        return QAccessible.queryAccessibleInterface(page)

    def indexOfChild(self, child: QAccessibleInterface) -> int:
        page = self._stack.currentWidget()
        return 0 if child is not None and page is not None and child.object() is page else -1


def _factory(key: str, owner: Any) -> QAccessibleInterface | None:
    if key != "QStackedWidget" or not isinstance(owner, QStackedWidget):
        return None
    interface = CurrentPageOnly(owner)
    # Qt keeps the interface until the widget goes; the widget's wrapper keeps the Python
    # side alive as long
    owner._accessible_interface = interface
    return interface


def install() -> None:
    global _INSTALLED
    if not _INSTALLED:
        QAccessible.installFactory(_factory)
        _INSTALLED = True

"""Windows sized to the screen they open on: at 125 % or 200 % scaling a fixed size in
device-independent pixels can be larger than the screen."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit, QStyle, QWidget

FRAME_ALLOWANCE = QSize(16, 48)  # window-manager title bar and borders, roughly
TEXT_PADDING = 12  # a line edit's inner margins and cursor, with room to spare


def available_size(widget: QWidget) -> QSize:
    screen = widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry().size()


def fit_to_screen(widget: QWidget, preferred: QSize) -> bool:
    """Resize `widget` to `preferred`, or to the screen's available area when that is
    smaller. Returns whether the preferred size did not fit (the caller then maximises a
    main window)."""
    room = available_size(widget) - FRAME_ALLOWANCE
    widget.resize(preferred.boundedTo(room))
    return preferred.width() > room.width() or preferred.height() > room.height()


def fit_text(edit: QLineEdit, sample: str) -> None:
    """At least as wide as `sample` typed in it (a whole date, a dose), at any scale."""
    margins = edit.textMargins()
    frame = edit.style().pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth, None, edit)
    edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance(sample) + margins.left()
                         + margins.right() + 2 * frame + TEXT_PADDING)

"""A save conflict: another workstation changed the same field since this one loaded it.
Both values are shown; nothing is discarded until the user chooses."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class ConflictDialog(QDialog):
    """Emits `resolved(keep_mine)` once; non-blocking (`open()`), so the app keeps running
    (and can still lock) while the user decides."""

    resolved = Signal(bool)

    def __init__(
        self, field_label: str, mine: str, theirs: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("conflictDialog")
        self.setWindowTitle("Changed on another workstation")
        self.setModal(True)
        intro = QLabel(
            f"<b>{field_label}</b> was changed on another workstation after you started "
            "editing it. Both values are kept below; choose which one the record should hold."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.mine_label = QLabel(mine)
        self.theirs_label = QLabel(theirs)
        for label, name in ((self.mine_label, "Your value"), (self.theirs_label, "Saved value")):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setAccessibleName(name)
            label.setObjectName("conflictValue")
        grid = QGridLayout()
        grid.addWidget(QLabel("<b>Your value (not saved yet)</b>"), 0, 0)
        grid.addWidget(QLabel("<b>Saved by the other workstation</b>"), 0, 1)
        grid.addWidget(self.mine_label, 1, 0)
        grid.addWidget(self.theirs_label, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        buttons = QDialogButtonBox()
        self.keep_mine = QPushButton("Keep &mine")
        self.keep_mine.setAccessibleName("Keep my value and save it")
        self.use_theirs = QPushButton("Use &theirs")
        self.use_theirs.setAccessibleName("Use the saved value and drop mine")
        buttons.addButton(self.keep_mine, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.use_theirs, QDialogButtonBox.ButtonRole.RejectRole)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(buttons)
        self.keep_mine.clicked.connect(lambda: self._finish(True))
        self.use_theirs.clicked.connect(lambda: self._finish(False))
        self._done = False
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 40)

    def _finish(self, keep_mine: bool) -> None:
        if self._done:
            return
        self._done = True
        self.accept()
        self.resolved.emit(keep_mine)

    def reject(self) -> None:
        """Escape / closing the window decides nothing: the edit stays pending."""
        if self._done:
            super().reject()

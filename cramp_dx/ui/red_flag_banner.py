"""Red flags at the top of the visit. Each flag stays until acknowledged (an audited
change); an acknowledged flag that still fires stays listed, marked as acknowledged. The
published sources behind a flag are one click (or Space) away, so the banner stays short."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cramp_dx.engine.result import RedFlag


class _FlagRow(QFrame):
    def __init__(self, flag: RedFlag, acknowledged: bool, banner: RedFlagBanner) -> None:
        super().__init__()
        self.flag_id = flag.id
        self._title = flag.title
        self._references: tuple[str, ...] = ()
        self.setObjectName("redFlagRow")
        self.setProperty("severity", flag.severity)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton("Acknowledge")
        self.button.setObjectName(f"ack_{flag.id}")
        self.button.setAccessibleName(f"Acknowledge red flag: {flag.title}")
        self.button.clicked.connect(lambda: banner.acknowledge_requested.emit(flag.id))
        self.references_button = QToolButton()
        self.references_button.setObjectName(f"references_{flag.id}")
        self.references_button.setCheckable(True)
        self.references_button.toggled.connect(self._show_references)
        self.references = QLabel()
        self.references.setObjectName("redFlagReferences")
        self.references.setAccessibleName(f"References of red flag: {flag.title}")
        self.references.setWordWrap(True)
        self.references.setTextFormat(Qt.TextFormat.PlainText)
        self.references.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.references.hide()
        details = QVBoxLayout()
        details.setContentsMargins(0, 0, 0, 0)
        details.addWidget(self.text)
        details.addWidget(self.references_button, 0, Qt.AlignmentFlag.AlignLeft)
        details.addWidget(self.references)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addLayout(details, 1)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)
        self.update_flag(flag, acknowledged, banner.read_only)

    def update_flag(self, flag: RedFlag, acknowledged: bool, read_only: bool) -> None:
        severity = "EMERGENCY" if flag.severity == "emergency" else "URGENT"
        because = "; ".join(flag.because)
        state = " — <i>acknowledged</i>" if acknowledged else ""
        html = f"<b>⚠ {severity}: {flag.title}</b>{state}<br>{flag.message}"
        if because:
            html += f"<br><small>Because: {because}</small>"
        if self.text.text() != html:
            self.text.setText(html)
        self.setAccessibleName(f"{severity} red flag: {flag.title}. {flag.message}")
        self.button.setVisible(not acknowledged and not read_only)
        self._title = flag.title
        self._references = flag.references
        self.references.setText("\n".join(flag.references))
        self.references_button.setVisible(bool(flag.references))
        self._show_references(self.references_button.isChecked())

    def _show_references(self, shown: bool) -> None:
        """The citations under the flag, or a button saying how many there are."""
        verb = "Hide" if shown else "Show"
        self.references_button.setText(
            "Hide references" if shown else f"References ({len(self._references)})"
        )
        self.references_button.setAccessibleName(
            f"{verb} the references of red flag: {self._title}"
        )
        self.references.setVisible(shown and bool(self._references))


class RedFlagBanner(QFrame):
    acknowledge_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("redFlagBanner")
        self.setAccessibleName("Red flags")
        self.read_only = False
        self._rows: dict[str, _FlagRow] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(6, 6, 6, 6)
        self._layout.setSpacing(4)
        self.hide()

    def flag_ids(self) -> list[str]:
        return list(self._rows)

    def unacknowledged_ids(self) -> list[str]:
        return [fid for fid, row in self._rows.items() if row.button.isVisibleTo(self)]

    def show_flags(
        self, flags: tuple[RedFlag, ...], acknowledged: tuple[str, ...], read_only: bool
    ) -> None:
        """Update in place: rows are added, changed or removed only when they differ."""
        self.read_only = read_only
        wanted = [f.id for f in flags]
        for fid in list(self._rows):
            if fid not in wanted:
                row = self._rows.pop(fid)
                self._layout.removeWidget(row)
                row.deleteLater()
        for index, flag in enumerate(flags):
            row = self._rows.get(flag.id)
            if row is None:
                row = _FlagRow(flag, flag.id in acknowledged, self)
                self._rows[flag.id] = row
                self._layout.insertWidget(index, row)
            else:
                row.update_flag(flag, flag.id in acknowledged, read_only)
                if self._layout.indexOf(row) != index:
                    self._layout.removeWidget(row)
                    self._layout.insertWidget(index, row)
        self.setVisible(bool(flags))

"""Settings → lab reference ranges: the clinic's own normal range per lab, in the lab's default
unit, replacing the knowledge base's (Settings.lab_ranges; the engine's `applied_range`). What
the fields mean and whether they are accepted is decided in cramp_dx.knowledge.range_override.
A row left as it was keeps its stored override verbatim, so saving other settings never
rewrites it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from cramp_dx.knowledge.model import Lab
from cramp_dx.knowledge.range_override import (
    SIDES,
    RowCheck,
    builtin_limit,
    builtin_text,
    check_row,
    check_values,
    in_force_text,
    number_text,
)

INTRO = (
    "Your laboratory's normal ranges, in each lab's default unit. Leave both fields blank to "
    "use the built-in range; a blank field next to a filled one takes the built-in limit on "
    "that side. An override is one range for all patients: where the built-in range differs "
    "by sex (“women …, men …”), it replaces it for women and men alike. Saved ranges flag "
    "the results, rank the differential and are printed on the summary at once."
)


class _Row:
    """The widgets of one lab and what they held when the dialog opened."""

    def __init__(self, lab: Lab, original: dict[str, float] | None) -> None:
        self.lab = lab
        self.original = dict(original) if original else None
        self.name = QLabel(lab.name)
        self.name.setWordWrap(True)
        self.builtin = QLabel(builtin_text(lab))
        self.builtin.setWordWrap(True)
        self.builtin.setAccessibleName(f"{lab.name}: built-in range")
        self.edits: dict[str, QLineEdit] = {}
        for side in SIDES:
            edit = QLineEdit()
            edit.setObjectName(f"labRange_{lab.id}_{side}")
            edit.setAccessibleName(f"{lab.name}: {side} limit in {lab.unit}")
            hint = builtin_limit(lab, side).hint
            edit.setPlaceholderText(hint)
            edit.setToolTip(
                f"{lab.name}, {side} limit in {lab.unit}; blank: "
                + ("no limit" if hint == "none" else "the built-in limit")
            )
            edit.setMaximumWidth(edit.fontMetrics().horizontalAdvance("0") * 9 + 16)
            value = (self.original or {}).get(side)
            edit.setText("" if value is None else number_text(value))
            self.edits[side] = edit
        self.low, self.high = self.edits["low"], self.edits["high"]
        self.unit = QLabel(lab.unit)
        self.reset = QPushButton("Reset")
        self.reset.setObjectName(f"labRange_{lab.id}_reset")
        self.reset.setAccessibleName(f"Reset {lab.name} to the built-in range")
        self.reset.setToolTip(f"Use the built-in range for {lab.name}")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName(f"{lab.name}: range in force")
        self.status.hide()
        self.initial = self.texts()
        self.error_shown = False

    def texts(self) -> tuple[str, str]:
        return self.low.text(), self.high.text()

    def touched(self) -> bool:
        return self.texts() != self.initial

    def check(self) -> RowCheck:
        if not self.touched() and self.original is not None:
            return check_values(
                self.lab, self.original.get("low"), self.original.get("high"), set()
            )
        return check_row(self.lab, *self.texts())


class LabRangesEditor(QWidget):
    """`changed()` on every edit. `problems()` checks every row and shows what is wrong
    beside it; `ranges()` is the dict for Settings.lab_ranges (valid only without problems)."""

    changed = Signal()

    def __init__(
        self, kb: Any, ranges: dict[str, dict[str, float]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("labRangesEditor")
        self.kb = kb
        # overrides for labs this knowledge base does not list are kept, not dropped
        self.unknown = {k: dict(v) for k, v in ranges.items() if k not in kb.labs}
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        intro.setObjectName("sectionIntro")
        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        for column, text in enumerate(("Lab", "Built-in range", "Low", "High", "Unit")):
            header = QLabel(f"<b>{text}</b>")
            header.setAccessibleName(text)
            grid.addWidget(header, 0, column)
        self.rows: dict[str, _Row] = {}
        line = 1
        for lab in kb.labs.values():
            row = _Row(lab, ranges.get(lab.id))
            self.rows[lab.id] = row
            if line > 1:
                rule = QFrame()
                rule.setFrameShape(QFrame.Shape.HLine)
                rule.setStyleSheet("color: #d0d5da;")
                grid.addWidget(rule, line, 0, 1, 6)
                line += 1
            grid.addWidget(row.name, line, 0)
            grid.addWidget(row.builtin, line, 1)
            grid.addWidget(row.low, line, 2)
            grid.addWidget(row.high, line, 3)
            grid.addWidget(row.unit, line, 4)
            grid.addWidget(row.reset, line, 5)
            grid.addWidget(row.status, line + 1, 1, 1, 5)
            line += 2
            for edit in row.edits.values():
                edit.textChanged.connect(lambda _text, r=row: self._edited(r))
                edit.editingFinished.connect(lambda r=row: self._show(r, force=True))
            row.reset.clicked.connect(lambda _checked=False, r=row: self._reset(r))
            self._show(row, force=True)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 4)
        grid.setRowStretch(line, 1)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("labRangesScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(grid_host)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addWidget(self.scroll, 1)
        if self.unknown:
            kept = QLabel(
                "Kept unchanged: overrides for labs this knowledge base does not list ("
                + ", ".join(sorted(self.unknown)) + ")."
            )
            kept.setWordWrap(True)
            layout.addWidget(kept)
        previous: QWidget | None = None
        for row in self.rows.values():
            for widget in (row.low, row.high, row.reset):
                if previous is not None:
                    QWidget.setTabOrder(previous, widget)
                previous = widget

    # -- reading ---------------------------------------------------------------------------
    def row(self, lab_id: str) -> _Row:
        return self.rows[lab_id]

    def problems(self) -> list[str]:
        """Every row's problems, each shown beside its row."""
        messages: list[str] = []
        for row in self.rows.values():
            check = self._show(row, force=True)
            messages += [message for _side, message in check.problems]
        return messages

    def first_invalid(self) -> QLineEdit | None:
        for row in self.rows.values():
            for side, _message in row.check().problems:
                return row.edits.get(side) or row.low
        return None

    def ranges(self) -> dict[str, dict[str, float]]:
        out = {lab_id: dict(rng) for lab_id, rng in self.unknown.items()}
        for lab_id, row in self.rows.items():
            override = row.check().override
            if override:
                out[lab_id] = override
        return out

    # -- editing ---------------------------------------------------------------------------
    def _edited(self, row: _Row) -> None:
        self._show(row, force=False)
        self.changed.emit()

    def _reset(self, row: _Row) -> None:
        row.low.clear()
        row.high.clear()
        self._show(row, force=True)
        row.low.setFocus()

    def _show(self, row: _Row, *, force: bool) -> RowCheck:
        """Update the row's line under it. A problem appears once the user leaves the field
        (or on Save), and from then on follows every keystroke until it is fixed."""
        check = row.check()
        row.reset.setEnabled(any(row.texts()))
        if check.problems and not (force or row.error_shown):
            return check
        row.error_shown = bool(check.problems)
        bad_sides = {side for side, _message in check.problems}
        for side, edit in row.edits.items():
            invalid = side in bad_sides or ("" in bad_sides)
            if edit.property("invalid") != invalid:
                edit.setProperty("invalid", invalid)
                edit.style().unpolish(edit)
                edit.style().polish(edit)
            edit.setAccessibleDescription(
                " ".join(m for s, m in check.problems if s in (side, "")) if invalid else ""
            )
        if check.problems:
            text = " ".join(message for _side, message in check.problems)
            row.status.setObjectName("errorText")
        elif check.override:
            text = in_force_text(row.lab, check.override)
            row.status.setObjectName("labRangeInForce")
        elif row.original is not None:
            text = "The built-in range applies again once you save."
            row.status.setObjectName("labRangeInForce")
        else:
            text = ""
        row.status.style().unpolish(row.status)
        row.status.style().polish(row.status)
        row.status.setText(text)
        row.status.setVisible(bool(text))
        return check

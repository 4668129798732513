"""One section of the workup (a domain of SPEC.md): findings as tri-state rows, the
measurements and test orders that belong to it, and a help line showing the focused or
hovered item's help text."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from cramp_dx.services.editing import FieldKey, key_of
from cramp_dx.ui.finding_control import FindingControl
from cramp_dx.ui.measurement_field import MeasurementField
from cramp_dx.ui.order_control import OrderControl


class ChecklistSection(QWidget):
    """`edited(key, value)` for every user change in the section."""

    edited = Signal(object, object)

    def __init__(self, section_id: str, title: str, intro: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.section_id = section_id
        self.title = title
        self.setObjectName(f"section_{section_id}")
        self.setAccessibleName(title)
        self.findings: dict[str, FindingControl] = {}
        self.measurements: dict[str, MeasurementField] = {}
        self.orders: dict[str, OrderControl] = {}
        self.widgets: dict[FieldKey, Any] = {}  # every field: set_value / value / changed
        # panels that edit many keys (the neurological examination): each shows its own values
        self.panels: list[Any] = []
        self._panel_keys: dict[FieldKey, Any] = {}

        heading = QLabel(f"<h3>{title}</h3>")
        heading.setTextFormat(Qt.TextFormat.RichText)
        self.intro = QLabel(intro)
        self.intro.setWordWrap(True)
        self.intro.setVisible(bool(intro))
        self.intro.setObjectName("sectionIntro")
        self.help_line = QLabel(" ")
        self.help_line.setObjectName("helpLine")
        self.help_line.setWordWrap(True)
        self.help_line.setAccessibleName("Help for the focused item")
        self.help_line.setMinimumHeight(self.help_line.fontMetrics().lineSpacing() * 2 + 8)

        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(4, 4, 12, 4)
        self.body_layout.setSpacing(8)
        self.body_layout.addWidget(heading)
        self.body_layout.addWidget(self.intro)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.body)
        # content that cannot shrink to a narrow window (the dermatome map) stays reachable
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.help_line)
        self._finished = False
        self.focus_target: QWidget | None = None

    # -- building ----------------------------------------------------------------------------
    def add_group(self, title: str, widgets: list[QWidget]) -> QGroupBox:
        box = QGroupBox(title)
        box_layout = QVBoxLayout(box)
        box_layout.setSpacing(2)
        for widget in widgets:
            box_layout.addWidget(widget)
            self._connect(widget)
        self.body_layout.addWidget(box)
        return box

    def add_form_group(self, title: str, rows: list[tuple[str, QWidget]]) -> QGroupBox:
        """Label beside field, for the short context fields."""
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for label, widget in rows:
            target = getattr(widget, "edit", None) or getattr(widget, "combo", None)
            label_widget = QLabel(label)
            if target is not None:
                label_widget.setBuddy(target)
                target.setMinimumWidth(target.fontMetrics().horizontalAdvance("M") * 16)
            form.addRow(label_widget, widget)
            self._connect(widget)
        self.body_layout.addWidget(box)
        return box

    def add_widget(self, widget: QWidget) -> None:
        self.body_layout.addWidget(widget)
        self._connect(widget)

    def finish(self) -> None:
        if not self._finished:
            self.body_layout.addStretch(1)
            self._finished = True

    def minimumSizeHint(self) -> QSize:
        """As wide as the widest row of the section needs (a finding's Yes / No / — buttons,
        a lab entry, an order's state and date): the scroll area scrolls only vertically, so
        without this a narrow column would cut the rows off at its right edge."""
        hint = super().minimumSizeHint()
        body = self.body.minimumSizeHint().width()
        bar = self.scroll.verticalScrollBar().sizeHint().width()
        return QSize(max(hint.width(), body + bar + 2 * self.scroll.frameWidth()), hint.height())

    def _connect(self, widget: QWidget) -> None:
        if isinstance(widget, FindingControl):
            self.findings[widget.finding_id] = widget
        elif isinstance(widget, MeasurementField):
            self.measurements[widget.measurement_id] = widget
        elif isinstance(widget, OrderControl):
            self.orders[widget.test_id] = widget
        if hasattr(widget, "field_keys"):
            self.panels.append(widget)
            self._panel_keys.update(dict.fromkeys(map(key_of, widget.field_keys()), widget))
            widget.edited.connect(lambda key, value: self.edited.emit(key_of(key), value))
            widget.help_shown.connect(self.show_help)
            return
        key = getattr(widget, "key", None)
        if key is None:
            return
        key = key_of(key)
        self.widgets[key] = widget
        widget.changed.connect(lambda _id, value, key=key: self.edited.emit(key, value))
        help_shown = getattr(widget, "help_shown", None)
        if help_shown is not None:
            help_shown.connect(self.show_help)

    def show_help(self, text: str) -> None:
        self.help_line.setText(text)

    # -- showing values ----------------------------------------------------------------------
    def keys(self) -> list[FieldKey]:
        return list(self.widgets)

    def widget_for(self, key: tuple) -> Any:
        key = key_of(key)
        return self.widgets.get(key) or self._panel_keys.get(key)

    def show_values(self, value_of: Any, skip: set[tuple]) -> None:
        """Show stored values; keys in `skip` hold the user's pending edits and are kept."""
        for key in self.keys():
            if key in skip:
                continue
            widget = self.widget_for(key)
            value = value_of(key)
            if widget.value() != value:
                widget.set_value(value)
        for panel in self.panels:
            panel.show_values(value_of, skip)

    def set_read_only(self, read_only: bool) -> None:
        for key in self.keys():
            self.widget_for(key).set_read_only(read_only)
        for panel in self.panels:
            panel.set_read_only(read_only)

    def first_focus(self) -> QWidget | None:
        if self.focus_target is not None:
            return self.focus_target
        for control in self.findings.values():
            return control
        for key in self.keys():
            widget = self.widget_for(key)
            return getattr(widget, "edit", None) or getattr(widget, "combo", None) or widget
        return None

"""The dermatome body map: front and back of both legs, one clickable area per sensory area of
the examination (drawn from resources/neuro/dermatome_map.svg, the same drawing as the PDF's).

Mouse: a click cycles the area not examined → normal → reduced → absent → painful → not
examined; a right-click clears it. Keyboard (the map is one focus stop): the arrow keys move
between areas, Space or Enter cycles, N / R / A / P set normal / reduced / absent / painful,
Delete clears. Each area shows its value as a colour and a letter; the areas of the derived
root(s) get a thick blue border."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAccessible,
    QAccessibleEvent,
    QBrush,
    QColor,
    QFocusEvent,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from cramp_dx.body_map import ROOT_COLOUR, STATE_COLOURS, STATE_LETTERS, Area, body_map
from cramp_dx.case.model import SENSORY_AREA_LABELS

CYCLE: dict[str | None, str | None] = {
    None: "normal",
    "normal": "reduced",
    "reduced": "absent",
    "absent": "painful",
    "painful": None,
}
KEYS = {Qt.Key.Key_N: "normal", Qt.Key.Key_R: "reduced", Qt.Key.Key_A: "absent", Qt.Key.Key_P: "painful"}
ARROWS = {
    Qt.Key.Key_Left: (-1.0, 0.0),
    Qt.Key.Key_Right: (1.0, 0.0),
    Qt.Key.Key_Up: (0.0, -1.0),
    Qt.Key.Key_Down: (0.0, 1.0),
}


def area_name(area: Area) -> str:
    return f"{area.side} {SENSORY_AREA_LABELS[area.area]}"


class DermatomeMap(QWidget):
    """`changed(key, value)` on user input only: key ("neuro", side, "sensory", area), value
    normal / reduced / absent / painful or None (not examined)."""

    changed = Signal(object, object)
    current_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.map = body_map()
        self.values: dict[tuple[str, str], str] = {}
        self.highlighted: set[tuple[str, str]] = set()
        self.current = 0
        self._read_only = False
        self.setObjectName("dermatomeMap")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMouseTracking(True)
        self.setAccessibleDescription(
            "Sensory areas of both legs, front and back. Arrow keys move between areas; Space "
            "cycles normal, reduced, absent, painful; N, R, A, P set a value; Delete clears."
        )
        self._announce()

    # -- values ------------------------------------------------------------------------------
    def value(self, side: str, area: str) -> str | None:
        return self.values.get((side, area))

    def set_value(self, side: str, area: str, value: str | None) -> None:
        """Show a stored value (no `changed` signal)."""
        if value is None:
            self.values.pop((side, area), None)
        else:
            self.values[(side, area)] = value
        self._announce()
        self.update()

    def set_highlighted(self, areas: set[tuple[str, str]]) -> None:
        if areas != self.highlighted:
            self.highlighted = set(areas)
            self.update()

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only

    def current_area(self) -> Area:
        return self.map.areas[self.current]

    def select(self, side: str, area: str) -> None:
        """Move the keyboard cursor to an area."""
        self.current = next(i for i, a in enumerate(self.map.areas) if (a.side, a.area) == (side, area))
        self._announce()
        self.update()

    def _user_set(self, area: Area, value: str | None) -> None:
        if self._read_only:
            return
        if value == self.values.get((area.side, area.area)):
            return
        self.set_value(area.side, area.area, value)
        self.changed.emit(("neuro", area.side, "sensory", area.area), value)

    # -- geometry ----------------------------------------------------------------------------
    def _frame(self) -> tuple[float, float, float]:
        """Scale and offset that fit the drawing into the widget, keeping its proportions:
        centred across, at the top (so a longer verdict beside it never moves an area away
        from under the pointer)."""
        scale = min(self.width() / self.map.width, self.height() / self.map.height)
        dx = (self.width() - self.map.width * scale) / 2
        return scale, dx, 0.0

    def _polygon(self, points: tuple[tuple[float, float], ...]) -> QPolygonF:
        scale, dx, dy = self._frame()
        return QPolygonF([QPointF(dx + x * scale, dy + y * scale) for x, y in points])

    def area_at(self, point: QPointF) -> Area | None:
        scale, dx, dy = self._frame()
        if scale <= 0:
            return None
        return self.map.area_at((point.x() - dx) / scale, (point.y() - dy) / scale)

    def area_centre(self, side: str, area: str) -> QPointF:
        """Where an area is on screen (for tests and tooltips)."""
        scale, dx, dy = self._frame()
        x, y = self.map.area(side, area).centre
        return QPointF(dx + x * scale, dy + y * scale)

    # -- painting ----------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        height = self.fontMetrics().height() * 22
        return QSize(int(height * self.map.width / self.map.height), height)

    def minimumSizeHint(self) -> QSize:
        height = self.fontMetrics().height() * 10
        return QSize(int(height * self.map.width / self.map.height), height)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return max(int(width * self.map.height / self.map.width), self.minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("#888888"), 1))
        painter.setBrush(QBrush(QColor("#f4f4f4")))
        for outline in self.map.outlines:
            painter.drawPolygon(self._polygon(outline))
        letters = []
        for index, area in enumerate(self.map.areas):
            polygon = self._polygon(area.points)
            state = self.values.get((area.side, area.area))
            painter.setBrush(QBrush(QColor(STATE_COLOURS[state] if state else "#ffffff")))
            painter.setPen(QPen(QColor("#555555"), 1))
            painter.drawPolygon(polygon)
            if state:
                letters.append((polygon.boundingRect().center(), STATE_LETTERS[state]))
            if (area.side, area.area) in self.highlighted:
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(QPen(QColor(ROOT_COLOUR), 3.5))
                painter.drawPolygon(polygon)
            if index == self.current and self.hasFocus():
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(QPen(QColor("#000000"), 2, Qt.PenStyle.DashLine))
                painter.drawPolygon(polygon)
        painter.setPen(QColor("#1a1a1a"))
        metrics = self.fontMetrics()
        for centre, letter in letters:
            box = QRectF(0, 0, metrics.horizontalAdvance("W") + 2, metrics.height())
            box.moveCenter(centre)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, letter)
        scale, dx, dy = self._frame()
        for label in self.map.labels:
            point = QPointF(dx + label.x * scale, dy + label.y * scale)
            width = metrics.horizontalAdvance(label.text)
            baseline = max(point.y(), float(metrics.ascent()))
            painter.drawText(QPointF(point.x() - width / 2, min(baseline, self.height() - metrics.descent())),
                             label.text)
        painter.end()

    # -- input -------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        area = self.area_at(event.position())
        if area is None:
            super().mousePressEvent(event)
            return
        self.select(area.side, area.area)
        current = self.values.get((area.side, area.area))
        if event.button() == Qt.MouseButton.RightButton:
            self._user_set(area, None)
        else:
            self._user_set(area, CYCLE[current])
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """Quick clicks move an area on one step each (the second comes as a double click)."""
        self.mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = Qt.Key(event.key())
        area = self.current_area()
        if key in ARROWS:
            self._move(*ARROWS[key])
        elif key in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._user_set(area, CYCLE[self.values.get((area.side, area.area))])
        elif key in KEYS and not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self._user_set(area, KEYS[key])
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self._user_set(area, None)
        elif key == Qt.Key.Key_Home:
            self.current = 0
        elif key == Qt.Key.Key_End:
            self.current = len(self.map.areas) - 1
        else:
            super().keyPressEvent(event)
            return
        self._announce()
        self.update()
        event.accept()

    def _move(self, dx: float, dy: float) -> None:
        """To the nearest area in that direction (angle and distance both count)."""
        here = self.current_area().centre
        best, best_cost = None, float("inf")
        for index, area in enumerate(self.map.areas):
            x, y = area.centre[0] - here[0], area.centre[1] - here[1]
            along = x * dx + y * dy
            if index == self.current or along <= 0:
                continue
            across = abs(x * dy - y * dx)
            cost = along + 2.5 * across
            if cost < best_cost:
                best, best_cost = index, cost
        if best is not None:
            self.current = best

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            area = self.area_at(QPointF(event.pos()))
            if area is not None:
                state = self.values.get((area.side, area.area)) or "not examined"
                QToolTip.showText(event.globalPos(), f"{area_name(area).capitalize()}: {state}", self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self._announce()
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.update()

    def _announce(self) -> None:
        """The accessible name says which area the keyboard is on and its value."""
        area = self.current_area()
        state = self.values.get((area.side, area.area)) or "not examined"
        text = f"Dermatome map: {area_name(area)}, {state}"
        if text != self.accessibleName():
            self.setAccessibleName(text)
            QAccessible.updateAccessibility(QAccessibleEvent(self, QAccessible.Event.NameChanged))
        self.current_changed.emit(f"{area_name(area).capitalize()}: {state}")

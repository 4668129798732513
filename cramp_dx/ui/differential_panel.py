"""The live differential: ranked items with status, an expandable "why" (each supporting and
each against reason on its own line, what settles it, the published sources behind the item)
and the next tests (a done test suggested again marked "repeat"). Every line wraps to
the panel's width, never cut short with "…". Updated in place: only rows whose content or
position changed are touched."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QScrollArea,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cramp_dx.engine.result import STATUS_WORDS, Assessment, DifferentialResult

STATUS_TEXT = STATUS_WORDS
# Colour only reinforces the status word, never replaces it.
STATUS_COLOUR = {
    "urgent": "#a40000",
    "confirmed": "#7a3e00",
    "supported": "#1d4f91",
    "possible": "#333333",
    "less_likely": "#666666",
    "excluded": "#777777",
}


def _row_content(rank: int, item: DifferentialResult, test_names: dict[str, str]) -> tuple:
    icd = item.icd10 + (f" ({item.icd10_note})" if item.icd10_note else "")
    title = f"{rank}. {item.name}"
    children = []
    children.extend(("Supports", reason) for reason in item.supporting)
    children.extend(("Against", reason) for reason in item.against)
    if item.settled_by:
        children.append(
            ("Settled by", "; ".join(test_names.get(t, t) for t in item.settled_by))
        )
    for note in item.settle_notes:
        children.append(("Note", note))
    children.append(("ICD-10-CM", icd))
    if item.basis:
        children.append(("Why listed", item.basis))
    children.extend(("Reference", reference) for reference in item.references)
    return title, item.status, tuple(children)


class WrappingDelegate(QStyledItemDelegate):
    """Rows as tall as their text wrapped to the width they are shown in (Qt's default asks
    for one line and elides the rest)."""

    PADDING = 8

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self.tree = tree

    def text_width(self, index: QModelIndex | QPersistentModelIndex) -> int:
        depth, parent = 0, index.parent()
        while parent.isValid():
            depth, parent = depth + 1, parent.parent()
        if depth:  # child rows span every column
            width = self.tree.viewport().width() - self.tree.indentation() * (depth + 1)
        else:
            width = self.tree.columnWidth(index.column()) - self.tree.indentation()
        return max(width - self.PADDING, 40)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        if index.column() != 0:  # the status column is sized to its text: it never wraps
            return size
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        font = index.data(Qt.ItemDataRole.FontRole)  # bold rows are wider than the view's font
        metrics = QFontMetrics(font) if font is not None else option.fontMetrics  # type: ignore[attr-defined]
        bounds = metrics.boundingRect(
            QRect(0, 0, self.text_width(index), 1_000_000), Qt.TextFlag.TextWordWrap, text
        )
        return QSize(size.width(), max(size.height(), bounds.height() + self.PADDING // 2))


class WrappingTree(QTreeWidget):
    """Re-measures the wrapped rows when its width changes."""

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.scheduleDelayedItemsLayout()


class _Below(QScrollArea):
    """The next tests and warnings: as high as their text when there is room; on a screen too
    short for all of it, at least `MIN_LINES` lines and a scroll bar for the rest (never cut)."""

    MIN_LINES = 3

    def __init__(self, content: QWidget) -> None:
        super().__init__()
        self.setObjectName("nextTestsArea")
        self.setAccessibleName("Next tests and warnings")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(content)
        self.wanted = 0

    def fit(self, width: int) -> None:
        """Ask for the content's whole height at `width`; allow down to a few lines."""
        content = self.widget()
        self.wanted = content.layout().totalHeightForWidth(max(width, 1))
        lines = self.fontMetrics().lineSpacing() * self.MIN_LINES
        self.setMinimumHeight(min(self.wanted, lines))
        self.setMaximumHeight(max(self.wanted, 1))
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.wanted)


class DifferentialPanel(QWidget):
    """The ranked tree takes the height left over; the heading is always shown whole and the
    next tests and warnings too while the screen has room (see minimumSizeHint): a short side
    column first shortens the tree, and only on a screen too short for everything do the next
    tests scroll (a few lines stay in view)."""

    MIN_TREE_ROWS = 4

    def __init__(self, test_names: dict[str, str] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("differentialPanel")
        self.test_names = dict(test_names or {})
        self.heading = QLabel("<b>Differential</b> (decision support — consider, not conclude)")
        self.heading.setWordWrap(True)
        self.tree = WrappingTree()
        self.tree.setObjectName("differentialTree")
        self.tree.setAccessibleName("Ranked differential; expand an item to see why")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(("Consider", "Status"))
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setWordWrap(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.tree.setItemDelegate(WrappingDelegate(self.tree))
        header.sectionResized.connect(lambda *_: self.tree.scheduleDelayedItemsLayout())
        self.tree.setUniformRowHeights(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.next_tests = QLabel()
        self.next_tests.setObjectName("nextTests")
        self.next_tests.setWordWrap(True)
        self.next_tests.setTextFormat(Qt.TextFormat.RichText)
        self.next_tests.setAccessibleName("Suggested next tests")
        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        self.warnings.setObjectName("warningsText")
        content = QWidget()
        below = QVBoxLayout(content)
        below.setContentsMargins(0, 0, 0, 0)
        below.addWidget(self.next_tests)
        below.addWidget(self.warnings)
        below.addStretch(1)
        self.below = _Below(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.tree, 3)
        layout.addWidget(self.below)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._content: dict[str, tuple] = {}
        self._order: list[str] = []
        self._next_html = ""
        self.updates = 0  # rows rewritten by the last show_assessment (for tests/benchmarks)

    def minimumSizeHint(self) -> QSize:
        """As low as the wrapped heading, a few lines of the next tests and a few rows of the
        tree at the current width."""
        hint = super().minimumSizeHint()
        layout = self.layout()
        tree = (self.tree.header().sizeHint().height() + 2 * self.tree.frameWidth()
                + self.tree.fontMetrics().lineSpacing() * self.MIN_TREE_ROWS)
        height = (self.heading.heightForWidth(self.width()) + tree + self.below.minimumHeight()
                  + layout.spacing() * 2)
        return QSize(hint.width(), height)

    def _fit_below(self) -> None:
        self.below.fit(self.width())
        self.updateGeometry()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_below()  # the wrapped texts need another height at this width

    def ranked_ids(self) -> list[str]:
        return list(self._order)

    def status_of(self, differential_id: str) -> str:
        return self._content[differential_id][1]

    def item(self, differential_id: str) -> QTreeWidgetItem:
        return self._items[differential_id]

    def show_assessment(self, assessment: Assessment) -> None:
        """Re-rank in place. After a change of order the top of the list is in view and the
        selected item stays selected (moving items out and back in would otherwise let the
        selection and the scroll position wander to whatever now sits there)."""
        updates = 0
        order = [d.id for d in assessment.differential]
        expanded = {i for i, it in self._items.items() if it.isExpanded()}
        reordered = order != self._order
        selected = self._selected_id()
        if reordered:
            self.tree.setUpdatesEnabled(False)
            for index, did in enumerate(order):
                item = self._items.get(did)
                if item is None:
                    item = QTreeWidgetItem()
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                    self._items[did] = item
                current = self.tree.indexOfTopLevelItem(item)
                if current != index:
                    if current >= 0:
                        self.tree.takeTopLevelItem(current)
                    self.tree.insertTopLevelItem(index, item)
                    if did in expanded:
                        item.setExpanded(True)
            for did in set(self._items) - set(order):
                self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(self._items.pop(did)))
                self._content.pop(did, None)
            self._order = order
            self._keep_view(selected)
        for rank, result in enumerate(assessment.differential, start=1):
            content = _row_content(rank, result, self.test_names)
            if self._content.get(result.id) == content:
                continue
            updates += 1
            self._content[result.id] = content
            self._fill(self._items[result.id], content)
        self.updates = updates
        changed = self._show_next_tests(assessment)
        warnings = "\n".join(assessment.warnings)
        if self.warnings.text() != warnings:
            self.warnings.setText(warnings)
            self.warnings.setVisible(bool(warnings))
            changed = True
        if changed:
            self._fit_below()

    def _selected_id(self) -> str | None:
        current = self.tree.currentItem()
        while current is not None and current.parent() is not None:
            current = current.parent()
        for did, item in self._items.items():
            if item is current:
                return did
        return None

    def _keep_view(self, selected: str | None) -> None:
        if selected is not None and selected in self._items:
            self.tree.setCurrentItem(self._items[selected])
        else:
            self.tree.clearSelection()
        self.tree.setUpdatesEnabled(True)
        self.tree.scrollToTop()

    def _fill(self, item: QTreeWidgetItem, content: tuple) -> None:
        title, status, children = content
        status_text = STATUS_TEXT.get(status, status)
        item.setText(0, title)
        item.setText(1, status_text)
        item.setToolTip(0, f"{title} — {status_text}")
        brush = QBrush(QColor(STATUS_COLOUR.get(status, "#333333")))
        font = item.font(0)
        font.setBold(status in ("urgent", "confirmed", "supported"))
        for column in (0, 1):
            item.setForeground(column, brush)
            item.setFont(column, font)
        item.setData(0, Qt.ItemDataRole.AccessibleTextRole, f"{title}, {status_text}")
        while item.childCount() > len(children):
            item.removeChild(item.child(item.childCount() - 1))
        for index, (label, text) in enumerate(children):
            child = item.child(index) if index < item.childCount() else None
            if child is None:
                child = QTreeWidgetItem(item)
                child.setFlags(Qt.ItemFlag.ItemIsEnabled)
            child.setText(0, f"{label}: {text}")
            child.setFirstColumnSpanned(True)

    def _show_next_tests(self, assessment: Assessment) -> bool:
        """Whether the text changed."""
        if assessment.next_tests:
            lines = []
            for test in assessment.next_tests[:6]:
                urgent = " <b>(urgent)</b>" if test.urgent else ""
                repeat = " <b>(repeat)</b>" if test.repeat else ""
                lines.append(f"• {test.name}{repeat}{urgent}: {test.reason}")
            html = "<b>Next tests</b><br>" + "<br>".join(lines)
        else:
            html = "<b>Next tests</b><br>None suggested."
        if html == self._next_html:
            return False
        self._next_html = html
        self.next_tests.setText(html)
        return True

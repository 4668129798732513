"""Walking Qt's accessibility tree (what a screen reader is given through AT-SPI, UIA or
NSAccessibility) for the accessibility tests."""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtGui import QAccessible, QAccessibleInterface
from PySide6.QtWidgets import QWidget

Role = QAccessible.Role
# what a person can act on: each needs a name a screen reader can say
INTERACTIVE = {
    Role.PushButton, Role.CheckBox, Role.RadioButton, Role.ComboBox, Role.EditableText,
    Role.SpinBox, Role.Slider, Role.ButtonMenu, Role.ButtonDropDown, Role.PageTab,
    Role.ListItem, Role.Cell, Role.TreeItem, Role.MenuItem, Role.Link, Role.Table,
    Role.List, Role.Tree, Role.Document,
}


def nodes(widget: QWidget, *, hidden: bool = False) -> Iterator[tuple[QAccessibleInterface, str]]:
    """Every interface in the tree under `widget` that is shown (with `hidden`, those marked
    invisible too, as a screen reader can list them), with its path of roles."""
    root = QAccessible.queryAccessibleInterface(widget)
    stack = [(root, root.role().name)]
    while stack:
        node, path = stack.pop()
        if node is None or not node.isValid() or (node.state().invisible and not hidden):
            continue
        yield node, path
        for index in range(node.childCount()):
            child = node.child(index)
            if child is not None:
                stack.append((child, f"{path} > {child.role().name}"))


def hidden_nodes(widget: QWidget) -> list[str]:
    """Interfaces in the tree whose widget is not on screen (a hidden page exposed)."""
    root = QAccessible.queryAccessibleInterface(widget)
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        if node is None or not node.isValid():
            continue
        if node.state().invisible:
            found.append(f"{node.role().name} {node.text(QAccessible.Text.Name)!r} "
                         f"({_describe(node)})")
            continue
        stack.extend(node.child(i) for i in range(node.childCount()))
    return found


def unnamed(widget: QWidget) -> list[str]:
    """The interactive controls shown under `widget` without an accessible name."""
    return [
        f"{path} ({_describe(node)})"
        for node, path in nodes(widget)
        if node.role() in INTERACTIVE and not node.text(QAccessible.Text.Name).strip()
    ]


def _describe(node: QAccessibleInterface) -> str:
    owner = node.object()
    if owner is None:  # an item of a table, list or tree: its view and place
        parent = node.parent()
        view = parent.object() if parent is not None else None
        where = ""
        cell = node.tableCellInterface()
        if cell is not None:
            where = f" row {cell.rowIndex()} column {cell.columnIndex()}"
        return f"item of {type(view).__name__} {view.objectName() if view else ''!r}{where}"
    return f"{type(owner).__name__} {owner.objectName()!r}"

"""The live differential after a re-rank: its top stays in view and the selected item stays
the selected item (it used to wander to whatever row took its place)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from support.ui import (  # noqa: F401 - fixtures
    clinic,
    make_window,
    no_leaked_windows,
    open_example_visit,
)

pytestmark = pytest.mark.gui


def _rerank(qtbot, page) -> None:
    """A swollen calf four weeks after surgery moves deep vein thrombosis to the top."""
    page.editor.show_section("examination")
    before = page.differential.ranked_ids()
    qtbot.mouseClick(page.editor.finding_control("calf_swelling_unilateral").buttons[True],
                     Qt.MouseButton.LeftButton)
    assert page.differential.ranked_ids() != before


def _select(page, differential_id: str) -> None:
    tree = page.differential.tree
    item = page.differential.item(differential_id)
    tree.setCurrentItem(item)
    tree.scrollToItem(item)


def test_the_top_of_the_differential_stays_in_view_after_a_re_rank(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, _record = open_example_visit(qtbot, window, clinic, "ex2-early-swollen-calf")
    qtbot.mouseClick(page.editor.finding_control("calf_swelling_unilateral").buttons[False],
                     Qt.MouseButton.LeftButton)
    tree = page.differential.tree
    _select(page, page.differential.ranked_ids()[-1])
    assert tree.verticalScrollBar().value() > 0  # the list is longer than the panel
    _rerank(qtbot, page)
    assert tree.verticalScrollBar().value() == 0
    assert tree.visualItemRect(tree.topLevelItem(0)).top() >= 0


def test_the_selected_item_stays_selected_after_a_re_rank(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, _record = open_example_visit(qtbot, window, clinic, "ex1-diuretic-cramps")
    chosen = "dvt"  # the item that moves: taken out and put back at the top
    assert page.differential.ranked_ids().index(chosen) > 0
    _select(page, chosen)
    _rerank(qtbot, page)
    assert page.differential.tree.currentItem() is page.differential.item(chosen)
    assert [i.isSelected() for i in (page.differential.item(d)
                                     for d in page.differential.ranked_ids())].count(True) == 1

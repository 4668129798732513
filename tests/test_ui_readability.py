"""What the physician reads: every "why" of the differential in full, earlier lab values of
the patient beside each result, every Wells item with its points and source, whole patient
names beside their MRN and birth date (also with the larger text of 125 % or 200 % scaling),
and a window that fits the screen it opens on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QFontMetrics, QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QStyle
from support.ui import (  # noqa: F401 - fixtures
    clinic,
    make_window,
    no_leaked_windows,
    sign_in,
)

from cramp_dx.case.model import LabResult, Surgery
from cramp_dx.services.changes import AddLab, SetFinding

pytestmark = pytest.mark.gui

SURGERY = Surgery(date=date.today() - timedelta(weeks=2), procedure="fusion", levels=("L4-L5",))


def open_new_visit(window, rec, *labs, earlier_labs=()):
    svc = rec.services("doc")
    patient = svc.create_patient("RD-1", "Reader", "Rita", date(1958, 3, 4), "female")
    if earlier_labs:
        before = svc.create_visit(patient.id, date.today() - timedelta(days=10), SURGERY)
        for lab in earlier_labs:
            before = svc.apply(before.id, AddLab(lab), before.version)
    visit = svc.create_visit(patient.id, date.today(), SURGERY)
    for lab in labs:
        visit = svc.apply(visit.id, AddLab(lab), visit.version)
    for finding in ("calf_swelling_unilateral", "pitting_edema_symptomatic_leg"):
        visit = svc.apply(visit.id, SetFinding(finding, True, None), visit.version)
    window.patient_list.refresh()
    window.open_patient(patient.id)
    return window.visit_page


@pytest.fixture
def larger_text(qapp: QApplication) -> Iterator[float]:
    """The application font at twice its size from the start (what 200 % text scaling does
    to the text but not to sizes fixed in pixels); the usual font is restored afterwards."""
    usual = QApplication.font()
    larger = QApplication.font()
    larger.setPointSizeF(usual.pointSizeF() * 2)
    QApplication.setFont(larger)
    yield larger.pointSizeF()
    QApplication.setFont(usual)


def settle() -> None:
    for _ in range(3):  # layouts asked for while laying out are done on the next turn
        QApplication.processEvents()


def plain(label: QLabel) -> str:
    if label.textFormat() == Qt.TextFormat.PlainText:
        return label.text()
    document = QTextDocument()
    document.setHtml(label.text())
    return document.toPlainText()


def shown_in_full(label: QLabel) -> bool:
    """Laid out at least as large as its text needs: wrapped lines all fit its height, an
    unwrapped line fits its width."""
    if not label.isVisibleTo(label.window()):
        return False
    if label.wordWrap():
        return label.height() >= label.heightForWidth(label.width())
    hint = label.sizeHint()
    return label.width() >= hint.width() and label.height() >= hint.height()


def wells_texts(page) -> list[str]:
    """The texts of the Wells panel that are shown in full."""
    labels = page.wells.findChildren(QLabel)
    return [plain(label) for label in labels if plain(label) and shown_in_full(label)]


def assert_every_wells_item_readable(page) -> None:
    wells = page.assessment.wells
    texts = wells_texts(page)
    joined = "\n".join(texts)
    assert f"Score {wells.score:+d}" in joined and f"DVT {wells.category}" in joined
    for item in wells.items:
        assert any(item.label in text for text in texts), item.label
        if item.met:
            assert any(item.source in text for text in texts), item.source
            assert any(f"{item.points:+d}" in text for text in texts)
    recent = next(item for item in wells.items if item.id == "recent_surgery")
    assert recent.met and any("derived from the surgery date" in text for text in texts)


def test_every_wells_item_shows_its_points_and_source_in_full(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "doc")
    page = open_new_visit(window, clinic)
    page.editor.show_section("examination")
    settle()
    assert_every_wells_item_readable(page)


def test_a_wells_item_that_wraps_gets_every_line_after_a_nurse_visit(
    make_window, qtbot, clinic  # noqa: F811
):
    """As in the README screenshots: a nurse opens one visit and signs out, the physician
    opens another whose Wells texts differ; every item still gets the lines it needs (a grid
    layout under-reported the height and the scroll area squeezed a wrapped item to one
    line)."""
    from support.record import example

    window = make_window()
    window.resize(1500, 940)
    first = clinic.services("doc").import_case(example("ex1-diuretic-cramps"))
    second = clinic.services("doc").import_case(example("ex2-early-swollen-calf"))
    sign_in(qtbot, window, "nurse")
    window.patient_list.refresh()
    window.open_patient(first.patient_id)
    settle()
    window.sign_out()
    sign_in(qtbot, window, "doc")
    window.patient_list.refresh()
    window.open_patient(second.patient_id)
    page = window.visit_page
    page.editor.show_section("examination")
    settle()
    labels = [row.item for row in page.wells.rows.values()]
    one_line = labels[0].fontMetrics().lineSpacing()
    assert any(label.heightForWidth(label.width()) > 1.5 * one_line for label in labels)
    assert all(shown_in_full(label) for label in labels), [
        plain(label) for label in labels if not shown_in_full(label)
    ]


def test_the_wells_advice_is_worded_as_the_knowledge_base_words_it(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "doc")
    page = open_new_visit(window, clinic)
    wells = page.assessment.wells
    assert wells.category == "likely"
    assert page.kb.wells_categories["likely"] in plain(page.wells.summary)


def test_wells_items_stay_readable_with_text_twice_as_large(
    make_window, qtbot, clinic, larger_text  # noqa: F811
):
    window = make_window()
    sign_in(qtbot, window, "doc")
    page = open_new_visit(window, clinic)
    page.editor.show_section("examination")
    settle()
    assert page.wells.font().pointSizeF() == larger_text, "the larger text reached the panel"
    assert_every_wells_item_readable(page)


LONG_NAME = ("Exämple-O'Neil-Fitzgerald", "Zoë Alexandra")


def in_view(label, scroll) -> bool:
    viewport = scroll.viewport()
    return viewport.rect().contains(QRect(label.mapTo(viewport, QPoint(0, 0)), label.size()))


def test_the_wells_total_and_the_derived_surgery_item_are_in_view_when_a_visit_opens(
    make_window, qtbot, clinic  # noqa: F811
):
    window = make_window()
    window.resize(1500, 950)  # the preferred size
    sign_in(qtbot, window, "doc")
    page = open_new_visit(window, clinic)
    settle()
    scroll = page.wells.parentWidget().parentWidget()
    assert in_view(page.wells.summary, scroll), "the total and what it means"
    recent = page.wells.rows["recent_surgery"]
    assert in_view(recent.item, scroll) and in_view(recent.source, scroll), "derived item"


def list_with_names(window, rec):
    svc = rec.services("doc")
    svc.create_patient("LONG-000012345", *LONG_NAME, date(1947, 12, 31), "female")
    svc.create_patient("DEMO-0005", "Specimen", "Dora", date(1951, 9, 3), "female")
    window.patient_list.refresh()
    settle()
    return window.patient_list.table


def needed_width(table, text: str) -> int:
    margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    return table.fontMetrics().horizontalAdvance(text) + 2 * margin


def assert_names_readable(table, ordinary_whole: bool = True) -> None:
    viewport = table.viewport().width()
    for column in (1, 2):  # MRN and birth date: whole, and inside the visible part
        header = table.horizontalHeader()
        assert header.sectionViewportPosition(column) + header.sectionSize(column) <= viewport
        for row in range(table.rowCount()):
            text = table.item(row, column).text()
            assert table.columnWidth(column) >= needed_width(table, text), text
    heights = {table.rowHeight(row) for row in range(table.rowCount())}
    assert len(heights) == 1, "every row is one line high"
    assert min(heights) >= table.fontMetrics().height()
    for row in range(table.rowCount()):
        name = table.item(row, 0)
        fits = table.columnWidth(0) >= needed_width(table, name.text())
        assert fits or name.toolTip() == name.text(), f"{name.text()} is cut without a tooltip"
        if ordinary_whole and name.text() == "SPECIMEN, Dora":
            assert fits, "a name of ordinary length is shown whole"


def test_patient_list_shows_whole_names_beside_mrn_and_birth_date(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "doc")
    table = list_with_names(window, clinic)
    assert table.rowCount() == 2
    assert_names_readable(table)


def test_patient_list_names_stay_readable_with_text_twice_as_large(
    make_window, qtbot, clinic, larger_text  # noqa: F811
):
    window = make_window()
    sign_in(qtbot, window, "doc")
    table = list_with_names(window, clinic)
    assert table.font().pointSizeF() == larger_text, "the larger text reached the list"
    assert_names_readable(table, ordinary_whole=False)  # an 800-pixel screen at 200 % text


def test_each_supporting_reason_is_its_own_line_shown_in_full(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "doc")
    page = open_new_visit(window, clinic)
    window.resize(1000, 700)  # a narrow differential: long reasons must wrap, not be cut
    tree = page.differential.tree
    dvt = page.differential.item("dvt")
    dvt.setExpanded(True)
    QApplication.processEvents()
    assessment = page.assessment
    result = next(d for d in assessment.differential if d.id == "dvt")
    lines = [dvt.child(i).text(0) for i in range(dvt.childCount())]
    assert [line for line in lines if line.startswith("Supports: ")] == [
        f"Supports: {reason}" for reason in result.supporting
    ]
    assert all("…" not in line for line in lines)
    delegate = tree.itemDelegate()
    for i in range(dvt.childCount()):
        child = dvt.child(i)
        index = tree.indexFromItem(child)
        needed = tree.fontMetrics().boundingRect(
            QRect(0, 0, delegate.text_width(index), 100_000), Qt.TextFlag.TextWordWrap,
            child.text(0),
        ).height()
        assert tree.visualItemRect(child).height() >= needed, child.text(0)
    assert any(tree.visualItemRect(dvt.child(i)).height() > tree.fontMetrics().height() * 1.5
               for i in range(dvt.childCount())), "at this width some reason must wrap"


def test_a_ranked_item_whose_words_fit_is_one_line_high(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "doc")
    page = open_new_visit(window, clinic)
    window.resize(1500, 950)  # the preferred size: most titles fit on one line
    settle()
    tree = page.differential.tree
    line = tree.fontMetrics().height()
    width = tree.columnWidth(0) - tree.indentation() - tree.itemDelegate().PADDING
    statuses = set()
    for index in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(index)
        if tree.fontMetrics().horizontalAdvance(item.text(0)) < width * 0.9:
            statuses.add(item.text(1))
            assert tree.visualItemRect(item).height() < 1.5 * line, (item.text(0), item.text(1))
    assert "less likely" in statuses, "the two-word status is among those checked"


def test_a_bold_ranked_title_is_never_cut_short(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "doc")
    page = open_new_visit(window, clinic)
    window.resize(1500, 950)
    settle()
    tree, dvt = page.differential.tree, page.differential.item("dvt")
    bold = dvt.font(0)
    assert bold.bold(), "the urgent item is in bold"
    total = sum(page.splitter.sizes())
    for side in range(200, 420, 3):  # the status column stays put; the title's room changes
        page.splitter.setSizes([total - side, side])
        settle()
        room = tree.itemDelegate().text_width(tree.indexFromItem(dvt))
        needed = QFontMetrics(bold).boundingRect(
            QRect(0, 0, room, 100_000), Qt.TextFlag.TextWordWrap, dvt.text(0)
        ).height()
        assert tree.visualItemRect(dvt).height() >= needed, (side, dvt.text(0))


def test_earlier_visits_lab_values_are_shown_beside_the_result(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "doc")
    earlier_day = date.today() - timedelta(days=11)
    page = open_new_visit(
        window, clinic, LabResult("sodium", 128, "mmol/L", date.today()),
        earlier_labs=(LabResult("sodium", 134, "mmol/L", earlier_day),
                      LabResult("potassium", 4.0, "mmol/L", earlier_day)),
    )
    page.editor.show_section("labs")
    table = page.editor.labs.table
    assert table.rowCount() == 1
    assert table.item(0, 1).text() == "128"
    assert table.item(0, 6).text() == f"134 mmol/L ({earlier_day.isoformat()}, earlier visit)"


def test_the_window_never_opens_larger_than_the_screen(make_window):  # noqa: F811
    window = make_window()
    available = window.screen().availableGeometry()
    assert window.width() <= available.width() and window.height() <= available.height()
    assert window.minimumSizeHint().width() <= available.width()


def test_the_si_unit_is_offered_first_when_the_clinic_prefers_si(make_window, qtbot):  # noqa: F811
    from cramp_dx.settings import Settings

    window = make_window(settings=Settings(lab_units="si"))
    labs = window.visit_page.editor.labs
    labs.choose_test("magnesium")
    assert labs.unit.currentText() == "mmol/L"
    labs.choose_test("potassium")  # no separate SI unit: the default stays first
    assert labs.unit.currentText() == "mmol/L"
    labs.choose_test("creatinine")
    assert labs.unit.currentText() == "µmol/L"

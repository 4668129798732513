"""The neurological examination in the app (issue 14): the dermatome map clicked and worked by
the keyboard, the strength grid by digits, the reflex selectors; the derived root outlined on
the map with the verdict beside it, live; saved through the service like a finding."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections import deque
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit
from support.record import example
from support.ui import (  # noqa: F401 - fixtures
    clinic,
    make_window,
    no_leaked_windows,
    sign_in,
    wait_saved,
)

from cramp_dx.case.model import MUSCLES, NEURO_SIDES, SENSORY_AREAS, NeuroExam

pytestmark = pytest.mark.gui

# L5 on the left by strength alone; sensation not examined yet (one sign type: no root)
L5_WITHOUT_SENSATION = (
    NeuroExam()
    .with_sign("left", "strength", "great_toe_extension", 4)
    .with_sign("left", "strength", "hip_abduction", 4)
    .with_sign("left", "reflexes", "ankle", "normal")
)


def open_visit(qtbot, window, clinic, neuro=L5_WITHOUT_SENSATION, levels=("L3-L4",)):  # noqa: F811
    sign_in(qtbot, window, "doc")
    workup = example("ex1-diuretic-cramps")
    workup = replace(
        workup,
        neuro_exam=neuro,
        surgery=replace(workup.surgery, procedure="microdiscectomy", levels=levels),
    )
    record = clinic.services("doc").import_case(workup)
    window.patient_list.refresh()
    window.open_patient(record.patient_id)
    page = window.visit_page
    page.editor.show_section("examination")
    return page, record


def click_area(qtbot, panel, side, area, button=Qt.MouseButton.LeftButton):
    point = panel.map.area_centre(side, area).toPoint()
    qtbot.mouseClick(panel.map, button, Qt.KeyboardModifier.NoModifier, point)


def saved_exam(clinic, record):  # noqa: F811
    return clinic.services("doc").load_visit(record.id).workup.neuro_exam


def test_the_stored_examination_is_shown_when_the_visit_opens(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, _ = open_visit(qtbot, window, clinic)
    panel = page.editor.neuro
    assert panel.strength.cell("left", "great_toe_extension").text() == "4"
    assert panel.reflexes.value("left", "ankle") == "normal"
    assert panel.map.value("left", "dorsum_of_foot") is None
    assert panel.level.verdict == "no_root_pattern"


def test_clicking_the_map_cycles_the_area_and_the_derived_root_appears(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, record = open_visit(qtbot, window, clinic)
    panel = page.editor.neuro
    click_area(qtbot, panel, "left", "dorsum_of_foot")
    assert panel.map.value("left", "dorsum_of_foot") == "normal"
    assert panel.level.roots_text == ""  # a normal area points to no root
    click_area(qtbot, panel, "left", "dorsum_of_foot")
    assert panel.map.value("left", "dorsum_of_foot") == "reduced"
    # live: re-ranked before any save
    assert panel.level.roots_text == "L5 (left)"
    assert panel.level.verdict == "does_not_match"
    assert "Does not match" in panel.level.text() and "L3-L4" in panel.level.text()
    l5_areas = {("left", "dorsum_of_foot"), ("left", "great_toe"), ("left", "lateral_leg")}
    assert l5_areas <= panel.map.highlighted
    wrong = next(d for d in page.assessment.differential if d.id == "wrong_level_or_missed_level")
    assert any("no operated level affects L5" in reason for reason in wrong.supporting)
    wait_saved(qtbot, window)
    assert saved_exam(clinic, record).left.sensory == {"dorsum_of_foot": "reduced"}
    for expected in ("absent", "painful", None):
        click_area(qtbot, panel, "left", "dorsum_of_foot")
        assert panel.map.value("left", "dorsum_of_foot") == expected
    assert panel.level.roots_text == "" and panel.map.highlighted == set()
    wait_saved(qtbot, window)
    assert saved_exam(clinic, record).left.sensory == {}


def test_a_right_click_clears_an_area(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, _ = open_visit(qtbot, window, clinic)
    panel = page.editor.neuro
    click_area(qtbot, panel, "right", "sole")
    click_area(qtbot, panel, "right", "sole", Qt.MouseButton.RightButton)
    assert panel.map.value("right", "sole") is None


def test_every_area_is_reached_and_set_with_the_keyboard_alone(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, record = open_visit(qtbot, window, clinic)
    panel = page.editor.neuro
    dermatomes = panel.map
    dermatomes.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(dermatomes, Qt.Key.Key_Home)
    # the arrow keys connect every area: a breadth-first walk from the first reaches all 24
    areas = dermatomes.map.areas
    seen, queue = {0}, deque([0])
    while queue:
        here = queue.popleft()
        for key in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down):
            dermatomes.current = here
            qtbot.keyClick(dermatomes, key)
            if dermatomes.current not in seen:
                seen.add(dermatomes.current)
                queue.append(dermatomes.current)
    assert len(seen) == len(areas) == len(SENSORY_AREAS) * len(NEURO_SIDES)
    dermatomes.select("left", "great_toe")
    assert dermatomes.accessibleName() == "Dermatome map: left great toe, not examined"
    qtbot.keyClick(dermatomes, Qt.Key.Key_R)
    assert dermatomes.value("left", "great_toe") == "reduced"
    assert dermatomes.accessibleName() == "Dermatome map: left great toe, reduced"
    qtbot.keyClick(dermatomes, Qt.Key.Key_Space)
    assert dermatomes.value("left", "great_toe") == "absent"
    assert panel.level.roots_text == "L5 (left)"
    qtbot.keyClick(dermatomes, Qt.Key.Key_Delete)
    assert dermatomes.value("left", "great_toe") is None
    qtbot.keyClick(dermatomes, Qt.Key.Key_P)
    wait_saved(qtbot, window)
    assert saved_exam(clinic, record).left.sensory == {"great_toe": "painful"}


def test_strength_is_graded_by_digits_down_the_column(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, record = open_visit(qtbot, window, clinic, neuro=NeuroExam())
    grid = page.editor.neuro.strength
    first = grid.cell("right", MUSCLES[0])
    first.setFocus(Qt.FocusReason.TabFocusReason)
    for digit in "54397":  # 9 and 7 are not MRC grades: refused, the cursor stays
        qtbot.keyClick(window.focusWidget(), digit)
    assert [grid.cell("right", m).value() for m in MUSCLES[:4]] == [5, 4, 3, None]
    assert window.focusWidget() is grid.cell("right", MUSCLES[3])
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Up)
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Delete)
    assert grid.cell("right", MUSCLES[2]).value() is None
    wait_saved(qtbot, window)
    assert saved_exam(clinic, record).right.strength == {MUSCLES[0]: 5, MUSCLES[1]: 4}
    assert grid.cell("right", MUSCLES[1]).accessibleName() == "Right hip adduction: 4 of 5"


def test_a_reflex_is_chosen_with_the_keyboard(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, record = open_visit(qtbot, window, clinic, neuro=NeuroExam())
    combo = page.editor.neuro.reflexes.combo("left", "ankle")
    combo.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClicks(combo, "a")
    assert page.editor.neuro.reflexes.value("left", "ankle") == "absent"
    wait_saved(qtbot, window)
    assert saved_exam(clinic, record).left.reflexes == {"ankle": "absent"}


def test_every_control_of_the_examination_has_an_accessible_name(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, _ = open_visit(qtbot, window, clinic)
    panel = page.editor.neuro
    controls = [panel.map, *panel.findChildren(QLineEdit), *panel.findChildren(QComboBox)]
    assert len(controls) == 1 + 2 * len(MUSCLES) + 6
    unnamed = [c for c in controls if not c.accessibleName().strip()]
    assert unnamed == []
    assert panel.level.accessibleName().startswith("Level check")


def test_a_signed_visit_shows_the_examination_read_only(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, record = open_visit(qtbot, window, clinic)
    services = clinic.services("doc")
    services.sign(record.id)
    page.session.reload()
    panel = page.editor.neuro
    click_area(qtbot, panel, "left", "sole")
    assert panel.map.value("left", "sole") is None
    assert panel.strength.cell("left", "hip_flexion").isReadOnly()


def test_the_map_is_drawn_from_the_shipped_svg(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, _ = open_visit(qtbot, window, clinic)
    dermatomes = page.editor.neuro.map
    for side in NEURO_SIDES:
        for area in SENSORY_AREAS:
            point = dermatomes.area_centre(side, area)
            found = dermatomes.area_at(point)
            assert (found.side, found.area) == (side, area)
    assert dermatomes.area_at(QPoint(1, 1).toPointF()) is None


def test_the_map_is_readable_at_200_percent(tmp_path):
    """QT_SCALE_FACTOR=2 on a large screen: the panel lays out at the same logical size, the
    level check is shown in full, and the map's text is drawn at the doubled scale."""
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "big", "x": 0, "y": 0, "width": 3000,
                                               "height": 1900, "logicalDpi": 96, "dpr": 1}]}))
    script = textwrap.dedent(
        """
        import json, sys
        from PySide6.QtWidgets import QApplication
        from cramp_dx.casefile.io import parse_case, read_case
        from cramp_dx.engine import assess
        from cramp_dx.knowledge import load_knowledge
        from cramp_dx.ui.neuro_exam_panel import NeuroExamPanel
        app = QApplication([])
        kb = load_knowledge()
        workup = read_case(sys.argv[1])
        panel = NeuroExamPanel(kb.neuro)
        panel.resize(620, 900)
        panel.show_values(lambda key: workup.neuro_exam.get(*key[1:]), set())
        panel.show_level_check(assess(workup, kb).level_check)
        panel.show()
        for _ in range(5):
            app.processEvents()
        image = panel.map.grab()
        level = panel.level
        print(json.dumps({
            "ratio": panel.devicePixelRatioF(),
            "image": [image.width(), image.height()],
            "map": [panel.map.width(), panel.map.height()],
            "level_full": level.height() >= level.heightForWidth(level.width()),
            "level_visible": level.isVisible(),
            "roots": level.roots_text,
            "within": panel.map.geometry().right() <= panel.width(),
        }))
        """
    )
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "QT_SCALE_FACTOR": "2"}
    case = Path(__file__).resolve().parent / "cases" / "ex4-wrong-level.json"
    done = subprocess.run([sys.executable, "-c", script, str(case)], capture_output=True, text=True,
                          env=env, check=True, cwd=tmp_path)
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    assert shown["ratio"] == 2.0
    assert shown["image"] == [2 * shown["map"][0], 2 * shown["map"][1]]  # drawn at the doubled scale
    assert shown["map"][1] >= 150 and shown["within"]
    assert shown["level_full"] and shown["level_visible"]
    assert shown["roots"] == "S1 (left)"


def test_a_surgery_with_laminectomy_matches_the_caudal_root_live(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, _ = open_visit(qtbot, window, clinic, levels=("L3-L4",))
    panel = page.editor.neuro
    page.session.edit(("surgery", "procedure"), "laminectomy")
    click_area(qtbot, panel, "left", "great_toe")
    click_area(qtbot, panel, "left", "great_toe")
    assert panel.level.verdict == "matches"  # L3-L4 decompressed centrally affects L5 too


def test_a_sign_changed_elsewhere_opens_the_conflict_dialog(make_window, qtbot, clinic):  # noqa: F811
    from cramp_dx.services.changes import SetNeuroSign

    window = make_window()
    page, record = open_visit(qtbot, window, clinic)
    elsewhere = SetNeuroSign("left", "sensory", "sole", "absent")
    clinic.services("doc").apply(record.id, elsewhere, record.version)
    click_area(qtbot, page.editor.neuro, "left", "sole")  # not examined → normal, on the old copy
    qtbot.waitUntil(lambda: page.conflict_dialog is not None and page.conflict_dialog.isVisible(),
                    timeout=3000)
    dialog = page.conflict_dialog
    assert any("Left sole: sensation" in label.text() for label in dialog.findChildren(QLabel))
    assert (dialog.mine_label.text(), dialog.theirs_label.text()) == ("normal", "absent")
    assert page.editor.neuro.map.value("left", "sole") == "normal"  # what I marked stays shown
    dialog.use_theirs.click()
    qtbot.waitUntil(lambda: page.editor.neuro.map.value("left", "sole") == "absent", timeout=3000)

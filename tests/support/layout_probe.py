"""Run as a child process by the layout tests (the scale factor is fixed when Qt starts): the
real window on an offscreen screen of a given size and scale, a physician's visit open, every
workup section shown in turn, a screenshot of each, and the controls that must never be cut
off checked. Prints one JSON object: {"problems": [...], "shots": [...]}.

    QT_SCALE_FACTOR=2 python layout_probe.py URL VISIT_ID OUT_DIR WIDTH HEIGHT"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

WIDTH, HEIGHT = int(sys.argv[4]), int(sys.argv[5])
_config = Path(tempfile.mkdtemp()) / "screen.json"
_config.write_text(json.dumps({"screens": [{
    "name": "probe", "x": 0, "y": 0, "width": WIDTH, "height": HEIGHT,
    "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_config}"

from PySide6.QtCore import QPoint  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from cramp_dx.settings import Settings  # noqa: E402
from cramp_dx.store import open_database  # noqa: E402
from cramp_dx.ui.app import application, create_window  # noqa: E402
from cramp_dx.ui.finding_control import FindingControl  # noqa: E402
from cramp_dx.ui.order_control import OrderControl  # noqa: E402

DATE = "0000-00-00"
MEDICATION_SAMPLE, DOSE_SAMPLE = "magnesium oxide", "400 mg twice daily"
problems: list[str] = []


def inside(widget: QWidget, viewport: QWidget, what: str) -> None:
    """`widget` wholly inside the visible width of `viewport` (nothing cut at the right)."""
    if not widget.isVisible():
        return
    left = widget.mapTo(viewport, QPoint(0, 0)).x()
    if left < 0 or left + widget.width() > viewport.width():
        problems.append(f"{what}: cut off ({left}..{left + widget.width()} of "
                        f"{viewport.width()} px)")


def text_fits(widget: QWidget, text: str, what: str, room: int = 0) -> None:
    need = widget.fontMetrics().horizontalAdvance(text) + room
    have = widget.contentsRect().width()
    if have < need:
        problems.append(f"{what}: {have} px for {text!r}, which needs {need}")


def main() -> None:
    url, visit_id, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    scale = os.environ.get("QT_SCALE_FACTOR", "1")
    app = application()
    database = open_database(url)
    window = create_window(database, Settings(), persist_settings=False,
                           offer_demo=lambda _parent: False)
    window.show()
    window.sign_in.username.setText("doc")
    window.sign_in.password.setText("doctor-secret-1")
    window.sign_in.button.click()
    window.open_record(window.services.load_visit(visit_id))
    page = window.visit_page
    editor = page.editor
    screen = app.primaryScreen().availableGeometry()
    shots = []
    for section_id in editor.role_sections:
        editor.show_section(section_id)
        for _ in range(5):
            app.processEvents()
        section = editor.sections[section_id]
        viewport = section.scroll.viewport()
        if window.width() > screen.width():
            problems.append(f"window {window.width()} px wide on a {screen.width()} px screen")
        needed = window.minimumSizeHint().height()
        if max(window.height(), needed) > screen.height():
            problems.append(f"window {max(window.height(), needed)} px high on a {screen.height()} px screen")
        for control in section.findChildren(FindingControl):
            for value, button in control.buttons.items():
                what = f"{section_id}: {control.finding_id} {button.text()} ({value})"
                inside(button, viewport, what)
                text_fits(button, button.text(), what)
        for order in section.findChildren(OrderControl):
            inside(order.state, viewport, f"{section_id}: order {order.test_id} state")
            inside(order.date, viewport, f"{section_id}: order {order.test_id} date")
            text_fits(order.date, DATE, f"{section_id}: order {order.test_id} date")
        if section_id == "context":
            for key in (("patient", "birth_date"), ("surgery", "date"), ("visit", "date")):
                edit = editor.widget_for(key).edit
                inside(edit, viewport, f"context: {key[1]}")
                text_fits(edit, DATE, f"context: {key[0]} {key[1]}")
        if section_id == "labs":
            labs = editor.labs
            for name in ("test", "value", "unit", "collected", "add_button", "remove_button"):
                inside(getattr(labs, name), viewport, f"labs: {name}")
            text_fits(labs.collected, DATE, "labs: collected")
            text_fits(labs.add_button, labs.add_button.text().replace("&", ""), "labs: add")
        if section_id == "medications":
            meds = editor.medications
            for name in ("name", "dose", "start", "status", "add_button", "remove_button"):
                inside(getattr(meds, name), viewport, f"medications: {name}")
            text_fits(meds.name, MEDICATION_SAMPLE, "medications: name")
            text_fits(meds.dose, DOSE_SAMPLE, "medications: dose")
            text_fits(meds.start, DATE, "medications: started")
        shot = out / f"scale{scale}-{section_id}.png"
        window.grab().save(str(shot))
        shots.append(str(shot))
    print(json.dumps({"problems": problems, "shots": shots}), flush=True)
    window.close()
    database.dispose()
    QApplication.processEvents()


if __name__ == "__main__":
    main()

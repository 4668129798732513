"""Run as a child process by the autosave tests: the real app window (offscreen), signed in as
the physician, one visit open, text typed into one field, which keeps the focus. Prints
`typed` (flushed) right after the last keystroke, then runs until it is killed.

    python typing_app.py URL VISIT_ID FIELD TEXT

FIELD: measurement, family_name, notes, lab_entry, medication_line, medication_entry,
mrc_grade (a strength grade of the neurological examination)."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from cramp_dx.settings import Settings
from cramp_dx.store import open_database
from cramp_dx.ui.app import application, create_window


def field(page: object, name: str) -> tuple[str, QWidget]:
    """The section and the widget typed into."""
    editor = page.editor  # type: ignore[attr-defined]
    if name == "measurement":
        return "context", editor.widget_for(("measurement", "heart_rate_bpm")).edit
    if name == "family_name":
        return "context", editor.widget_for(("patient", "family_name")).edit
    if name == "notes":
        return "plan", editor.sections["plan"].widget_for(("notes",)).edit
    if name == "lab_entry":
        editor.labs.choose_test("magnesium")
        return "labs", editor.labs.value
    if name == "medication_line":
        editor.medications.edit_line(0)
        return "medications", editor.medications.dose
    if name == "medication_entry":
        return "medications", editor.medications.name
    if name == "mrc_grade":
        return "examination", editor.neuro.strength.cell("left", "great_toe_extension")
    raise SystemExit(f"unknown field {name}")


def main() -> None:
    url, visit_id, name, text = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
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
    section, widget = field(page, name)
    page.editor.show_section(section)
    window.activateWindow()
    widget.setFocus()
    if isinstance(widget, QLineEdit):
        widget.selectAll()
    else:
        QTest.keyClick(widget, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    QApplication.processEvents()
    QTest.keyClicks(widget, text)
    print("typed", flush=True)
    app.exec()


if __name__ == "__main__":
    main()

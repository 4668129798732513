"""The sign-in page shows before the record layer, the knowledge base, the engine and the
workup page are loaded; those load while the password is typed, or on first use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support.record import PASSWORDS, make_record
from support.ui import clinic, make_window, no_leaked_windows  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parent.parent

LATER = ("cramp_dx.services", "cramp_dx.knowledge.loader", "cramp_dx.engine",
         "cramp_dx.ui.visit_page", "cramp_dx.report", "alembic")

SCRIPT = """
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from cramp_dx.settings import Settings
from cramp_dx.store import open_database
from cramp_dx.ui.app import application, create_window
app = application()
db = open_database(sys.argv[1])
window = create_window(db, Settings(), persist_settings=False, offer_demo=lambda _p: False)
window.show()
app.processEvents()
later = sys.argv[2].split(",")
print("shown", window.sign_in.password.isVisible(), [m for m in later if m in sys.modules])
deadline = time.monotonic() + 20
while not window.warm_up_done() and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.005)
print("warm", window._visit_page is not None, [m for m in later if m not in sys.modules])
window._sign_in("doc", sys.argv[3])
print("signed", window.patient_list.isVisible())
"""


def run(tmp_path: Path) -> list[str]:
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    make_record(url).db.dispose()
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, url, ",".join(LATER), PASSWORDS["doc"]],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout
    return out.splitlines()


def test_sign_in_shows_before_the_record_layer_and_knowledge_load_then_they_warm_up(tmp_path):
    shown, warm, signed = run(tmp_path)
    assert shown == "shown True []"
    # the report and Alembic are still not needed; everything else is ready for the sign-in
    assert warm == "warm True ['cramp_dx.report', 'alembic']"
    assert signed == "signed True"


APP_START = """
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from cramp_dx.settings import Settings
from cramp_dx.ui.app import application, create_window
app = application()
window = create_window(None, Settings(), database_url=sys.argv[1], persist_settings=False,
                       offer_demo=lambda _p: False)
window.show()
app.processEvents()
print("shown", window.sign_in.password.isVisible(), "sqlalchemy" in sys.modules,
      window.database is None)
deadline = time.monotonic() + 20
while not window.warm_up_done() and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.005)
print("warm", window.database is not None, window.sign_in.setup_mode)
"""


def start_app(url: str) -> list[str]:
    return subprocess.run(
        [sys.executable, "-c", APP_START, url], capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout.splitlines()


def test_the_app_paints_sign_in_before_opening_the_record(tmp_path):
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    make_record(url).db.dispose()
    shown, warm = start_app(url)
    assert shown == "shown True False True"  # no SQLAlchemy yet, the record not open
    assert warm == "warm True False"  # opened while the password is typed; accounts exist


def test_a_new_record_turns_the_sign_in_page_into_first_account_setup(tmp_path):
    shown, warm = start_app(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    assert shown == "shown True False True"
    assert warm == "warm True True"
    assert (tmp_path / "new.sqlite3").is_file()


def test_the_app_names_the_desktop_entry_that_packaging_installs(qapp):
    from cramp_dx.ui.app import application

    app = application()
    entry = ROOT / "packaging" / "cramp-dx.desktop"
    assert app.desktopFileName() == entry.stem
    assert f"StartupWMClass={app.applicationName()}" in entry.read_text(encoding="utf-8")


def test_a_record_that_cannot_be_opened_is_reported_after_the_sign_in_page(qtbot, tmp_path):
    from cramp_dx.settings import Settings
    from cramp_dx.ui.app import application, create_window

    bad = tmp_path / "notes.sqlite3"
    bad.write_text("not a database", encoding="utf-8")
    application()
    window = create_window(None, Settings(), database_url=f"sqlite:///{bad}",
                           persist_settings=False, offer_demo=lambda _p: False)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.database_failed, timeout=10_000) as failed:
        window.show()
    assert str(bad) in failed.args[0] and "not a cramp-dx database" in failed.args[0]
    assert window.database is None and window.warm_up_done()
    window._sign_in("doc", "whatever-password")
    assert "could not be opened" in window.sign_in.error.text()
    assert bad.read_text(encoding="utf-8") == "not a database"


def test_the_workup_page_is_built_in_parts_and_finished_when_a_visit_opens(
    make_window, qtbot, clinic  # noqa: F811
):
    """The warm-up builds the workup sections one part per event-loop turn (keys typed at
    the sign-in page are shown between parts); opening a visit before the last part is
    built finishes it first."""
    from support.record import example
    from support.ui import sign_in

    window = make_window()
    window._warm_up_timer.stop()
    while window._warm_up_steps and window._visit_page is None:
        window._warm_up_steps.pop(0)()
    page = window._visit_page
    assert page is not None and not page.editor.is_built()
    parts = 0
    while page.build_step() and parts < 3:
        parts += 1
    assert parts == 3 and not page.editor.is_built()  # several parts, not one

    sign_in(qtbot, window, "doc")
    record = clinic.services("doc").import_case(example("ex2-early-swollen-calf"))
    window.patient_list.refresh()
    window.open_patient(record.patient_id)
    assert page.editor.is_built()
    assert page.editor.finding_control("calf_swelling_unilateral") is not None
    assert "medications" in page.editor.role_sections

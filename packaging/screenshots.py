"""Screenshots of every main screen for the README, taken from the real app on a throwaway
record with the fictional demo patients. Run under a virtual screen:

    bash packaging/screenshots.sh            # wraps this in xvfb-run

Writes PNGs to packaging/screenshots/.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("CRAMP_DX_SHOTS", ROOT / "packaging" / "screenshots"))
PASSWORDS = {"ada": "demo-physician-1", "nina": "demo-nurse-1", "admin": "demo-admin-1"}


def main() -> int:
    sys.path.insert(0, str(ROOT))
    home = Path(tempfile.mkdtemp(prefix="cramp_dx_shots_"))
    os.environ["CRAMP_DX_DATA_DIR"] = str(home / "data")
    os.environ["CRAMP_DX_CONFIG_DIR"] = str(home / "config")

    from PySide6.QtCore import QPoint, QTimer

    from cramp_dx.casefile.io import read_case
    from cramp_dx.paths import resources_dir
    from cramp_dx.services import Services
    from cramp_dx.settings import Letterhead, Settings
    from cramp_dx.store import open_database
    from cramp_dx.ui.app import application, create_window

    db = open_database(str(home / "clinic.sqlite3"))
    admin = Services.create_account(db, "admin", "demo-admin-1", "admin", display_name="Clinic admin")
    Services.create_account(db, "ada", PASSWORDS["ada"], "physician", display_name="Dr Ada Ng", actor=admin)
    Services.create_account(db, "nina", PASSWORDS["nina"], "nurse", display_name="Nina Berg RN", actor=admin)
    doctor = Services(db, Services.authenticate(db, "ada", PASSWORDS["ada"]))
    for path in sorted((resources_dir() / "demo").glob("*.json")):
        doctor.import_case(read_case(path))

    app = application()
    settings = Settings(letterhead=Letterhead("Riverside Spine & Rehabilitation", "12 Harbour Road"))
    window = create_window(db, settings, persist_settings=False, offer_demo=lambda _parent: False)
    window.confirm_quit = lambda: True
    window.resize(1500, 940)
    window.show()
    OUT.mkdir(parents=True, exist_ok=True)

    def settle(ms: int = 400) -> None:
        end = QTimer()
        end.setSingleShot(True)
        end.start(ms)
        while end.isActive():
            app.processEvents()

    def shot(name: str, widget=None) -> None:
        settle()
        (widget or window).grab().save(str(OUT / f"{name}.png"))
        print(f"wrote {OUT / name}.png")

    def sign_in(user: str) -> None:
        page = window.sign_in
        page.username.setText(user)
        page.password.setText(PASSWORDS[user])
        page.button.click()
        settle()

    def open_mrn(mrn: str) -> None:
        window.patient_list.search.setText(mrn)
        window.patient_list.refresh()
        settle()
        row = window.patient_list.rows[0]
        window.open_patient(row.id)
        settle()

    shot("01-sign-in")
    sign_in("nina")
    shot("02-nurse-patient-list")
    open_mrn("EX-0001")
    window.visit_page.editor.show_section("history")
    shot("03-nurse-intake-history")
    window.visit_page.editor.show_section("medications")
    shot("04-nurse-medications")
    window.visit_page.mark_ready()
    window.sign_out()
    settle()
    sign_in("ada")
    window.patient_list.ready_only.setChecked(True)
    shot("13-physician-ready-list")
    window.patient_list.ready_only.setChecked(False)
    open_mrn("EX-0002")
    editor = window.visit_page.editor
    editor.show_section("examination")
    # the findings, below the neurological examination at the top of the section
    examination = editor.sections["examination"]
    settle()
    first = editor.finding_control("calf_swelling_unilateral")
    examination.scroll.verticalScrollBar().setValue(first.mapTo(examination.body, QPoint(0, 0)).y() - 60)
    shot("05-physician-examination-red-flag")
    open_mrn("DEMO-0104")
    editor.show_section("examination")
    examination.scroll.verticalScrollBar().setValue(0)
    shot("12-physician-neuro-exam-level-check")
    open_mrn("EX-0001")
    window.visit_page.editor.show_section("labs")
    shot("06-physician-labs")
    open_mrn("EX-0003")
    window.visit_page.editor.show_section("imaging")
    shot("07-physician-imaging-differential")
    window.visit_page.generate_pdf()
    settle(1200)
    if window.preview is not None:
        shot("08-pdf-preview", window.preview)
        window.preview.close()
    window.lock()
    shot("09-locked")
    window.unlock(PASSWORDS["ada"])
    settle()
    window.open_settings()
    dialog = window.settings_dialog
    dialog.resize(1000, 760)
    dialog.tabs.setCurrentIndex(1)
    shot("10-settings-lab-ranges", dialog)
    dialog.reject()
    window.sign_out()
    settle()
    sign_in("admin")
    window.open_accounts()
    window.accounts_dialog.resize(760, 420)
    shot("11-accounts", window.accounts_dialog)
    window.accounts_dialog.reject()
    window.close()
    db.dispose()
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Start the desktop app: settings, the record, the knowledge base, the window."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtWidgets import QApplication, QMessageBox

from cramp_dx.errors import CrampDxError
from cramp_dx.settings import Settings, load_settings, save_settings, without_password
from cramp_dx.ui.style import STYLE


def application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("cramp_dx")
    app.setOrganizationName("cramp_dx")
    app.setDesktopFileName("cramp-dx")  # packaging/cramp-dx.desktop: icon and name on Wayland
    app.setStyleSheet(STYLE)
    from cramp_dx.ui.accessibility import install

    install()  # screen readers see the page on screen only, not the ones built ahead
    return app


def create_window(
    database: Any, settings: Settings, *, idle_ms: int | None = None,
    persist_settings: bool = True, offer_demo: Any = None, database_url: str | None = None,
) -> Any:
    """The main window showing sign-in (or first-account setup), on an open database, or
    with `database` None on the one `database_url` names, opened after the sign-in page is
    painted. The knowledge base is loaded then too (see MainWindow._warm_up)."""
    from cramp_dx.ui.main_window import MainWindow

    window = MainWindow(database, None, settings, idle_ms=idle_ms,
                        persist_settings=persist_settings, offer_demo=offer_demo,
                        database_url=database_url)
    window.check_first_run()
    return window


def run_app(
    database_url: str | None = None, argv: list[str] | None = None, *, smoke_test: bool = False
) -> int:
    """The app's event loop; with `smoke_test`, check the start-up and exit (see smoke.py):
    problems are then printed, not shown in a dialog that waits for a click."""
    app = application(argv)

    def problem(text: str, *, fatal: bool) -> None:
        from cramp_dx.store.secrets import mask

        text = mask(text)
        if smoke_test:
            print(f"cramp-dx: {text}".replace("\n", " "), file=sys.stderr, flush=True)
        elif fatal:
            QMessageBox.critical(None, "cramp_dx", text)
        else:
            QMessageBox.warning(None, "cramp_dx", text)

    try:
        loaded = load_settings()
        settings = without_password(loaded)  # a password kept by an older cramp-dx moves out
        if settings != loaded:
            save_settings(settings)
    except CrampDxError as exc:
        problem(f"Settings could not be read, defaults used:\n{exc}", fatal=False)
        settings = Settings()
    # the record is opened by the window's warm-up, after the sign-in page is painted
    window = create_window(None, settings, database_url=database_url or settings.database_url,
                           persist_settings=not smoke_test,
                           offer_demo=(lambda _parent: False) if smoke_test else None)
    try:
        if smoke_test:
            from cramp_dx.ui.smoke import run_smoke_test

            return run_smoke_test(window, app)

        def failed(text: str) -> None:
            problem(text, fatal=True)
            app.exit(2)

        window.database_failed.connect(failed)
        window.show()
        return app.exec()
    finally:
        if window.database is not None:
            window.database.dispose()

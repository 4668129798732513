"""The window: sign-in, lock screen and the workspace (patient list + open visit), with the
auto-lock, the menu shortcuts and the status bar (save state, who is signed in)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore
from PySide6.QtCore import QSize, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from cramp_dx.errors import CrampDxError
from cramp_dx.settings import Settings, save_settings
from cramp_dx.ui.idle import IdleWatcher
from cramp_dx.ui.screen_fit import available_size, fit_to_screen
from cramp_dx.ui.sign_in import SignInWidget

if TYPE_CHECKING:
    from cramp_dx.ui.lock_screen import LockScreen
    from cramp_dx.ui.patient_list import PatientList
    from cramp_dx.ui.pdf_preview import PdfPreview
    from cramp_dx.ui.save_indicator import SaveIndicator
    from cramp_dx.ui.visit_page import VisitPage
    from cramp_dx.ui.workspace import Workspace

SIGN_IN, LOCKED, WORKSPACE = 0, 1, 2
TITLE = "cramp_dx"
PREFERRED_SIZE = QSize(1500, 950)
SIDE_ROOM_EMS = 18  # the differential beside the workup needs at least this to be read
WARM_UP_DELAY_MS = 50  # after the sign-in page has been painted, while the password is typed


class MainWindow(QMainWindow):
    locked = Signal()
    unlocked = Signal()
    database_failed = Signal(str)  # the record named by `database_url` could not be opened

    def __init__(
        self,
        database: Any,
        kb: Any,  # None: loaded on first use
        settings: Settings,
        *,
        idle_ms: int | None = None,
        persist_settings: bool = True,
        offer_demo: Callable[[Any], bool] | None = None,
        database_url: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`database`: an open record; or None, and the first warm-up step opens the one
        `database_url` names (None: the default file), after the sign-in page is painted."""
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle(TITLE)
        self.database = database
        self._database_url = database_url
        self.database_error: str | None = None
        self._kb = kb
        self.settings = settings
        self.persist_settings = persist_settings
        self.services: Any = None
        self.account: Any = None
        self.preview: PdfPreview | None = None
        self._hidden_dialogs: list[QWidget] = []
        self._pending_database: str | None = None  # a database URL ("" = default) to open at sign-out
        self._owns_database = False
        self._offer_demo = offer_demo or self._ask_demo

        self.pages = QStackedWidget()
        self.sign_in = SignInWidget(settings.last_user)
        self.pages.addWidget(self.sign_in)
        self.setCentralWidget(self.pages)
        self._lock_screen: LockScreen | None = None
        self._save_indicator: SaveIndicator | None = None
        self._workspace: Workspace | None = None
        self._visit_page: VisitPage | None = None
        self.workspace_actions: list[QAction] = []

        minutes_ms = settings.idle_lock_minutes * 60_000
        self.idle = IdleWatcher(idle_ms if idle_ms is not None else minutes_ms, self)
        self._idle_injected = idle_ms is not None
        self.idle.idle.connect(self.lock)

        self.sign_in.submitted.connect(self._sign_in)
        self.sign_in.setup_submitted.connect(self._create_first_account)
        self._open_maximized = fit_to_screen(self, PREFERRED_SIZE)
        self._warm_up_steps: list[Callable[[], Any]] = [
            self._open_database, self._build_workspace, self._prerender_workspace, self._prepare_record,
            lambda: self.kb, self._import_engine, self._start_visit_page, self._build_visit_page,
            lambda: None,  # a last turn: Qt's deferred polish and layout of the page are done
        ]
        self._warm_up_timer = QTimer(self)
        self._warm_up_timer.setSingleShot(True)
        self._warm_up_timer.timeout.connect(self._warm_up)
        self._warm_up_timer.start(WARM_UP_DELAY_MS)

    def setVisible(self, visible: bool) -> None:
        """A window that does not fit the screen at its preferred size opens maximised. (Done
        here, not with setWindowState in __init__, whose flags would load the `Qt` namespace
        before the sign-in page is painted; see sign_in.py.)"""
        if visible and self._open_maximized:
            self._open_maximized = False
            self.showMaximized()
            return
        super().setVisible(visible)

    def _open_database(self) -> bool:
        """Open the record if the window was not given one: SQLAlchemy, the schema check and
        any upgrade come after the sign-in page is painted. On failure the warm-up stops and
        `database_failed` says why (the app shows it and exits)."""
        if self.database is not None:
            return True
        if self.database_error is not None:
            return False
        from cramp_dx.store import open_database

        try:
            self.database = open_database(self._database_url)
        except CrampDxError as exc:
            from cramp_dx.store.secrets import mask

            self.database_error = mask(f"The record could not be opened:\n{exc}")
            self._warm_up_steps.clear()
            self._warm_up_timer.stop()
            self.database_failed.emit(self.database_error)
            return False
        self._owns_database = True
        self.sign_in.set_setup_mode(not self.database.has_accounts())
        from cramp_dx.store.signing import start_problems

        problems = start_problems(self.database.engine, self.database.url)
        if problems:  # truncation or rewriting since this workstation last looked
            self.sign_in.show_notice(
                "The audit trail needs checking (ask the administrator to run "
                f"cramp-dx audit --verify): {problems[0]}"
            )
        return True

    # -- the parts behind the sign-in page ------------------------------------------------------
    # Built in the first warm-up step (or on first use), so the first paint is the sign-in
    # page alone. The menu and status bars belong to the signed-in pages and stay hidden on
    # the sign-in page, so nothing moves on it when they are built.
    def _build_workspace(self) -> None:
        if self._workspace is not None:
            return
        from cramp_dx.ui.lock_screen import LockScreen
        from cramp_dx.ui.save_indicator import SaveIndicator
        from cramp_dx.ui.workspace import Workspace

        self._lock_screen = LockScreen()
        self._save_indicator = SaveIndicator()
        self._workspace = Workspace()
        self.pages.addWidget(self._lock_screen)
        self.pages.addWidget(self._workspace)
        self.user_label = QLabel()
        self.user_label.setAccessibleName("Signed-in user")
        self.statusBar().addPermanentWidget(self._save_indicator)
        self.statusBar().addPermanentWidget(self.user_label)
        self._build_actions()
        self.idle.attach()
        self._lock_screen.unlock_requested.connect(self.unlock)
        self._lock_screen.sign_out_requested.connect(self.sign_out)
        self._workspace.patient_list.open_requested.connect(self.open_patient)
        self._workspace.patient_list.new_requested.connect(self.new_patient)
        self._workspace.size_for(min(self.width(), available_size(self).width()))
        self._show_bars(self.pages.currentIndex() != SIGN_IN)

    def _prerender_workspace(self) -> None:
        """Render the (still empty) workspace once off screen, so its first showing after the
        sign-in does not also pay for polishing, laying out and first painting it."""
        if self._workspace is not None and not self._workspace.isVisible():
            self._workspace.resize(self.pages.size())
            self._workspace.grab()

    def _show_bars(self, visible: bool) -> None:
        self.menuBar().setVisible(visible)
        self.statusBar().setVisible(visible)

    @property
    def workspace(self) -> Workspace:
        self._build_workspace()
        assert self._workspace is not None
        return self._workspace

    @property
    def patient_list(self) -> PatientList:
        return self.workspace.patient_list

    @property
    def lock_screen(self) -> LockScreen:
        self._build_workspace()
        assert self._lock_screen is not None
        return self._lock_screen

    @property
    def save_indicator(self) -> SaveIndicator:
        self._build_workspace()
        assert self._save_indicator is not None
        return self._save_indicator

    # -- start-up: only what the sign-in page needs comes first ---------------------------------
    # The record layer, the knowledge base, the engine and the workup page are loaded one step
    # per event-loop turn after the sign-in page has been painted, while the password is being
    # typed (keys typed meanwhile are queued, not lost). Each is also loaded on first use.
    def _warm_up(self) -> None:
        if self._warm_up_steps:
            self._warm_up_steps.pop(0)()
        if self._warm_up_steps:
            self._warm_up_timer.start(0)

    def warm_up_done(self) -> bool:
        return not self._warm_up_steps

    def _finish_warm_up(self) -> None:
        """Load what is still pending now, before a dialog opens: building the workup page
        behind an open dialog could take the keyboard away from it."""
        self._warm_up_timer.stop()
        while self._warm_up_steps:
            self._warm_up_steps.pop(0)()

    def _prepare_record(self) -> None:
        from cramp_dx.services import Services

        Services.prepare(self.database)

    @staticmethod
    def _import_engine() -> None:
        import cramp_dx.engine  # noqa: F401

    @property
    def kb(self) -> Any:
        if self._kb is None:
            from cramp_dx.knowledge import load_knowledge

            self._kb = load_knowledge()
        return self._kb

    def _start_visit_page(self) -> None:
        if self._visit_page is None:
            self._make_visit_page(defer_build=True)

    def _build_visit_page(self) -> None:
        """One part of the workup sections per event-loop turn, so keys typed meanwhile are
        shown between parts, not after the whole build."""
        if self._visit_page is not None and self._visit_page.build_step():
            self._warm_up_steps.insert(0, self._build_visit_page)

    @property
    def visit_page(self) -> VisitPage:
        if self._visit_page is None:
            self._make_visit_page(defer_build=False)
        assert self._visit_page is not None
        return self._visit_page

    def _make_visit_page(self, *, defer_build: bool) -> None:
        if self._visit_page is None:
            from cramp_dx.ui.visit_page import VisitPage

            page = VisitPage(self.kb, lambda: self.settings, self.save_indicator,
                             defer_build=defer_build)
            self.workspace.detail.addWidget(page)
            page.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
            page.pdf_ready.connect(self.show_pdf)
            page.visit_changed.connect(self._update_title)
            self._visit_page = page

    def _has_visit(self) -> bool:
        return self._visit_page is not None and self._visit_page.session is not None

    # -- actions -----------------------------------------------------------------------------
    def _build_actions(self) -> None:
        menu = self.menuBar().addMenu("&File")

        def add(text: str, shortcut: QKeySequence | str | None, slot: Callable[[], Any],
                workspace: bool = True) -> QAction:
            action = QAction(text, self)
            if shortcut is not None:
                action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(slot)
            menu.addAction(action)
            self.addAction(action)
            if workspace:
                self.workspace_actions.append(action)
            return action

        self.new_patient_action = add("&New patient", QKeySequence.StandardKey.New,
                                      self.new_patient)
        self.find_action = add("&Find patient", QKeySequence.StandardKey.Find,
                               self.focus_search)
        self.pdf_action = add("Summary &PDF…", QKeySequence.StandardKey.Print, self.print_summary)
        self.import_labs_action = add("&Import labs…", None, self.import_labs)
        menu.addSeparator()
        self.settings_action = add("&Settings…", "Ctrl+,", self.open_settings)
        self.accounts_action = add("&Accounts…", None, self.open_accounts)
        self.emergency_action = add("&Emergency access…", None, self.emergency_access)
        self.password_action = add("Change my pass&word…", None, self.change_password)
        self.lock_action = add("&Lock now", "Ctrl+L", self.lock)
        self.sign_out_action = add("Sign &out", None, self.sign_out)
        menu.addSeparator()
        add("&Quit", QKeySequence.StandardKey.Quit, self.close, workspace=False)

    def _show_page(self, page: int) -> None:
        if page != SIGN_IN:
            self._build_workspace()
        self.pages.setCurrentIndex(page)
        for action in self.workspace_actions:
            action.setEnabled(page == WORKSPACE)
        if page == WORKSPACE:
            self._update_accounts_action()
            self.emergency_action.setEnabled(
                self.services is not None and not self.services.may_read_clinical_data()
            )
        if self._workspace is not None:
            self._show_bars(page != SIGN_IN)
        self._update_title()

    def _update_title(self) -> None:
        page = self.pages.currentIndex()
        if page == LOCKED:
            self.setWindowTitle(f"{TITLE} — locked")
        elif page == WORKSPACE and self._has_visit():
            self.setWindowTitle(f"{TITLE} — {self.visit_page.header.patient_name}")
        else:
            self.setWindowTitle(TITLE)

    # -- signing in, locking -----------------------------------------------------------------
    def check_first_run(self) -> None:
        """No account in the record yet: the sign-in page creates the first one. (A record
        not open yet is checked when the warm-up opens it.)"""
        if self.database is not None:
            self.sign_in.set_setup_mode(not self.database.has_accounts())
        self.sign_in.focus_first()

    def _create_first_account(
        self, username: str, password: str, display_name: str, role: str
    ) -> None:
        if not self._open_database():
            return
        from cramp_dx.services import Services

        try:
            Services.create_account(self.database, username, password, role, display_name)
        except CrampDxError as exc:
            problems = getattr(exc, "problems", None)
            self.sign_in.show_error("\n".join(map(str, problems)) if problems else str(exc))
            return
        self.sign_in.set_setup_mode(False)
        self._sign_in(username, password)

    def _sign_in(self, username: str, password: str) -> None:
        if not self._open_database():
            self.sign_in.show_error(self.database_error or "The record is not open.")
            return
        if self.sign_in.setup_mode:  # the record turned out to have no account yet
            self.sign_in.show_error("No accounts yet: create the first one.")
            return
        from cramp_dx.services import AuthError, Services

        try:
            account = Services.authenticate(self.database, username, password, via="app")
        except AuthError as exc:
            message = str(exc)
            self.sign_in.show_error(message[:1].upper() + message[1:] + ".")
            return
        except CrampDxError as exc:
            self.sign_in.show_error(str(exc))
            return
        self._build_workspace()
        self.account = account
        self.services = Services(self.database, account)
        self.sign_in.reset()
        self.user_label.setText(f"{account.display_name} ({account.role})")
        if self.settings.last_user != username:
            self.settings = self.settings.with_changes(last_user=username)
            self._save_settings()
        self.patient_list.set_services(self.services)
        self.workspace.show_placeholder()
        self._show_page(WORKSPACE)
        self.idle.start()
        wants_demo = not self.patient_list.rows and self.services.may_read_clinical_data()
        if wants_demo and self._offer_demo(self):
            self.patient_list.refresh()
        self.patient_list.search.setFocus()
        if self._warm_up_steps and not self._warm_up_timer.isActive():
            self._warm_up_timer.start(WARM_UP_DELAY_MS)

    def lock(self) -> None:
        """Hide every patient detail (pending edits are saved first, dialogs hidden)."""
        if self.pages.currentIndex() != WORKSPACE:
            return
        if self._visit_page is not None:
            self._visit_page.flush()
        self.idle.stop()
        self._hidden_dialogs = [
            w for w in self.findChildren(QDialog) if w.isVisible()
        ]
        for dialog in self._hidden_dialogs:
            dialog.hide()
        self.statusBar().clearMessage()  # messages may name the patient or a file for them
        self.lock_screen.show_for(self.account.display_name)
        self._show_page(LOCKED)
        self.lock_screen.password.setFocus()
        self.locked.emit()

    def unlock(self, password: str) -> None:
        from cramp_dx.services import AuthError, Services

        try:
            Services.authenticate(self.database, self.account.username, password, via="app unlock")
        except AuthError as exc:
            reason = "Wrong password" if "wrong password" in str(exc) else str(exc)
            self.lock_screen.show_error(f"{reason}. Patient details stay hidden.")
            return
        except CrampDxError as exc:
            self.lock_screen.show_error(f"{exc}. Patient details stay hidden.")
            return
        self._show_page(WORKSPACE)
        for dialog in self._hidden_dialogs:
            dialog.show()
        self._hidden_dialogs = []
        self.idle.start()
        self.unlocked.emit()

    def sign_out(self) -> None:
        if self._visit_page is not None and not self._visit_page.close_visit():
            if self.pages.currentIndex() == LOCKED:
                self.lock_screen.show_error(
                    "A change could not be saved; unlock to resolve it before signing out."
                )
            return
        for dialog in self.findChildren(QDialog):
            dialog.close()
        self._hidden_dialogs = []
        self.idle.stop()
        self.services = self.account = None
        self.statusBar().clearMessage()
        self.patient_list.clear()
        self.workspace.show_placeholder()
        self.user_label.clear()
        self.save_indicator.set_state("idle")
        self.sign_in.username.setText(self.settings.last_user or "")
        self._show_page(SIGN_IN)
        self.sign_in.focus_first()
        if self._pending_database is not None:
            self._switch_database()

    def is_showing_patient_details(self) -> bool:
        return self.pages.currentIndex() == WORKSPACE and self.workspace.isVisible()

    # -- patients ----------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.workspace.unfold_list()
        self.patient_list.search.setFocus()
        self.patient_list.search.selectAll()

    def open_patient(self, patient_id: int) -> None:
        try:
            visits = self.services.list_visits(patient_id)
            if visits:
                latest = max(visits, key=lambda v: (v.visit_date, v.id))
                record = self.services.load_visit(latest.id)
            elif not self.services.may_read_clinical_data():
                self.statusBar().showMessage("This patient has no visits to show.", 10000)
                return
            else:
                record = self.services.create_visit(patient_id, date.today())
        except CrampDxError as exc:
            self.statusBar().showMessage(str(exc), 10000)
            return
        self.open_record(record)

    def open_record(self, record: Any) -> None:
        if not self.visit_page.close_visit():
            return
        self.visit_page.open_visit(self.services, self.account, record)
        # before the visit shows: on a small screen (or at 200 %) the list makes way for it,
        # so the window never grows past the screen
        needed = self.visit_page.minimumSizeHint().width() + SIDE_ROOM_EMS * self.fontMetrics(
        ).horizontalAdvance("M")
        folded = self.workspace.make_room(needed, available_size(self).width())
        self.workspace.detail.setCurrentWidget(self.visit_page)
        self._update_title()
        self.visit_page.editor.section_list.setFocus()
        if folded:
            self.statusBar().showMessage(
                "The patient list is folded away to make room for the visit: Ctrl+F brings it "
                "back.", 10000)

    def new_patient(self) -> None:
        if self.services is None:
            return

        def create(values: dict[str, Any]) -> Any:
            from cramp_dx.case.model import Surgery

            patient = self.services.create_patient(
                values["mrn"], values["family_name"], values["given_name"],
                values["birth_date"], values["sex"],
            )
            surgery = Surgery(date=values["surgery_date"], procedure=values["procedure"],
                              levels=values["levels"])
            return self.services.create_visit(patient.id, values["visit_date"], surgery)

        from cramp_dx.ui.new_patient_dialog import NewPatientDialog

        self._finish_warm_up()
        dialog = NewPatientDialog(create, self)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._created(dialog.created))
        dialog.open()
        # Keyboard users start typing the MRN at once: make sure the dialog, not the window
        # behind it, has the keyboard even where the platform does not activate new windows.
        dialog.activateWindow()
        dialog.mrn.setFocus(QtCore.Qt.FocusReason.ActiveWindowFocusReason)
        self.new_patient_dialog = dialog

    def _created(self, record: Any) -> None:
        self.patient_list.refresh()
        self.open_record(record)
        self.activateWindow()
        # the new patient's visit, at its first field, once the window has the keyboard back
        QTimer.singleShot(0, self.visit_page.editor.focus_first_field)

    def emergency_access(self) -> None:
        """Break the glass: open one patient's record, read only, with a stated reason."""
        if self.services is None:
            return
        from cramp_dx.ui.emergency_dialog import EmergencyAccessDialog

        self._finish_warm_up()
        dialog = EmergencyAccessDialog(self.services.emergency_access, self)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.open_patient(dialog.opened.id))
        dialog.open()
        dialog.activateWindow()
        self.emergency_dialog = dialog

    # -- PDF, settings -----------------------------------------------------------------------
    def print_summary(self) -> None:
        if self._has_visit():
            self.visit_page.generate_pdf()

    def import_labs(self, path: Path | None = None) -> Any:
        """File → Import labs…: an HL7 v2 or FHIR file from the laboratory into the open visit."""
        if not self._has_visit():
            self.statusBar().showMessage("Open a visit first: labs are imported into it.", 8000)
            return None
        if path is None:
            from PySide6.QtWidgets import QFileDialog

            chosen, _ = QFileDialog.getOpenFileName(
                self, "Import labs", str(Path.home()), "Lab results (*.hl7 *.txt *.json);;All files (*)"
            )
            if not chosen:
                return None
            path = Path(chosen)
        return self.visit_page.import_labs(path)

    def show_pdf(self, path: Path) -> None:
        if self.preview is not None:
            self.preview.close()
        from cramp_dx.ui.pdf_preview import PdfPreview

        self.preview = PdfPreview(path, self, send=self.visit_page.print_pdf)
        self.visit_page.printed.connect(self.preview.info.setText)
        self.preview.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        self.preview.destroyed.connect(lambda *_: setattr(self, "preview", None))
        self.preview.open()
        self.preview.activateWindow()  # the keyboard goes to the preview (see new_patient)

    def open_settings(self) -> None:
        from cramp_dx.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._settings_saved(dialog.saved))
        dialog.open()
        self.settings_dialog = dialog

    # -- accounts ----------------------------------------------------------------------------
    def _update_accounts_action(self) -> None:
        """Accounts is for an admin, or a physician while the record has no active admin."""
        from cramp_dx.ui.accounts_dialog import may_manage_accounts

        self.accounts_action.setEnabled(
            self.services is not None and may_manage_accounts(self.services)
        )

    def open_accounts(self) -> None:
        self._open_accounts_dialog(password_only=False)

    def change_password(self) -> None:
        self._open_accounts_dialog(password_only=True)

    def _open_accounts_dialog(self, *, password_only: bool) -> None:
        if self.services is None:
            return
        from cramp_dx.ui.accounts_dialog import AccountsDialog, may_manage_accounts

        self._finish_warm_up()
        dialog = AccountsDialog(self.services, may_add=may_manage_accounts(self.services),
                                password_only=password_only, parent=self)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self._accounts_closed(dialog.done_message))
        dialog.open()
        dialog.activateWindow()  # the keyboard goes to the dialog (see new_patient)
        self.accounts_dialog = dialog

    def _accounts_closed(self, done_message: str) -> None:
        if self.services is None:  # signed out meanwhile
            return
        self._update_accounts_action()
        if done_message:
            self.statusBar().showMessage(done_message, 8000)

    def _settings_saved(self, settings: Settings | None) -> None:
        if settings is None:
            return
        database_changed = settings.database_url != self.settings.database_url
        self.settings = settings
        if not self._idle_injected:
            self.idle.set_interval_ms(settings.idle_lock_minutes * 60_000)
        if self._visit_page is not None:
            self._visit_page.reassess()
        self.statusBar().showMessage("Settings saved.", 5000)
        if database_changed:
            self._pending_database = settings.database_url or ""
            if self.confirm_switch_database():
                self.sign_out()
            else:
                self.statusBar().showMessage(
                    "Settings saved. The new database opens when you sign out.", 10000
                )

    def confirm_switch_database(self) -> bool:
        answer = QMessageBox.question(
            self, "Database changed",
            "The new database opens when you sign out (your changes here are saved first). "
            "Sign out now?",
        )
        return answer == QMessageBox.StandardButton.Yes

    def _switch_database(self) -> None:
        """Open the database the settings now name (after sign-out, so no visit is open on
        the old one). If it cannot be opened, the old one stays and the sign-in page says why."""
        url, self._pending_database = self._pending_database, None
        from cramp_dx.store import open_database

        try:
            database = open_database(url or None)
        except CrampDxError as exc:
            self.sign_in.show_error(
                f"The new database could not be opened, so the previous one is still in use: {exc}"
            )
            return
        old, self.database = self.database, database
        if self._owns_database:
            old.dispose()  # one this window opened; the caller disposes the one it was given
        self._owns_database = True
        self.check_first_run()
        self.sign_in.show_notice(f"Now using the database {database.describe()}.")

    def _save_settings(self) -> None:
        if not self.persist_settings:
            return
        try:
            save_settings(self.settings)
        except (CrampDxError, OSError) as exc:
            self.statusBar().showMessage(f"Settings not saved: {exc}", 8000)

    def _ask_demo(self, parent: QWidget) -> bool:
        from cramp_dx.ui.demo import add_demo_patients, demo_available

        if not demo_available():
            return False
        answer = QMessageBox.question(
            parent, "Empty record",
            "The record has no patients yet. Add the fictional demo patients to try the app?",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        try:
            count = add_demo_patients(self.services)
        except CrampDxError as exc:
            self.statusBar().showMessage(f"Demo patients not added: {exc}", 10000)
            return False
        self.statusBar().showMessage(f"Added {count} demo patients.", 8000)
        return True

    # -- closing -----------------------------------------------------------------------------
    def confirm_quit(self) -> bool:
        answer = QMessageBox.question(
            self, "Unsaved change",
            "A change could not be saved (see the message). Quit anyway and lose it?",
        )
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event: QCloseEvent) -> None:
        page = self._visit_page
        if page is not None and not page.close_visit() and not self.confirm_quit():
            event.ignore()
            return
        if page is not None:
            page.shutdown()  # a save still in flight is finished before the record closes
        self.idle.detach()
        if self._owns_database:
            self.database.dispose()
        event.accept()

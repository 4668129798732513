"""Accounts (File ▸ Accounts…): an admin lists the record's accounts, adds one, sets a
password, disables or enables one; a physician adds accounts while the record has no active
admin; anyone changes their own password (File ▸ Change my password… opens the dialog on that
form alone). Every change is a service call, so the service's role checks and audit apply;
what was done, or why not, is said in words under the table."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cramp_dx.errors import CrampDxError, InputError, Problem
from cramp_dx.ui.account_form import ADD, AccountForm
from cramp_dx.ui.screen_fit import fit_to_screen

COLUMNS = ("User name", "Display name", "Role", "State")


def _state(account: Any) -> str:
    """The status column: active or disabled, and a lock after failed sign-ins."""
    state = "active" if account.active else "disabled"
    if account.locked_until is not None:
        state += f", locked until {account.locked_until.astimezone():%H:%M}"
    return state


def may_manage_accounts(services: Any) -> bool:
    """Whether the signed-in account may open Accounts: an admin, or a physician while the
    record has no active admin (the service's own rule for adding accounts, which it enforces
    whatever this says). One small query, and only for a physician."""
    try:
        return bool(services.may_add_accounts())
    except CrampDxError:  # the record cannot be read: off, as the service would decide
        return False


class AccountsDialog(QDialog):
    """`services`: the signed-in user's; `may_add`: see may_manage_accounts;
    `password_only`: just the form changing the user's own password (accepted once done).
    `done_message` says what was last done, for the window's status bar."""

    def __init__(
        self,
        services: Any,
        *,
        may_add: bool,
        password_only: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.me = services.account
        self.admin = self.me.role == "admin" and not password_only
        self.may_add = may_add and not password_only
        self.password_only = password_only
        self.done_message = ""
        self.accounts: list[Any] = []
        self.setObjectName("accountsDialog")
        self.setWindowTitle("Change my password" if password_only else "Accounts")

        self.intro = QLabel(self._intro_text())
        self.intro.setWordWrap(True)
        self.intro.setAccessibleName("About accounts")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("accountsTable")
        self.table.setAccessibleName("Accounts")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table for the buttons
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)

        self.add_button = _button("&Add account…", self._start_add)
        self.password_button = _button("Set &password…", self._start_set_password)
        self.disable_button = _button("&Disable", lambda: self._set_active(False))
        self.enable_button = _button("&Enable", lambda: self._set_active(True))
        self.unlock_button = _button("&Unlock", self._unlock)
        self.own_password_button = _button("Change &my password…", self._start_own_password)
        self.close_button = _button("Close", self.reject)
        for button, tip in (
            (self.password_button, "A new password for the selected account"),
            (self.disable_button, "The selected account can no longer sign in; its records "
                                  "and audit trail stay"),
            (self.enable_button, "The selected account can sign in again"),
            (self.unlock_button, "The selected account, locked after repeated failed sign-ins, "
                                 "can sign in again now"),
        ):
            button.setToolTip(tip)
            button.setAccessibleDescription(tip)
        self.status = QLabel()
        self.status.setAccessibleName("What was done")
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setAccessibleName("Why it was not done")
        for label in (self.status, self.error):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)  # service messages quote user input
            label.hide()

        side = QVBoxLayout()
        side.addWidget(self.add_button)
        side.addSpacing(self.fontMetrics().lineSpacing())
        for button in (self.password_button, self.disable_button, self.enable_button,
                       self.unlock_button):
            side.addWidget(button)
        if self.admin:
            side.addStretch(1)  # your own password apart, under the table's actions
        side.addWidget(self.own_password_button)
        if not self.admin:
            side.addStretch(1)  # the buttons stay at the top, under the words
        body = QHBoxLayout()
        body.addWidget(self.table, 1)
        body.addLayout(side)
        if not self.admin:  # no list: the buttons alone, on the left
            for widget in (self.table, self.password_button, self.disable_button,
                           self.enable_button, self.unlock_button):
                widget.hide()
            body.addStretch(1)
        self.add_button.setVisible(self.may_add)
        closing = QHBoxLayout()
        closing.addStretch(1)
        closing.addWidget(self.close_button)
        self.list_page = QWidget()
        list_layout = QVBoxLayout(self.list_page)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addWidget(self.intro)
        list_layout.addLayout(body, 1)
        list_layout.addWidget(self.status)
        list_layout.addWidget(self.error)
        list_layout.addLayout(closing)

        self.form = AccountForm()
        self.form.submitted.connect(self._submit_form)
        self.form.cancelled.connect(self._cancel_form)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.list_page)
        self.pages.addWidget(self.form)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        order = [self.table, self.add_button, self.password_button, self.disable_button,
                 self.enable_button, self.unlock_button, self.own_password_button,
                 self.close_button]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

        # no fixed minimum: the layout's own (every field and role in full) is the minimum
        em = self.fontMetrics().horizontalAdvance("M")
        line = self.fontMetrics().lineSpacing()
        if self.admin:
            fit_to_screen(self, QSize(em * 68, line * 28))
        else:
            fit_to_screen(self, QSize(em * 48, line * 18))
        if password_only:
            self._start_own_password()
        else:
            self.refresh()
            self._show_list()

    def _intro_text(self) -> str:
        if self.admin:
            return ("Everyone who signs in to this record. A disabled account cannot sign in; "
                    "its records and audit trail stay.")
        if self.may_add:
            return ("This record has no active admin account, so as a physician you may add "
                    "accounts. Once an admin account exists, the admin manages accounts.")
        return "Accounts are managed by an admin. You can change your own password here."

    # -- the table ---------------------------------------------------------------------------
    def refresh(self, select: str | None = None) -> None:
        """Re-read the accounts (admin); keep `select`, or the selected account, selected."""
        if not self.admin:
            return
        keep = select or self._selected_username()
        try:
            self.accounts = self.services.list_accounts()
        except CrampDxError as exc:
            self._refused(str(exc))
            return
        self.table.setRowCount(len(self.accounts))
        for row, account in enumerate(self.accounts):
            you = account.username == self.me.username
            cells = (
                f"{account.username} (you)" if you else account.username,
                account.display_name,
                account.role,
                _state(account),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, account.username)
                if not account.active:  # greyed as well as the word "disabled"
                    item.setForeground(self.palette().color(QPalette.ColorRole.PlaceholderText))
                self.table.setItem(row, column, item)
            if account.username == keep:
                self.table.selectRow(row)
        if self._selected_username() is None and self.accounts:
            self.table.selectRow(0)
        self._update_buttons()

    def row_of(self, username: str) -> int:
        return next((i for i, a in enumerate(self.accounts) if a.username == username), -1)

    def selected(self) -> Any:
        username = self._selected_username()
        return next((a for a in self.accounts if a.username == username), None)

    def _selected_username(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _update_buttons(self) -> None:
        account = self.selected()
        self.password_button.setEnabled(account is not None)
        self.disable_button.setEnabled(account is not None and account.active)
        self.enable_button.setEnabled(account is not None and not account.active)
        self.unlock_button.setEnabled(account is not None and account.locked_until is not None)

    def _unlock(self) -> None:
        account = self.selected()
        if account is None:
            return
        try:
            self.services.unlock(account.username)
        except CrampDxError as exc:
            self._refused(str(exc))
            return
        self.refresh(select=account.username)
        self._done(f"Unlocked {account.username}: they can sign in again now.")
        self.table.setFocus()

    # -- actions on the list page ------------------------------------------------------------
    def _set_active(self, active: bool) -> None:
        account = self.selected()
        if account is None:
            return
        if not active and account.username == self.me.username:
            self._refused("You cannot disable your own account: you could not sign in again. "
                          "Another admin can disable it.")
            return
        try:
            self.services.set_active(account.username, active)
        except CrampDxError as exc:
            self._refused(str(exc))
            return
        self.refresh(select=account.username)
        if active:
            self._done(f"Enabled {account.username}: they can sign in again.")
        else:
            self._done(f"Disabled {account.username}: they can no longer sign in. Their records "
                       "and audit trail stay; Enable lets them sign in again.")
        (self.enable_button if not active else self.disable_button).setFocus()

    def _done(self, text: str) -> None:
        self.done_message = text
        self.error.hide()
        self.status.setText(text)
        self.status.show()

    def _refused(self, text: str) -> None:
        self.status.hide()
        self.error.setText(text)
        self.error.show()

    # -- the form ----------------------------------------------------------------------------
    def _start_add(self) -> None:
        self.form.start_add()
        self._show_form()

    def _start_set_password(self) -> None:
        account = self.selected()
        if account is not None:
            self.form.start_password(account.username, account.display_name,
                                     own=account.username == self.me.username)
            self._show_form()

    def _start_own_password(self) -> None:
        self.form.start_password(self.me.username, self.me.display_name, own=True)
        self._show_form()

    def _submit_form(self) -> None:
        values = self.form.values()
        try:
            done = self._add(values) if self.form.mode == ADD else self._set_password(values)
        except InputError as exc:
            self.form.show_problems(exc.problems)
            return
        except CrampDxError as exc:
            self.form.show_problems([Problem("", str(exc))])
            return
        if done is None:
            return
        if self.password_only:
            self.done_message = done
            self.accept()
            return
        self._show_list()
        self._done(done)

    def _add(self, values: dict[str, str]) -> str:
        from cramp_dx.services import Services

        account = Services.create_account(
            self.services.db, values["username"], values["password"], values["role"],
            values["display_name"] or None, actor=self.me,
        )
        self.refresh(select=account.username)
        done = f"Added {account.username} ({account.role}); they can sign in now."
        if not self.admin and account.role == "admin":
            self.may_add = False
            self.add_button.hide()
            done += " From now on the admin manages accounts."
        return done

    def _set_password(self, values: dict[str, str]) -> str | None:
        from cramp_dx.services import AuthError, Services

        target = self.form.target
        own = target == self.me.username
        if own:
            try:
                Services.authenticate(self.services.db, target, values["current"], via="app")
            except AuthError:
                self.form.show_problems([Problem("current", "not your current password")])
                return None
        self.services.set_password(target, values["password"])
        return "Your password was changed." if own else f"Password changed for {target}."

    def _cancel_form(self) -> None:
        if self.password_only:
            self.reject()
        else:
            self._show_list()

    # -- pages and keys ----------------------------------------------------------------------
    def _show_list(self) -> None:
        self.pages.setCurrentWidget(self.list_page)
        self.close_button.setDefault(True)
        if self.admin:
            self.table.setFocus()
        else:
            (self.add_button if self.may_add else self.own_password_button).setFocus()

    def _show_form(self) -> None:
        self.status.hide()
        self.error.hide()
        self.pages.setCurrentWidget(self.form)
        self.form.submit_button.setDefault(True)
        self.form.focus_first()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Escape on the form goes back to the list (the dialog's Escape closes it)."""
        on_form = self.pages.currentWidget() is self.form
        if event.key() == Qt.Key.Key_Escape and on_form and not self.password_only:
            self._show_list()
            return
        super().keyPressEvent(event)


def _button(text: str, slot: Any) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(text.replace("&", "").rstrip("…"))
    button.clicked.connect(slot)
    return button

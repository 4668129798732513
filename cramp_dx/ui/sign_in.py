"""Sign-in page: the clinic's accounts, last user remembered.

This is the first thing painted, so it is built without the `Qt` namespace (PySide6 creates
its ~90 enum types on first use, about 13 ms); the warm-up pays for that after the paint."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cramp_dx.ui.card import card_page


class SignInWidget(QWidget):
    """Asks for user name and password; `submitted(username, password)` is handled by the
    app, which calls `show_error` when authentication fails."""

    submitted = Signal(str, str)
    setup_submitted = Signal(str, str, str, str)  # username, password, display name, role

    def __init__(self, last_user: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signIn")
        card = card_page(self)

        title = QLabel("<h2>cramp_dx</h2>Leg cramps and leg pain after lumbar spine surgery")
        title.setWordWrap(True)

        self.username = QLineEdit(last_user or "")
        self.username.setAccessibleName("User name")
        self.username.setObjectName("username")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.password.setObjectName("password")
        self.error = QLabel("")
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Sign-in message")
        self.error.hide()
        self.notice = QLabel("")
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName("Sign-in notice")
        self.notice.hide()
        self.button = QPushButton("Sign in")
        self.button.setDefault(True)
        self.button.setAccessibleName("Sign in")

        self.setup_note = QLabel(
            "No accounts yet. Create the first one: a physician or an admin (a nurse could "
            "not add anyone). More, nurses too, are added under File → Accounts… by an admin, "
            "or by a physician while the record has no admin."
        )
        self.setup_note.setWordWrap(True)
        self.display_name = QLineEdit()
        self.display_name.setAccessibleName("Display name")
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm.setAccessibleName("Repeat password")
        self.role = QComboBox()
        self.role.setAccessibleName("Role")
        for role in ("physician", "admin"):  # not a nurse: nobody could add the next account
            self.role.addItem(role, role)
        self.role.setToolTip("The first account is a physician or an admin; nurses are added "
                             "afterwards under File → Accounts…")
        form = QFormLayout()
        form.addRow("&User name", self.username)
        form.addRow("&Password", self.password)
        form.addRow("&Repeat password", self.confirm)
        form.addRow("&Display name", self.display_name)
        form.addRow("R&ole", self.role)
        self._form = form

        inner = QVBoxLayout(card)
        inner.setContentsMargins(24, 24, 24, 24)
        inner.setSpacing(12)
        inner.addWidget(title)
        inner.addWidget(self.setup_note)
        inner.addLayout(form)
        inner.addWidget(self.notice)
        inner.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.button)
        inner.addLayout(buttons)

        self.button.clicked.connect(self._submit)
        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self._submit)
        QWidget.setTabOrder(self.username, self.password)
        QWidget.setTabOrder(self.password, self.confirm)
        QWidget.setTabOrder(self.confirm, self.display_name)
        QWidget.setTabOrder(self.display_name, self.role)
        QWidget.setTabOrder(self.role, self.button)
        self.setup_mode = False
        self.set_setup_mode(False)

    def set_setup_mode(self, setup: bool) -> None:
        """First run: create the first account instead of signing in."""
        self.setup_mode = setup
        self.setup_note.setVisible(setup)
        for widget in (self.confirm, self.display_name, self.role):
            widget.setVisible(setup)
            self._form.labelForField(widget).setVisible(setup)
        self.button.setText("Create account and sign in" if setup else "Sign in")

    def focus_first(self) -> None:
        (self.password if self.username.text() else self.username).setFocus()

    def _submit(self) -> None:
        username = self.username.text().strip()
        if not username:
            self.show_error("Enter your user name.")
            self.username.setFocus()
            return
        if self.setup_mode:
            if self.password.text() != self.confirm.text():
                self.show_error("The two passwords differ.")
                return
            self.setup_submitted.emit(username, self.password.text(),
                                      self.display_name.text().strip() or username,
                                      self.role.currentData())
            return
        self.submitted.emit(username, self.password.text())

    def show_notice(self, message: str) -> None:
        """Information for the next person signing in (not an error)."""
        self.notice.setText(message)
        self.notice.show()

    def show_error(self, message: str) -> None:
        from cramp_dx.store.secrets import mask  # a database URL's password is never shown

        self.error.setText(mask(message))
        self.error.show()
        self.password.clear()
        self.confirm.clear()
        self.password.setFocus()

    def reset(self) -> None:
        self.password.clear()
        self.error.hide()
        self.notice.hide()

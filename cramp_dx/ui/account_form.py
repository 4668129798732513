"""The form of the Accounts dialog: a new account (user name, display name, role, password
twice), or a new password for one account (twice; your current one first when it is yours).
It only collects and checks what the service cannot (the two entries agree); the service
judges the rest, and its problems are shown here beside the field they name."""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import Qt, Signal
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

from cramp_dx.errors import Problem
from cramp_dx.services.service import MIN_PASSWORD_LENGTH

ROLE_CHOICES = (  # (role, name in the list, what it may do: shown under the list)
    ("nurse", "Nurse", "Takes the intake: patient, surgery, history, comorbidities, vitals, "
                       "medications; cannot sign."),
    ("physician", "Physician", "All clinical work, and signs visits."),
    ("admin", "Admin", "Manages accounts; no clinical work."),
)
FIELD_LABELS = {
    "username": "User name",
    "display_name": "Display name",
    "role": "Role",
    "current": "Current password",
    "password": "New password",
    "confirm": "Repeat password",
}
ADD, PASSWORD = "add", "password"


class AccountForm(QWidget):
    """`submitted` when the submit button (or Enter) is used and the two password entries
    agree; `cancelled` on Cancel. The dialog calls the service and `show_problems`."""

    submitted = Signal()
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accountForm")
        self.mode = ADD
        self.target = ""  # the account whose password is set (PASSWORD mode)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setAccessibleName("Form title")
        self.account_label = QLabel()
        self.account_label.setWordWrap(True)
        self.account_label.setAccessibleName("Account")
        self.account_label.setTextFormat(Qt.TextFormat.PlainText)  # a display name is not markup

        self.username = QLineEdit()
        self.username.setMaxLength(80)
        self.username.setPlaceholderText("letters, digits or . _ @ -")
        self.display_name = QLineEdit()
        self.display_name.setPlaceholderText("e.g. Dr Ada Ng; empty: the user name")
        self.role = QComboBox()
        for role, text, may in ROLE_CHOICES:
            self.role.addItem(text, role)
            self.role.setItemData(self.role.count() - 1, may, Qt.ItemDataRole.ToolTipRole)
        self.role_help = QLabel()
        self.role_help.setWordWrap(True)
        self.role_help.setAccessibleName("What the role may do")
        self.role.currentIndexChanged.connect(self._explain_role)
        self._explain_role()
        self.current = _password_edit()
        self.password = _password_edit()
        self.confirm = _password_edit()
        self.password.setPlaceholderText(f"at least {MIN_PASSWORD_LENGTH} characters")
        self.fields = {
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role,
            "current": self.current,
            "password": self.password,
            "confirm": self.confirm,
        }
        mnemonics = {
            "username": "&User name", "display_name": "&Display name", "role": "R&ole",
            "current": "C&urrent password", "password": "&New password",
            "confirm": "&Repeat password",
        }
        self.labels = dict(FIELD_LABELS)
        self.form = QFormLayout()
        metrics = self.fontMetrics()  # spacing that grows with 125 % / 200 % text
        self.form.setHorizontalSpacing(max(6, metrics.horizontalAdvance("M")))
        self.form.setVerticalSpacing(max(6, metrics.lineSpacing() // 3))
        self.form.addRow("Account", self.account_label)
        # the role and what it may do in one field: a wrapped label on a row of its own gets
        # the height of its narrowest layout, leaving a gap
        self.role_box = QWidget()
        self.role_box.setFocusProxy(self.role)
        role_layout = QVBoxLayout(self.role_box)
        role_layout.setContentsMargins(0, 0, 0, 0)
        role_layout.addWidget(self.role)
        role_layout.addWidget(self.role_help)
        for key, widget in self.fields.items():
            widget.setAccessibleName(FIELD_LABELS[key])
            self.form.addRow(mnemonics[key], self.role_box if widget is self.role else widget)

        self.problems = QLabel()
        self.problems.setObjectName("errorText")
        self.problems.setWordWrap(True)
        self.problems.setAccessibleName("Problems with the form")
        self.problems.setTextFormat(Qt.TextFormat.PlainText)
        self.problems.hide()
        self.submit_button = QPushButton()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel")
        self.submit_button.clicked.connect(self._submit)
        self.cancel_button.clicked.connect(self.cancelled)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.submit_button)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addLayout(self.form)
        layout.addWidget(self.problems)
        layout.addStretch(1)
        layout.addLayout(buttons)
        order = [*self.fields.values(), self.submit_button, self.cancel_button]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

    # -- the two modes -----------------------------------------------------------------------
    def start_add(self) -> None:
        self.mode, self.target = ADD, ""
        self.heading.setText("<b>Add an account</b><br>The new account can sign in at once.")
        self._show_rows({"username", "display_name", "role", "password", "confirm"})
        self.form.setRowVisible(self.account_label, False)
        self._clear()
        self.role.setCurrentIndex(0)
        self._set_submit("&Add account")
        self._name_password_field("Password", "&Password")

    def start_password(self, username: str, display_name: str, own: bool) -> None:
        """A new password for `username`; `own`: the signed-in user's, so the current one is
        asked for too."""
        self.mode, self.target = PASSWORD, username
        self.heading.setText(
            "<b>Change your password</b><br>Use it from your next sign-in or unlock on."
            if own else
            f"<b>New password for {_escape(username)}</b><br>Tell them the new password; "
            "they can change it themselves after signing in."
        )
        self.account_label.setText(
            username if display_name in ("", username) else f"{username} ({display_name})"
        )
        self._show_rows({"current", "password", "confirm"} if own else {"password", "confirm"})
        self.form.setRowVisible(self.account_label, True)
        self._clear()
        self._set_submit("&Set password")
        self._name_password_field("New password", "&New password")

    def focus_first(self) -> None:
        """Focus the first field shown (call once the form is visible)."""
        first = next(w for w in self.fields.values() if w.isVisibleTo(self))
        first.setFocus()

    # -- values and problems -----------------------------------------------------------------
    def values(self) -> dict[str, str]:
        return {
            "username": self.username.text().strip(),
            "display_name": self.display_name.text().strip(),
            "role": self.role.currentData(),
            "current": self.current.text(),
            "password": self.password.text(),
        }

    def _name_password_field(self, label: str, mnemonic: str) -> None:
        """"Password" for a new account, "New password" when one is replaced."""
        self.labels["password"] = label
        self.password.setAccessibleName(label)
        row_label = self.form.labelForField(self.password)
        if isinstance(row_label, QLabel):
            row_label.setText(mnemonic)

    def show_problems(self, problems: list[Problem]) -> None:
        """Each problem named by its field's label (`password: …` → `New password: …`), the
        field marked, and the first such field focused."""
        lines, marked = [], []
        for problem in problems:
            key = "" if problem.path not in self.fields else problem.path
            label = self.labels.get(key, problem.path)
            message = problem.message.rstrip()
            if not message.endswith((".", "!", "?")):
                message += "."
            lines.append(f"{label}: {message}" if label else message)
            if key and self.fields[key].isVisibleTo(self):
                marked.append(self.fields[key])
        for widget in self.fields.values():
            _mark(widget, widget in marked)
        self.problems.setText("\n".join(lines))
        self.problems.show()
        if marked:
            marked[0].setFocus()
        if self.password in marked or self.confirm in marked:
            self.password.clear()
            self.confirm.clear()

    def _submit(self) -> None:
        if self.password.text() != self.confirm.text():
            self.show_problems([Problem("confirm", "the two entries differ; type the same "
                                                   "password in both fields")])
            self.password.setFocus()
            return
        self.submitted.emit()

    def _set_submit(self, text: str) -> None:
        self.submit_button.setText(text)
        self.submit_button.setAccessibleName(text.replace("&", ""))

    def _show_rows(self, keys: set[str]) -> None:
        for key, widget in self.fields.items():
            self.form.setRowVisible(self.role_box if widget is self.role else widget, key in keys)

    def _explain_role(self) -> None:
        self.role_help.setText(ROLE_CHOICES[max(0, self.role.currentIndex())][2])
        self.role.setAccessibleDescription(self.role_help.text())

    def _clear(self) -> None:
        for edit in (self.username, self.display_name, self.current, self.password, self.confirm):
            edit.clear()
        for widget in self.fields.values():
            _mark(widget, False)
        self.problems.clear()
        self.problems.hide()


def _password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def _mark(widget: QWidget, invalid: bool) -> None:
    if bool(widget.property("invalid")) == invalid:
        return
    widget.setProperty("invalid", invalid)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

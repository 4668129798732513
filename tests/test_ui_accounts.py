"""File ▸ Accounts…: an admin adds, disables and enables accounts and sets passwords without a
terminal; a physician adds accounts while the record has no active admin; everyone changes
their own password (File ▸ Change my password…). Every change goes through the service, so
what the dialog says was done is what the record now lets happen at sign-in."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QPushButton
from support.ui import (  # noqa: F401 - fixtures
    PASSWORDS,
    click,
    clinic,
    make_window,
    no_leaked_windows,
    sign_in,
)

from cramp_dx.services import AuthError, Services

pytestmark = pytest.mark.gui



def _no_active_admin(clinic) -> None:  # noqa: F811
    """A record whose only admin was disabled (outside the app: an admin cannot disable
    themself), so a physician may add accounts."""
    from sqlalchemy import text

    with clinic.db.transaction() as session:
        session.execute(text("UPDATE account SET active = false WHERE username = 'admin'"))

def open_accounts(qtbot, window):
    window.accounts_action.trigger()
    dialog = window.accounts_dialog
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=2000)
    return dialog


def select(qtbot, dialog, username: str) -> None:
    """Click the account's row in the table."""
    row = dialog.row_of(username)
    assert row >= 0, f"{username} is not listed"
    rect = dialog.table.visualRect(dialog.table.model().index(row, 1))
    qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert dialog.selected().username == username


def fill_new_account(qtbot, dialog, username: str, password: str, again: str,
                     role: str = "nurse") -> None:
    click(qtbot, dialog.add_button)
    form = dialog.form
    assert form.isVisible()
    qtbot.keyClicks(form.username, username)
    qtbot.keyClicks(form.display_name, f"{username.title()} Tester")
    form.role.setCurrentIndex(form.role.findData(role))
    qtbot.keyClicks(form.password, password)
    qtbot.keyClicks(form.confirm, again)
    qtbot.keyClick(form.confirm, Qt.Key.Key_Return)


def can_sign_in(clinic, username: str, password: str) -> bool:  # noqa: F811
    try:
        Services.authenticate(clinic.db, username, password)
    except AuthError:
        return False
    return True


def usernames(clinic) -> list[str]:  # noqa: F811
    return [a.username for a in clinic.services("admin").list_accounts()]


def test_an_admin_adds_a_nurse_who_can_then_sign_in(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "admin")
    dialog = open_accounts(qtbot, window)

    fill_new_account(qtbot, dialog, "kim", "kim-secret-1", "kim-secret-1")

    assert dialog.list_page.isVisible()
    assert "Added kim (nurse)" in dialog.status.text()
    assert dialog.selected().username == "kim"
    account = Services.authenticate(clinic.db, "kim", "kim-secret-1")
    assert (account.role, account.display_name) == ("nurse", "Kim Tester")
    dialog.close()


def test_a_mismatched_password_is_explained_and_nothing_is_created(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "admin")
    dialog = open_accounts(qtbot, window)

    fill_new_account(qtbot, dialog, "kim", "kim-secret-1", "kim-secret-2")

    assert dialog.form.isVisible()
    assert dialog.form.problems.isVisible()
    assert "Repeat password: the two entries differ" in dialog.form.problems.text()
    assert dialog.form.confirm.property("invalid") is True
    assert "kim" not in usernames(clinic)
    dialog.close()


def test_a_short_password_is_explained_and_nothing_is_created(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "admin")
    dialog = open_accounts(qtbot, window)

    fill_new_account(qtbot, dialog, "kim", "short", "short")

    assert dialog.form.isVisible()
    assert "Password: at least 8 characters" in dialog.form.problems.text()
    assert dialog.form.password.property("invalid") is True
    assert "kim" not in usernames(clinic)
    dialog.close()


def test_a_taken_user_name_is_explained_and_the_form_stays_open(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "admin")
    dialog = open_accounts(qtbot, window)

    fill_new_account(qtbot, dialog, "nurse", "other-secret-1", "other-secret-1", role="admin")

    assert dialog.form.isVisible()
    assert "User name: 'nurse' is already taken" in dialog.form.problems.text()
    assert dialog.form.username.text() == "nurse"
    assert can_sign_in(clinic, "nurse", PASSWORDS["nurse"])
    assert not can_sign_in(clinic, "nurse", "other-secret-1")
    dialog.close()


def test_an_admin_disables_an_account_which_then_cannot_sign_in(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "admin")
    dialog = open_accounts(qtbot, window)
    select(qtbot, dialog, "nurse")

    click(qtbot, dialog.disable_button)

    assert "Disabled nurse" in dialog.status.text()
    assert dialog.table.item(dialog.row_of("nurse"), 3).text() == "disabled"
    assert dialog.enable_button.isEnabled() and not dialog.disable_button.isEnabled()
    assert not can_sign_in(clinic, "nurse", PASSWORDS["nurse"])
    dialog.close()


def test_an_admin_enables_a_disabled_account_which_can_sign_in_again(make_window, qtbot, clinic):  # noqa: F811
    clinic.services("admin").set_active("nurse", False)
    window = make_window()
    sign_in(qtbot, window, "admin")
    dialog = open_accounts(qtbot, window)
    select(qtbot, dialog, "nurse")
    assert dialog.table.item(dialog.row_of("nurse"), 3).text() == "disabled"

    click(qtbot, dialog.enable_button)

    assert "Enabled nurse" in dialog.status.text()
    assert dialog.table.item(dialog.row_of("nurse"), 3).text() == "active"
    assert can_sign_in(clinic, "nurse", PASSWORDS["nurse"])
    dialog.close()


def test_an_admin_cannot_disable_their_own_account(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "admin")
    dialog = open_accounts(qtbot, window)
    select(qtbot, dialog, "admin")

    click(qtbot, dialog.disable_button)

    assert dialog.error.isVisible()
    assert "cannot disable your own account" in dialog.error.text()
    assert dialog.table.item(dialog.row_of("admin"), 3).text() == "active"
    assert can_sign_in(clinic, "admin", PASSWORDS["admin"])
    dialog.close()


def test_an_admin_sets_another_accounts_password(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "admin")
    dialog = open_accounts(qtbot, window)
    select(qtbot, dialog, "nurse")

    click(qtbot, dialog.password_button)
    assert not dialog.form.current.isVisible()  # not the admin's own: no current password
    qtbot.keyClicks(dialog.form.password, "fresh-nurse-1")
    qtbot.keyClicks(dialog.form.confirm, "fresh-nurse-1")
    qtbot.keyClick(dialog.form.confirm, Qt.Key.Key_Return)

    assert "Password changed for nurse" in dialog.status.text()
    assert can_sign_in(clinic, "nurse", "fresh-nurse-1")
    dialog.close()


def test_accounts_is_disabled_for_a_nurse(make_window, qtbot):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "nurse")
    assert not window.accounts_action.isEnabled()
    assert window.password_action.isEnabled()


def test_accounts_is_disabled_for_a_physician_when_an_admin_exists(make_window, qtbot):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "doc")
    assert not window.accounts_action.isEnabled()


def test_a_physician_adds_accounts_while_the_record_has_no_active_admin(
    make_window, qtbot, clinic  # noqa: F811
):
    _no_active_admin(clinic)
    window = make_window()
    sign_in(qtbot, window, "doc")
    assert window.accounts_action.isEnabled()
    dialog = open_accounts(qtbot, window)
    assert not dialog.table.isVisible()  # listing accounts stays an admin's

    fill_new_account(qtbot, dialog, "kim", "kim-secret-1", "kim-secret-1")

    assert "Added kim (nurse)" in dialog.status.text()
    assert can_sign_in(clinic, "kim", "kim-secret-1")
    dialog.close()


def test_once_a_physician_has_added_an_admin_accounts_is_the_admins(
    make_window, qtbot, clinic  # noqa: F811
):
    _no_active_admin(clinic)
    window = make_window()
    sign_in(qtbot, window, "doc")
    dialog = open_accounts(qtbot, window)

    fill_new_account(qtbot, dialog, "boss", "boss-secret-1", "boss-secret-1", role="admin")

    assert "the admin manages accounts" in dialog.status.text()
    assert not dialog.add_button.isVisible()
    dialog.close()
    assert not window.accounts_action.isEnabled()


def test_a_user_changes_their_own_password_and_signs_in_with_the_new_one(
    make_window, qtbot, clinic  # noqa: F811
):
    window = make_window()
    sign_in(qtbot, window, "nurse")
    window.password_action.trigger()
    dialog = window.accounts_dialog
    form = dialog.form
    assert form.current.isVisible()

    qtbot.keyClicks(form.current, PASSWORDS["nurse"])
    qtbot.keyClicks(form.password, "new-nurse-secret")
    qtbot.keyClicks(form.confirm, "new-nurse-secret")
    qtbot.keyClick(form.confirm, Qt.Key.Key_Return)

    assert not dialog.isVisible()
    assert "Your password was changed" in window.statusBar().currentMessage()
    assert can_sign_in(clinic, "nurse", "new-nurse-secret")
    assert not can_sign_in(clinic, "nurse", PASSWORDS["nurse"])
    window.sign_out()
    sign_in_as = window.sign_in
    sign_in_as.username.setText("nurse")
    qtbot.keyClicks(sign_in_as.password, "new-nurse-secret")
    click(qtbot, sign_in_as.button)
    assert window.account is not None and window.account.username == "nurse"


def test_a_wrong_current_password_changes_nothing(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "nurse")
    window.password_action.trigger()
    form = window.accounts_dialog.form

    qtbot.keyClicks(form.current, "not-my-password")
    qtbot.keyClicks(form.password, "new-nurse-secret")
    qtbot.keyClicks(form.confirm, "new-nurse-secret")
    qtbot.keyClick(form.confirm, Qt.Key.Key_Return)

    assert form.isVisible()
    assert "Current password: not your current password" in form.problems.text()
    assert can_sign_in(clinic, "nurse", PASSWORDS["nurse"])
    window.accounts_dialog.close()


def test_escape_leaves_the_form_for_the_list_then_closes_the_dialog(make_window, qtbot):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "admin")
    dialog = open_accounts(qtbot, window)
    assert dialog.table.hasFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)  # &Add account…
    qtbot.waitUntil(dialog.form.isVisible)  # a mnemonic clicks after a short animation
    assert dialog.form.username.hasFocus()

    qtbot.keyClick(dialog.form.username, Qt.Key.Key_Escape)
    assert dialog.list_page.isVisible()
    qtbot.keyClick(dialog.table, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_the_accounts_dialog_is_hidden_when_the_window_locks(make_window, qtbot):  # noqa: F811
    # a long idle delay while the dialog opens (a loaded machine may take seconds), then a
    # short one, so the lock cannot come before the wait for it
    window = make_window(idle_ms=60_000)
    sign_in(qtbot, window, "admin")
    dialog = open_accounts(qtbot, window)

    with qtbot.waitSignal(window.locked, timeout=5000):
        window.idle.set_interval_ms(200)

    assert not dialog.isVisible()
    window.unlock(PASSWORDS["admin"])
    assert dialog.isVisible()
    dialog.close()


@pytest.fixture(params=[1.25, 2.0], ids=["125%", "200%"])
def larger_text(request, qapp):
    """The application font at 125 % or 200 % (what text scaling does to the text but not to
    sizes fixed in pixels); the usual font is restored afterwards."""
    usual = QApplication.font()
    larger = QApplication.font()
    larger.setPointSizeF(usual.pointSizeF() * request.param)
    QApplication.setFont(larger)
    yield larger.pointSizeF()
    QApplication.setFont(usual)


def cut_off(dialog) -> list[str]:
    """Texts of the dialog's visible labels, buttons, role list and table cells that do not
    get the room they need, and whether the dialog leaves the screen."""
    for _ in range(3):
        QApplication.processEvents()
    problems = []
    for label in dialog.findChildren(QLabel):
        if label.isVisible() and label.text():
            needs = (label.heightForWidth(label.width()) if label.wordWrap()
                     else label.sizeHint().height())
            if label.height() < needs or (not label.wordWrap()
                                          and label.width() < label.sizeHint().width()):
                problems.append(label.text())
    for widget in dialog.findChildren(QPushButton) + dialog.findChildren(QComboBox):
        if widget.isVisible() and widget.width() < widget.sizeHint().width():
            problems.append(getattr(widget, "text", widget.currentText)())
    table = dialog.table
    if table.isVisible():
        for row in range(table.rowCount()):
            for column in range(table.columnCount()):
                item = table.item(row, column)
                needs = table.fontMetrics().horizontalAdvance(item.text())
                if table.columnWidth(column) < needs:
                    problems.append(item.text())
    screen = dialog.screen().availableGeometry()
    if not screen.contains(dialog.frameGeometry()):
        problems.append(f"dialog {dialog.frameGeometry()} off screen {screen}")
    return problems


def test_every_word_of_the_accounts_dialog_is_shown_in_full_with_larger_text(
    make_window, qtbot, larger_text  # noqa: F811
):
    window = make_window()
    sign_in(qtbot, window, "admin")
    dialog = open_accounts(qtbot, window)
    assert dialog.table.font().pointSizeF() == larger_text, "the larger text reached the dialog"
    select(qtbot, dialog, "nurse")
    click(qtbot, dialog.disable_button)
    assert dialog.status.isVisible()
    assert cut_off(dialog) == []

    fill_new_account(qtbot, dialog, "kim", "kim-secret-1", "kim-secret-2")
    assert dialog.form.problems.isVisible()
    assert cut_off(dialog) == []
    dialog.close()


def test_an_admin_sees_a_locked_account_and_unlocks_it(make_window, qtbot, clinic):  # noqa: F811
    for _ in range(5):
        with pytest.raises(AuthError):
            Services.authenticate(clinic.db, "nurse", "wrong-password")
    window = make_window()
    sign_in(qtbot, window, "admin")
    dialog = open_accounts(qtbot, window)
    assert "locked until" in dialog.table.item(dialog.row_of("nurse"), 3).text()
    select(qtbot, dialog, "nurse")
    qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
    assert "Unlocked nurse" in dialog.status.text()
    assert dialog.table.item(dialog.row_of("nurse"), 3).text() == "active"
    assert not dialog.unlock_button.isEnabled()
    dialog.close()
    assert Services.authenticate(clinic.db, "nurse", PASSWORDS["nurse"]).username == "nurse"

"""Settings: clinic letterhead, database (SQLite file or PostgreSQL URL), idle lock minutes,
lab unit preference (General tab) and the clinic's lab reference ranges (second tab). Invalid
values are named and nothing is saved until they are fixed."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cramp_dx.errors import CrampDxError, InputError
from cramp_dx.settings import Letterhead, Settings, save_settings, without_password
from cramp_dx.ui.lab_ranges_editor import LabRangesEditor
from cramp_dx.ui.screen_fit import FRAME_ALLOWANCE, available_size, fit_to_screen

SUMMARY_LINES = 3  # problems repeated under the tabs; all of them are shown beside their lab


class SettingsDialog(QDialog):
    def __init__(
        self, settings: Settings, parent: QWidget | None = None, kb: Any = None
    ) -> None:
        """`kb` defaults to the packaged knowledge base (its labs fill the ranges tab)."""
        super().__init__(parent)
        if kb is None:
            from cramp_dx.knowledge import load_knowledge

            kb = load_knowledge()
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.original = settings
        self.saved: Settings | None = None
        self.clinic_name = QLineEdit(settings.letterhead.clinic_name)
        self.clinic_name.setAccessibleName("Clinic name")
        self.address = QPlainTextEdit(settings.letterhead.address)
        self.address.setAccessibleName("Clinic address")
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.logo = QLineEdit(settings.letterhead.logo_path or "")
        self.logo.setAccessibleName("Logo image file")
        logo_button = QPushButton("Choose…")
        logo_button.setAccessibleName("Choose logo image")
        logo_button.clicked.connect(self._choose_logo)
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo, 1)
        logo_row.addWidget(logo_button)
        self.database_url = QLineEdit(settings.database_url or "")
        self.database_url.setAccessibleName("Database URL")
        self.database_url.setPlaceholderText(
            "empty: the SQLite file in your data folder; or postgresql+psycopg://user@host/db "
            "(a password typed here is kept in the OS keyring, not in the settings file)"
        )
        db_button = QPushButton("SQLite file…")
        db_button.setAccessibleName("Choose SQLite database file")
        db_button.clicked.connect(self._choose_sqlite)
        db_row = QHBoxLayout()
        db_row.addWidget(self.database_url, 1)
        db_row.addWidget(db_button)
        self.idle_minutes = QSpinBox()
        self.idle_minutes.setRange(1, 240)
        self.idle_minutes.setSuffix(" min")
        self.idle_minutes.setValue(settings.idle_lock_minutes)
        self.idle_minutes.setAccessibleName("Lock after idle minutes")
        self.lab_units = QComboBox()
        self.lab_units.addItem("Conventional (mg/dL)", "conventional")
        self.lab_units.addItem("SI (mmol/L)", "si")
        self.lab_units.setCurrentIndex(max(0, self.lab_units.findData(settings.lab_units)))
        self.lab_units.setAccessibleName("Lab unit preference")
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.hide()
        note = QLabel("A new database opens when you sign out; you are offered to sign out at once.")
        note.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Clinic &name", self.clinic_name)
        form.addRow("&Address", self.address)
        form.addRow(_buddy_label("L&ogo", self.logo), logo_row)
        form.addRow(_buddy_label("&Database", self.database_url), db_row)
        form.addRow("", note)
        form.addRow("&Lock after idle", self.idle_minutes)
        form.addRow("Lab &units", self.lab_units)
        self.buttons = buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        self.lab_ranges = LabRangesEditor(kb, settings.lab_ranges)
        self._lab_error = False
        self.lab_ranges.changed.connect(self._hide_error)
        general = QWidget()
        general_layout = QVBoxLayout(general)
        general_layout.addLayout(form)
        general_layout.addStretch(1)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("settingsTabs")
        self.tabs.addTab(general, "&General")
        self.tabs.addTab(self.lab_ranges, "Lab &reference ranges")
        self.tabs.setTabToolTip(1, "Your laboratory's normal ranges, replacing the built-in ones")
        self.error.setAccessibleName("Settings problem")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        em = self.fontMetrics().horizontalAdvance("M")
        self.setMinimumWidth(min(em * 45, available_size(self).width() - FRAME_ALLOWANCE.width()))
        fit_to_screen(self, QSize(em * 80, self.fontMetrics().lineSpacing() * 50))

    def edited(self) -> Settings:
        return self.original.with_changes(
            letterhead=Letterhead(
                clinic_name=self.clinic_name.text().strip(),
                address=self.address.toPlainText().strip(),
                logo_path=self.logo.text().strip() or None,
            ),
            database_url=self.database_url.text().strip() or None,
            idle_lock_minutes=self.idle_minutes.value(),
            lab_units=self.lab_units.currentData(),
            lab_ranges=self.lab_ranges.ranges(),
        )

    def _hide_error(self) -> None:
        """Once the lab ranges that refused Save are fixed, the summary under the tabs goes."""
        if self._lab_error and not self.lab_ranges.problems():
            self._lab_error = False
            self.error.hide()

    def _save(self) -> None:
        problems = self.lab_ranges.problems()
        if problems:
            shown = problems[:SUMMARY_LINES]
            if len(problems) > len(shown):
                shown.append(f"… and {len(problems) - len(shown)} more, each shown beside its lab.")
            self.error.setText(
                "Not saved: fix the lab reference ranges first.\n" + "\n".join(shown)
            )
            self.error.show()
            self._lab_error = True
            self.tabs.setCurrentWidget(self.lab_ranges)
            first = self.lab_ranges.first_invalid()
            if first is not None:
                self.lab_ranges.scroll.ensureWidgetVisible(first)
                first.setFocus()
            return
        try:
            settings = without_password(self.edited())
            save_settings(settings)
        except InputError as exc:
            self.error.setText("\n".join(str(p) for p in exc.problems))
            self.error.show()
            return
        except CrampDxError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        except OSError as exc:
            self.error.setText(f"Settings could not be written: {exc}")
            self.error.show()
            return
        self.saved = settings
        self.accept()

    def _choose_logo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Logo image", "", "Images (*.png *.jpg *.jpeg)"
        )
        if path:
            self.logo.setText(path)

    def _choose_sqlite(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "SQLite database file",
            "",
            "SQLite database (*.sqlite3 *.db)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if path:
            from cramp_dx.store.location import sqlite_url_text

            self.database_url.setText(sqlite_url_text(path))


def _buddy_label(text: str, buddy: QWidget) -> QLabel:
    """A form label whose mnemonic focuses `buddy` (QFormLayout only does this when the
    field is a widget, not a layout)."""
    label = QLabel(text)
    label.setBuddy(buddy)
    return label

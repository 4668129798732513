"""Settings: clinic letterhead, database (SQLite file or PostgreSQL URL), idle lock minutes,
lab unit preference. Invalid values are named and nothing is saved until they are fixed."""

from __future__ import annotations

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
    QVBoxLayout,
    QWidget,
)

from cramp_dx.errors import InputError
from cramp_dx.settings import Letterhead, Settings, save_settings


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
            "empty: the SQLite file in your data folder; or postgresql+psycopg://user@host/db"
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
        note = QLabel("A new database URL takes effect the next time you sign in.")
        note.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Clinic &name", self.clinic_name)
        form.addRow("&Address", self.address)
        form.addRow("&Logo", logo_row)
        form.addRow("&Database", db_row)
        form.addRow("", note)
        form.addRow("&Lock after idle", self.idle_minutes)
        form.addRow("Lab &units", self.lab_units)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 45)

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
        )

    def _save(self) -> None:
        settings = self.edited()
        try:
            save_settings(settings)
        except InputError as exc:
            self.error.setText("\n".join(str(p) for p in exc.problems))
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
            self.database_url.setText(f"sqlite:///{path}")

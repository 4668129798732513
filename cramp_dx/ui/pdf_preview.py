"""In-app preview of the generated summary (QtPdf), with print, save as and open in the
system viewer."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cramp_dx.ui.screen_fit import fit_to_screen
from cramp_dx.ui.shortcuts import shortcut


class PdfPreview(QDialog):
    def __init__(self, pdf_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdfPreview")
        self.setWindowTitle(f"Summary — {pdf_path.name}")
        self.pdf_path = pdf_path
        self.document = QPdfDocument(self)
        self.document.load(str(pdf_path))
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setAccessibleName("Summary preview")
        self.info = QLabel(f"{pdf_path}  ·  {self.document.pageCount()} page(s)")
        self.info.setWordWrap(True)
        self.print_button = QPushButton("&Print…")
        self.save_button = QPushButton("&Save as…")
        self.open_button = QPushButton("&Open in viewer")
        self.close_button = QPushButton("Close")
        for button in (self.print_button, self.save_button, self.open_button):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.info, 1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.print_button.clicked.connect(self.print_document)
        self.save_button.clicked.connect(self.save_as)
        self.open_button.clicked.connect(self.open_external)
        self.close_button.clicked.connect(self.close)
        shortcut(QKeySequence.StandardKey.Print, self, self.print_document,
                 Qt.ShortcutContext.WidgetWithChildrenShortcut)
        fit_to_screen(self, QSize(900, 1000))

    def page_count(self) -> int:
        return self.document.pageCount()

    def print_document(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print summary")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.print_to(printer)

    def print_to(self, printer: QPrinter) -> None:
        painter = QPainter()
        if not painter.begin(printer):
            self.info.setText("The printer could not be started.")
            return
        try:
            dpi = printer.resolution()
            target = painter.viewport()
            for page in range(self.document.pageCount()):
                if page:
                    printer.newPage()
                size = (self.document.pagePointSize(page) * dpi / 72).toSize()
                image = self.document.render(page, size)
                fitted = image.scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                      Qt.TransformationMode.SmoothTransformation)
                painter.drawImage(target.x(), target.y(), fitted)
        finally:
            painter.end()

    def save_as(self, target: str | None = None) -> Path | None:
        if not target:
            target, _ = QFileDialog.getSaveFileName(
                self, "Save summary as", str(Path.home() / self.pdf_path.name), "PDF (*.pdf)"
            )
        if not target:
            return None
        path = Path(target)
        shutil.copyfile(self.pdf_path, path)
        self.info.setText(f"Saved a copy to {path}")
        return path

    def open_external(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.pdf_path)))

"""In-app preview of the generated summary (QtPdf), with print, save as and open in the
system viewer. Print asks for the printer and its options in Qt's print dialog and hands the
PDF file itself to `send` (the visit page sends it through CUPS off the GUI thread), so the
printout keeps the PDF's vector text: nothing is rendered to an image here."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence
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

from cramp_dx.report.printing import PrintOptions
from cramp_dx.ui.screen_fit import fit_to_screen
from cramp_dx.ui.shortcuts import shortcut

_SIDES = {
    QPrinter.DuplexMode.DuplexNone: "one-sided",
    QPrinter.DuplexMode.DuplexLongSide: "two-sided-long-edge",
    QPrinter.DuplexMode.DuplexShortSide: "two-sided-short-edge",
}


def options_from(printer: QPrinter, title: str) -> PrintOptions:
    """What the print dialog chose, for `lp`."""
    ranges = printer.pageRanges()
    pages = ranges.toString() if not ranges.isEmpty() else None
    if pages is None and printer.printRange() == QPrinter.PrintRange.PageRange:
        pages = f"{printer.fromPage()}-{printer.toPage()}"
    return PrintOptions(
        printer=printer.printerName(),
        copies=max(printer.copyCount(), 1),
        pages=pages or None,
        sides=_SIDES.get(printer.duplex()),
        monochrome=printer.colorMode() == QPrinter.ColorMode.GrayScale,
        title=title,
    )


class PdfPreview(QDialog):
    def __init__(
        self,
        pdf_path: Path,
        parent: QWidget | None = None,
        send: Callable[[Path, PrintOptions], None] | None = None,
    ) -> None:
        """`send(pdf, options)` prints (None: printing is not offered)."""
        super().__init__(parent)
        self.send = send
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
        self.print_button.setEnabled(send is not None)
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
        """The print dialog picks the printer and options; the PDF itself is sent."""
        if self.send is None:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.pdf_path.name)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print summary")
        dialog.setMinMax(1, max(self.page_count(), 1))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        if printer.outputFileName():  # "Print to file": the summary is already that PDF
            self.save_as(printer.outputFileName())
            return
        self.print_with(options_from(printer, self.pdf_path.name))

    def print_with(self, options: PrintOptions) -> None:
        assert self.send is not None
        self.info.setText(f"Sending to {options.printer}…")
        self.send(self.pdf_path, options)

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

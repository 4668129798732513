"""Printing sends the summary PDF itself through CUPS, off the GUI thread, audited: measured
against a cups-pdf printer on a private cupsd (tests/support/cups.py) — spooled within 2 s, a
job at most 3× the PDF's size, its text still text. The print dialog's choices become `lp`
options."""

from __future__ import annotations

import json
import subprocess
import time

import pytest
from PySide6.QtPrintSupport import QPrinter
from support.cups import cups_server  # noqa: F401 - fixture
from support.ui import (  # noqa: F401 - fixtures
    clinic,
    make_window,
    no_leaked_windows,
    open_example_visit,
)

from cramp_dx.report.printing import PrintError, PrintOptions, lp_command, send_pdf
from cramp_dx.ui.pdf_preview import options_from

pytestmark = pytest.mark.gui
SPOOL_BUDGET_S = 2.0
SIZE_FACTOR = 3.0


@pytest.fixture
def cups(cups_server, monkeypatch):  # noqa: F811
    monkeypatch.setenv("CUPS_SERVER", str(cups_server.socket))
    return cups_server


def _print_from_the_preview(qtbot, window, clinic, cups):  # noqa: F811
    page, record = open_example_visit(qtbot, window, clinic, "ex2-early-swollen-calf")
    path = page.generate_pdf()
    preview = window.preview
    started = time.perf_counter()
    preview.print_with(PrintOptions(cups.printer, title=path.name))
    returned_s = time.perf_counter() - started
    qtbot.waitUntil(lambda: "sent to" in window.statusBar().currentMessage()
                    or "Not printed" in window.statusBar().currentMessage(), timeout=10_000)
    spooled_s = time.perf_counter() - started
    preview.close()
    return page, record, path, returned_s, spooled_s


def test_the_summary_pdf_itself_is_spooled_within_two_seconds(
    make_window, qtbot, clinic, cups  # noqa: F811
):
    window = make_window()
    _page, _record, path, returned_s, spooled_s = _print_from_the_preview(qtbot, window, clinic, cups)
    message = window.statusBar().currentMessage()
    assert message.startswith(f"Summary sent to {cups.printer}"), message
    assert spooled_s <= SPOOL_BUDGET_S
    assert returned_s < 0.2  # the window did not wait for lp
    job = int(message.rsplit("-", 1)[1].rstrip(").").strip())
    spooled = cups.job_files(job)
    assert len(spooled) == 1
    assert spooled[0].stat().st_size <= SIZE_FACTOR * path.stat().st_size
    assert spooled[0].read_bytes()[:5] == b"%PDF-"  # the PDF, not page images
    text = subprocess.run(["pdftotext", str(spooled[0]), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Deep vein thrombosis" in text  # selectable text


def test_a_print_is_audited_like_an_export(make_window, qtbot, clinic, cups):  # noqa: F811
    window = make_window()
    _page, record, path, _returned, _spooled = _print_from_the_preview(qtbot, window, clinic, cups)
    trail = clinic.services("doc").audit_trail(record.patient_id)
    prints = [e for e in trail if e.action == "print"]
    assert len(prints) == 1
    assert prints[0].field == f"printer {cups.printer}"
    assert json.loads(prints[0].new_value) == str(path)
    assert prints[0].username == "doc"


def test_the_job_reaches_the_cups_pdf_printer(make_window, qtbot, clinic, cups):  # noqa: F811
    window = make_window()
    started = time.time()
    _page, _record, path, _returned, _spooled = _print_from_the_preview(qtbot, window, clinic, cups)
    job_id = window.statusBar().currentMessage().split("(job ")[1].rstrip(").")
    qtbot.waitUntil(lambda: cups.completed(job_id), timeout=20_000)
    made = [f for f in cups.output_folder().glob(f"{path.name}*.pdf")
            if f.stat().st_mtime >= started - 1]  # cups-pdf names its file after the title
    try:
        assert made, "cups-pdf wrote no file"
        text = subprocess.run(["pdftotext", str(made[-1]), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "workup summary" in text
    finally:
        for file in made:
            file.unlink()


def test_an_unknown_printer_is_named_in_the_status_bar(make_window, qtbot, clinic, cups):  # noqa: F811
    window = make_window()
    page, _record = open_example_visit(qtbot, window, clinic, "ex1-diuretic-cramps")
    path = page.generate_pdf()
    window.preview.print_with(PrintOptions("no_such_printer"))
    qtbot.waitUntil(lambda: "Not printed" in window.statusBar().currentMessage(), timeout=10_000)
    assert "no_such_printer" in window.statusBar().currentMessage()
    assert path.exists()
    window.preview.close()


def test_the_print_dialog_choices_become_lp_options(qapp, cups):
    printer = QPrinter()
    printer.setPrinterName(cups.printer)
    printer.setCopyCount(2)
    printer.setDuplex(QPrinter.DuplexMode.DuplexNone)
    printer.setColorMode(QPrinter.ColorMode.GrayScale)
    printer.setFromTo(2, 3)
    options = options_from(printer, "summary.pdf")
    assert options == PrintOptions(cups.printer, 2, "2-3", "one-sided", True, "summary.pdf")


def test_the_lp_command_sends_the_file_with_the_chosen_options(tmp_path):
    pdf = tmp_path / "s.pdf"
    command = lp_command(pdf, PrintOptions("Front_desk", 2, "2-3", "two-sided-long-edge", True,
                                           "summary.pdf"))
    assert command == ["lp", "-d", "Front_desk", "-n", "2", "-t", "summary.pdf", "-P", "2-3",
                       "-o", "sides=two-sided-long-edge", "-o", "print-color-mode=monochrome",
                       "--", str(pdf)]


def test_bad_pages_are_explained(tmp_path):
    with pytest.raises(PrintError, match=r"accepted: e\.g\. 1-3,5"):
        lp_command(tmp_path / "s.pdf", PrintOptions("p", pages="one to three"))


def test_without_lp_printing_says_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    pdf = tmp_path / "s.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    with pytest.raises(PrintError, match="needs CUPS"):
        send_pdf(pdf, PrintOptions("p"))

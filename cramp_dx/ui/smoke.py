"""`cramp-dx gui --smoke-test`: start the app as a person would, check that its parts load,
print one line and exit.

For installers and the packaging tests: a window that merely stays open proves little (a
blocking error box stays open too). This opens the record, shows the window, waits for the
warm-up (knowledge base, engine, workup page), renders the summary PDF of a demo case and
opens it with the PDF viewer component (QtPdf, which a bundle could leave out). Any error is
printed to stderr and the exit status is 1; nothing waits for a click."""

from __future__ import annotations

import sys
import tempfile
import time
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

WARM_UP_TIMEOUT_S = 60.0


class SmokeTestFailed(Exception):
    pass


def run_smoke_test(window: Any, app: Any) -> int:
    errors: list[str] = []

    def record(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        errors.append("".join(traceback.format_exception(kind, exc, tb)))

    previous_hook, sys.excepthook = sys.excepthook, record  # errors raised inside Qt slots
    try:
        window.show()
        deadline = time.monotonic() + WARM_UP_TIMEOUT_S
        while not window.warm_up_done() and not errors:
            if time.monotonic() > deadline:
                raise SmokeTestFailed(f"the warm-up did not finish in {WARM_UP_TIMEOUT_S:.0f} s")
            app.processEvents()
            time.sleep(0.01)
        app.processEvents()
        if window.database_error is not None:
            print(f"cramp-dx: {window.database_error}".replace("\n", " "), file=sys.stderr,
                  flush=True)
            return 2
        if errors:
            raise SmokeTestFailed(errors[0])
        if not (window.isVisible() and window.sign_in.isVisible()):
            raise SmokeTestFailed("the window or its sign-in page is not visible")
        pages = _pdf_pages(window.kb)
        print(
            f"smoke test passed: window {window.windowTitle()!r} shown, sign-in page ready, "
            f"workup page built, knowledge base {window.kb.version}, "
            f"summary PDF of a demo case opened in the viewer ({pages} pages)",
            flush=True,
        )
        return 0
    except Exception as exc:  # the point is to report anything at all, then exit nonzero
        print(f"cramp-dx: smoke test failed: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        sys.excepthook = previous_hook
        window.close()


def _pdf_pages(kb: Any) -> int:
    """Render the PDF of the first demo case and load it with QtPdf; its page count."""
    from PySide6.QtPdf import QPdfDocument

    from cramp_dx.casefile.io import read_case
    from cramp_dx.engine import assess
    from cramp_dx.paths import resources_dir
    from cramp_dx.report import ReportContext, build_report

    case = min((resources_dir() / "demo").glob("*.json"))
    workup = read_case(case)
    with tempfile.TemporaryDirectory(prefix="cramp_dx_smoke_") as folder:
        path = build_report(ReportContext(workup, assess(workup, kb), kb), Path(folder) / "smoke.pdf")
        document = QPdfDocument()
        error = document.load(str(path))
        if error != QPdfDocument.Error.None_ or document.pageCount() < 1:
            raise SmokeTestFailed(f"the PDF viewer could not open the summary ({error.name})")
        pages = document.pageCount()
        document.close()
        return pages

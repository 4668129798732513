"""Printing the summary: the PDF itself goes to the printer through CUPS (`lp`), so the
printout has the PDF's vector text and the job is the size of the file, never a page image.
The printer and its options are chosen in the app's print dialog.

Linux and macOS have CUPS (`lp`); on Windows, print from the system PDF viewer (the preview's
"Open in viewer")."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cramp_dx.errors import CrampDxError

SIDES = ("one-sided", "two-sided-long-edge", "two-sided-short-edge")
TIMEOUT_S = 60
_JOB = re.compile(r"request id is (\S+)")
_PAGES = re.compile(r"^\d+(-\d+)?(,\d+(-\d+)?)*$")


class PrintError(CrampDxError):
    """The summary could not be sent to the printer (the reason is the message)."""


@dataclass(frozen=True, slots=True)
class PrintOptions:
    """What the print dialog chose. `pages` like "1-3,5" (None: all); `sides` one of SIDES
    (None: the printer's default); `monochrome` True to print in grey."""

    printer: str
    copies: int = 1
    pages: str | None = None
    sides: str | None = None
    monochrome: bool = False
    title: str = "cramp_dx summary"


def lp_command(pdf: Path, options: PrintOptions) -> list[str]:
    """The `lp` command that sends `pdf` as it is (application/pdf) with `options`."""
    if not options.printer.strip():
        raise PrintError("choose a printer")
    if not 1 <= options.copies <= 999:
        raise PrintError(f"{options.copies} copies; accepted: 1 to 999")
    command = ["lp", "-d", options.printer, "-n", str(options.copies), "-t", options.title]
    if options.pages:
        if not _PAGES.match(options.pages):
            raise PrintError(f"pages {options.pages!r}; accepted: e.g. 1-3,5")
        command += ["-P", options.pages]
    if options.sides:
        if options.sides not in SIDES:
            raise PrintError(f"sides {options.sides!r}; accepted: {', '.join(SIDES)}")
        command += ["-o", f"sides={options.sides}"]
    if options.monochrome:
        command += ["-o", "print-color-mode=monochrome"]
    return [*command, "--", str(pdf)]


def send_pdf(pdf: Path, options: PrintOptions) -> str:
    """Spool `pdf` on the printer; the CUPS job id (e.g. "Front_desk-42"). Blocks until CUPS
    has the file (run it off the GUI thread)."""
    if shutil.which("lp") is None:
        hint = ("on Windows, open the summary in the PDF viewer and print from there"
                if os.name == "nt" else "install the CUPS client (cups-client / cups-bsd)")
        raise PrintError(f"printing needs CUPS's `lp` command: {hint}")
    if not Path(pdf).is_file():
        raise PrintError(f"the summary {pdf} is not there any more; build it again")
    try:
        done = subprocess.run(lp_command(Path(pdf), options), capture_output=True, text=True,
                              timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise PrintError(f"the printer {options.printer} did not answer within "
                         f"{TIMEOUT_S} s") from None
    except OSError as exc:
        raise PrintError(f"lp could not be run: {exc}") from exc
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip().removeprefix("lp: ") or "no reason given"
        raise PrintError(f"{options.printer}: {reason}")
    found = _JOB.search(done.stdout)
    return found.group(1) if found else ""

"""A private CUPS server for the printing tests and benchmark: cupsd started in a temp folder,
listening on a socket there, with one cups-pdf printer ("cramp_pdf"), and the job files kept
(PreserveJobFiles) so a test can look at what was spooled. Point `lp` at it with
CUPS_SERVER=<socket>.

cupsd must run as root (it runs the cups-pdf backend as root and the filters as `lp`). Without
root, cupsd, lp, lpadmin or cups-pdf the tests skip with the reason, unless
CRAMP_DX_REQUIRE_CUPS=1 (CI), which makes that a failure. `packaging/dev.sh test` installs
cups, cups-client and printer-driver-cups-pdf when it runs as root with apt."""

from __future__ import annotations

import glob
import grp
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REQUIRE_ENV = "CRAMP_DX_REQUIRE_CUPS"
PRINTER = "cramp_pdf"
CUPSD = "/usr/sbin/cupsd"


class Unavailable(Exception):
    """No CUPS server can be started here (the reason is the message)."""


@dataclass(frozen=True)
class CupsServer:
    folder: Path
    socket: Path
    printer: str

    @property
    def spool(self) -> Path:
        return self.folder / "spool"

    def job_files(self, job_number: int) -> list[Path]:
        """The documents of a job as spooled (d<job>-<n>)."""
        return sorted(self.spool.glob(f"d{job_number:05d}-*"))

    def env(self) -> dict[str, str]:
        return {**os.environ, "CUPS_SERVER": str(self.socket)}

    def completed(self, job_id: str) -> bool:
        out = subprocess.run(["lpstat", "-W", "completed", "-o", self.printer], env=self.env(),
                             capture_output=True, text=True, check=False).stdout
        return any(line.split()[:1] == [job_id] for line in out.splitlines())

    def output_folder(self) -> Path:
        """Where cups-pdf writes the jobs of the user running the tests (its `Out`)."""
        return Path(pwd.getpwuid(os.getuid()).pw_dir) / "PDF"


def _ppd() -> str | None:
    found = sorted(glob.glob("/usr/share/ppd/cups-pdf/*.ppd"))
    return found[0] if found else None


def _why_not() -> str | None:
    if os.name != "posix" or os.geteuid() != 0:
        return "cupsd must run as root to run the cups-pdf backend (the tests run as another user)"
    for tool in ("lp", "lpadmin", "lpstat"):
        if shutil.which(tool) is None:
            return f"the CUPS client `{tool}` is not installed (apt package cups-client)"
    if not Path(CUPSD).exists():
        return "cupsd is not installed (apt package cups)"
    if not Path("/usr/lib/cups/backend/cups-pdf").exists() or _ppd() is None:
        return "the cups-pdf printer driver is not installed (apt package printer-driver-cups-pdf)"
    try:
        grp.getgrnam("lp")
    except KeyError:
        return "there is no `lp` group for cupsd's filters"
    return None


@contextmanager
def running_cups() -> Iterator[CupsServer]:
    why = _why_not()
    if why is not None:
        raise Unavailable(why)
    folder = Path(tempfile.mkdtemp(prefix="cramp_dx_cups_"))
    lp_gid = grp.getgrnam("lp").gr_gid
    for name in ("spool", "cache", "state", "log", "tmp", "ppd"):
        (folder / name).mkdir()
    for name, mode in (("spool", 0o710), ("cache", 0o770), ("tmp", 0o1770)):
        os.chown(folder / name, 0, lp_gid)
        os.chmod(folder / name, mode)
    os.chmod(folder, 0o755)
    sock = folder / "cups.sock"
    (folder / "cupsd.conf").write_text(
        f"Listen {sock}\nLogLevel info\nWebInterface No\nBrowsing No\n"
        "PreserveJobFiles Yes\nPreserveJobHistory Yes\n"
        "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
        "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
    )
    (folder / "cups-files.conf").write_text(
        f"ServerRoot {folder}\nRequestRoot {folder}/spool\nTempDir {folder}/tmp\n"
        f"CacheDir {folder}/cache\nStateDir {folder}/state\nPrintcap {folder}/printcap\n"
        f"AccessLog {folder}/log/access_log\nErrorLog {folder}/log/error_log\n"
        f"PageLog {folder}/log/page_log\nSystemGroup root\nUser lp\nGroup lp\n"
    )
    server = subprocess.Popen(
        [CUPSD, "-f", "-c", str(folder / "cupsd.conf"), "-s", str(folder / "cups-files.conf")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    env = {**os.environ, "CUPS_SERVER": str(sock)}
    started = time.time()
    try:
        deadline = time.monotonic() + 15
        while not sock.exists():
            if server.poll() is not None or time.monotonic() > deadline:
                detail = server.stderr.read().decode(errors="replace") if server.stderr else ""
                log = folder / "log" / "error_log"
                if log.exists():
                    detail += log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"cupsd did not start: {detail}")
            time.sleep(0.05)
        added = subprocess.run(
            ["lpadmin", "-p", PRINTER, "-E", "-v", "cups-pdf:/", "-P", str(_ppd())],
            env=env, capture_output=True, text=True, check=False,
        )
        if added.returncode != 0:
            raise RuntimeError(f"the cups-pdf printer could not be added: {added.stderr}")
        yield CupsServer(folder=folder, socket=sock, printer=PRINTER)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(folder, ignore_errors=True)
        _remove_outputs(started)


def _remove_outputs(since: float) -> None:
    """The PDFs cups-pdf wrote for this server's jobs (into the user's ~/PDF)."""
    out = Path(pwd.getpwuid(os.getuid()).pw_dir) / "PDF"
    for made in out.glob("*.pdf"):
        try:
            if made.stat().st_mtime >= since:
                made.unlink()
        except OSError:
            pass


@pytest.fixture(scope="session")
def cups_server() -> Iterator[CupsServer]:
    try:
        context = running_cups()
        server = context.__enter__()
    except Unavailable as exc:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"CUPS required ({REQUIRE_ENV}=1) but {exc}")
        pytest.skip(str(exc))
        return
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        context.__exit__(None, None, None)

"""Writing patient data to a file (PDF, case and FHIR exports) so that a reader never sees half
a file and only the owner can read it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from cramp_dx.errors import CrampDxError


def private_folder(folder: Path) -> Path:
    """Create `folder` (and its parents) if needed; the folder itself is owner-only (0700),
    and is made so if it already exists with wider permissions and belongs to this user."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if hasattr(os, "getuid"):
        status = folder.stat()
        if status.st_uid == os.getuid() and status.st_mode & 0o077:
            os.chmod(folder, 0o700)
    return folder


def write_atomic(path: Path, data: bytes, before_publish: Callable[[], None] | None = None) -> Path:
    """Write to a temporary file beside `path` (mode 0600), fsync, run `before_publish` (e.g. the
    audit of an export: if it fails, no file is left), then rename over `path`."""
    path = Path(path).expanduser()
    folder = path.parent
    if not folder.is_dir():
        raise CrampDxError(f"cannot write {path}: folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise CrampDxError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):  # mkstemp already uses 0600; be explicit on POSIX
                os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if before_publish is not None:
            before_publish()
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise CrampDxError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise
    _fsync_folder(folder)
    return path


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable where the platform allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

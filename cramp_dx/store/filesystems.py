"""Is a path on a network filesystem? SQLite's locking and WAL do not work there."""

from __future__ import annotations

import os
import sys
from pathlib import Path

NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb",
        "smb2",
        "smb3",
        "smbfs",
        "afs",
        "ncpfs",
        "9p",
        "fuse.sshfs",
        "sshfs",
        "glusterfs",
        "fuse.glusterfs",
        "ceph",
        "fuse.ceph",
        "lustre",
        "gpfs",
        "davfs",
        "fuse.davfs",
        "webdav",
    }
)


def filesystem_type(path: Path, mounts_text: str | None = None) -> str | None:
    """The filesystem type of the mount holding `path` (Linux: /proc/self/mounts; macOS:
    `mount`), or None where it cannot be told. `mounts_text` lets tests supply a table."""
    if mounts_text is None:
        mounts_text = _read_mount_table()
    if mounts_text is None:
        return None
    target = str(path.resolve())
    best, best_type = "", None
    for line in mounts_text.splitlines():
        mount_point, fs_type = _parse_mount_line(line)
        if mount_point is None:
            continue
        prefix = mount_point.rstrip("/") + "/"
        if (target == mount_point or target.startswith(prefix) or mount_point == "/") and len(
            mount_point
        ) >= len(best):
            best, best_type = mount_point, fs_type
    return best_type


def is_network_path(path: Path, mounts_text: str | None = None) -> bool:
    """True when `path` is a UNC path, a remote Windows drive or on a network filesystem."""
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return True
    if sys.platform == "win32":
        return _windows_drive_is_remote(path)
    fs_type = filesystem_type(path, mounts_text)
    return fs_type is not None and fs_type.lower() in NETWORK_FILESYSTEMS


def _parse_mount_line(line: str) -> tuple[str | None, str | None]:
    parts = line.split()
    if len(parts) >= 3 and " on " in line and "(" in line:  # macOS: `dev on /mnt (nfs, ...)`
        after = line.split(" on ", 1)[1]
        mount_point, _, rest = after.partition(" (")
        return mount_point, rest.split(",")[0].strip(" )")
    if len(parts) >= 3:  # Linux /proc/self/mounts: dev mount_point type options ...
        return parts[1].replace("\\040", " "), parts[2]
    return None, None


def _read_mount_table() -> str | None:
    for candidate in ("/proc/self/mounts", "/proc/mounts"):
        try:
            return Path(candidate).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    if sys.platform == "darwin":
        import subprocess

        try:
            return subprocess.run(
                ["/sbin/mount"], capture_output=True, text=True, timeout=5, check=False
            ).stdout
        except OSError:
            return None
    return None


def _windows_drive_is_remote(path: Path) -> bool:  # pragma: no cover - Windows only
    import ctypes

    drive = os.path.splitdrive(str(path.resolve()))[0]
    if not drive:
        return False
    drive_remote = 4
    return ctypes.windll.kernel32.GetDriveTypeW(drive + "\\") == drive_remote

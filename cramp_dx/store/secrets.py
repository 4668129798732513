"""The PostgreSQL password: kept out of settings.json, command lines and messages.

It is stored in the OS keyring (the `keyring` package: Windows Credential Locker, macOS
Keychain, the Secret Service on Linux desktops) under the service "cramp-dx" and the key
`user@host:port/database`. Where no keyring is available (a Linux machine without a desktop
session, say) it goes to `pgpass` in the user config folder instead: libpq's password-file
format (`host:port:database:user:password`), owner-only (0600) in an owner-only folder. A URL
then names no password; opening it looks the password up here, and the PostgreSQL client
tools (pg_dump, pg_restore) get it through a temporary owner-only password file (PGPASSFILE),
never on their command line or in PGPASSWORD."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import URL

from cramp_dx.store.errors import StoreError

SERVICE = "cramp-dx"
PASSFILE_NAME = "pgpass"
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/?#@\s]*):(?P<password>[^@\s/]*)@")


def mask(text: str) -> str:
    """`text` with the password of every URL in it replaced by ***."""
    return _URL_PASSWORD.sub(lambda match: f"{match.group('head')}:***@", text)


def key_for(url: URL) -> str:
    return f"{url.username or ''}@{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def passfile_path() -> Path:
    from cramp_dx.paths import config_dir

    return config_dir() / PASSFILE_NAME


def _passfile_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


def _passfile_line(url: URL, password: str) -> str:
    fields = (url.host or "localhost", str(url.port or 5432), url.database or "*", url.username or "*")
    return ":".join(_passfile_escape(f) for f in (*fields, password))


def _passfile_fields(line: str) -> list[str]:
    fields, current, escaped = [], [], False
    for ch in line:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ":":
            fields.append("".join(current))
            current = []
        else:
            current.append(ch)
    fields.append("".join(current))
    return fields


def store_password(url: URL, password: str) -> str:
    """Keep the password of `url`'s account (the OS keyring, else the owner-only pgpass
    file); returns where it went, for the message."""
    if "\n" in password or "\r" in password:
        raise StoreError("a database password cannot hold a line break")
    try:
        import keyring

        keyring.set_password(SERVICE, key_for(url), password)
        return "the OS keyring"
    except Exception:  # no usable keyring here: the owner-only password file
        return str(_store_in_passfile(url, password))


def _store_in_passfile(url: URL, password: str) -> Path:
    from cramp_dx.files import private_folder, write_atomic

    path = passfile_path()
    private_folder(path.parent)
    wanted = _passfile_fields(_passfile_line(url, ""))[:4]
    lines = []
    if path.exists():
        lines = [
            line for line in path.read_text(encoding="utf-8").splitlines()
            if _passfile_fields(line)[:4] != wanted
        ]
    lines.append(_passfile_line(url, password))
    write_atomic(path, ("\n".join(lines) + "\n").encode("utf-8"))
    return path


def password_for(url: URL) -> str | None:
    """The stored password of `url`'s account, or None."""
    try:
        import keyring

        found = keyring.get_password(SERVICE, key_for(url))
    except Exception:
        found = None
    if found is not None:
        return found
    path = passfile_path()
    if not path.is_file():
        return None
    wanted = _passfile_fields(_passfile_line(url, ""))[:4]
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = _passfile_fields(line)
        if len(fields) == 5 and fields[:4] == wanted:
            return fields[4]
    return None


def without_password(url: URL) -> URL:
    """`url` naming no password (`URL.set(password=None)` keeps the one it has)."""
    return URL.create(
        url.drivername,
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )


def with_stored_password(url: URL) -> URL:
    """`url`, with the stored password when it names none."""
    if url.password is not None or url.get_backend_name() != "postgresql":
        return url
    password = password_for(url)
    return url if password is None else url.set(password=password)


def split_password(text: str | None) -> tuple[str | None, str | None]:
    """A URL as typed, without its password, and the password (None when it has none)."""
    if not text:
        return text, None
    match = _URL_PASSWORD.match(text)
    if match is None:
        return text, None
    from urllib.parse import unquote

    return match.group("head") + "@" + text[match.end():], unquote(match.group("password"))


@contextmanager
def libpq_environment(url: URL) -> Iterator[dict[str, str]]:
    """The environment for a PostgreSQL client tool connecting to `url`: its password (if
    any) in a temporary owner-only password file named by PGPASSFILE, removed afterwards;
    PGPASSWORD is never set."""
    env = {key: value for key, value in os.environ.items() if key != "PGPASSWORD"}
    password = url.password
    if password is None:
        yield env
        return
    with tempfile.TemporaryDirectory(prefix="cramp_dx_pg_") as folder:  # created 0700
        path = Path(folder) / "pgpass"
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("*:*:*:*:" + _passfile_escape(str(password)) + "\n")
        env["PGPASSFILE"] = str(path)
        yield env


__all__ = [
    "key_for",
    "libpq_environment",
    "mask",
    "password_for",
    "split_password",
    "store_password",
    "with_stored_password",
    "without_password",
]

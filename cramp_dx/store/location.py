"""The one place that turns a filesystem path into a database address.

Every caller that has a path — the default record in the data folder, a plain path given to
`--database-url`, Settings → SQLite file…, backup, restore and the before-upgrade backup —
goes through here, so a path is always taken literally: `#`, `?`, `%41`, spaces and any
unicode are quoted, never read as URL syntax.

- `sqlite_url(path)`: the SQLAlchemy URL (an object whose `database` is the path as is).
- `sqlite_url_text(path)`: the same as text (percent-quoted; `make_url` gives the path back).
- `sqlite_uri(path)`: an SQLite URI for `sqlite3.connect(..., uri=True)`.
- `parse_location(text)`: what a person typed — a URL (`scheme://…`) or a plain path.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import URL, make_url

from cramp_dx.store.errors import StoreError

_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
EXAMPLES = "e.g. /home/me/cramp_dx.sqlite3 or postgresql+psycopg://user@host/cramp_dx"


def absolute(path: Path | str) -> Path:
    return Path(path).expanduser().absolute()


def sqlite_url(path: Path | str) -> URL:
    """The SQLAlchemy URL of the SQLite file at `path` (made absolute), taken literally."""
    return URL.create("sqlite", database=str(absolute(path)))


def sqlite_url_text(path: Path | str) -> str:
    """`sqlite_url(path)` as text, quoted so that parsing it gives the same path back."""
    return sqlite_url(path).render_as_string(hide_password=False)


def sqlite_uri(path: Path | str, *, read_only: bool = False) -> str:
    """An SQLite URI (`file:///…`, for `sqlite3.connect(uri, uri=True)`) naming exactly the
    file at `path`: every character SQLite's URI parser would act on is percent-quoted."""
    posix = absolute(path).as_posix()
    if not posix.startswith("/"):  # Windows: file:///C:/folder/file
        posix = "/" + posix
    uri = "file://" + quote(posix, safe="/:")
    return uri + "?mode=ro" if read_only else uri


def parse_location(text: str) -> URL:
    """A database URL, or a plain path to an SQLite file (taken literally).

    An SQLite URL takes no options: a `?` in it almost always is part of a file name that
    was not quoted, which would silently open a different (new, empty) file, so it is refused
    with the way out."""
    if not _URL_SCHEME.match(text):
        return sqlite_url(text)
    from cramp_dx.store.secrets import mask

    try:
        url = make_url(text)
    except Exception as exc:
        raise StoreError(f"database URL {mask(text)!r} is not valid ({mask(str(exc))}); {EXAMPLES}") from None
    if url.get_backend_name() == "sqlite" and url.query:
        raise StoreError(
            f"database URL {mask(text)!r}: an SQLite URL takes no options after '?'; if '?' is part "
            "of the file name, give the plain file path instead of a URL (or write it as %3F)"
        )
    return url


__all__ = ["parse_location", "sqlite_uri", "sqlite_url", "sqlite_url_text"]

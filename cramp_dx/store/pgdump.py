"""PostgreSQL dumps in pg_dump's custom format: written owner-only, read back without a server
(`pg_restore` turns the archive into a script, parsed here as a stream, so every data block
is decompressed and checked), and loaded table by table into a transaction the caller holds."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import URL

from cramp_dx.store.errors import StoreError
from cramp_dx.store.secrets import libpq_environment, mask, without_password

_COPY = re.compile(r'^COPY (?:public\.)?"?(\w+)"? \((.*)\) FROM stdin;$')
_CREATE_TABLE = re.compile(r'^CREATE TABLE (?:public\.)?"?(\w+)"? \($')
_ENCODING = re.compile(r"^SET client_encoding = '([^']+)';$")
_END_OF_DATA = b"\\.\n"
_COPY_ESCAPE = re.compile(r"\\(?:([bfnrtv\\])|([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))")
_ESCAPED = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}

Row = dict[str, "str | None"]
RowCallbacks = Mapping[str, Callable[[Row], None]]


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    raise StoreError(f"{name} was not found; install the PostgreSQL client tools")


def _dbname(url: URL) -> list[str]:
    """libpq's connection argument for `url`, without its password: a command line is visible
    to every user of the computer (ps); the password goes in a password file instead
    (cramp_dx.store.secrets.libpq_environment)."""
    libpq = without_password(url.set(drivername="postgresql")).render_as_string(hide_password=False)
    return [f"--dbname={libpq}"]


def run_pg_tool(name: str, arguments: list[str], url: URL) -> None:
    with libpq_environment(url) as env:
        result = subprocess.run(
            [pg_tool(name), *_dbname(url), *arguments], capture_output=True, text=True, env=env,
            check=False,
        )
    if result.returncode != 0:
        raise StoreError(f"{name} failed: {result.stderr.strip() or result.returncode}")


def dump(url: URL, target: Path) -> None:
    """pg_dump (custom format) of the database at `url` to `target`: written owner-only beside
    it, flushed to disk and renamed into place, so a failed dump leaves no half file."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as out, libpq_environment(url) as env:
            result = subprocess.run(
                [pg_tool("pg_dump"), *_dbname(url), "--format=custom", "--no-owner"],
                stdout=out,
                stderr=subprocess.PIPE,
                env=env,
                check=False,
            )
            out.flush()
            os.fsync(out.fileno())
        if result.returncode != 0:
            reason = mask(result.stderr.decode(errors="replace").strip()) or result.returncode
            raise StoreError(f"pg_dump to {target} failed: {reason}")
        os.replace(partial, target)
    except OSError as exc:
        raise StoreError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)


@dataclass
class DumpContents:
    """What a dump holds: the tables it creates with their row counts, and its encoding."""

    tables: dict[str, int] = field(default_factory=dict)
    encoding: str | None = None


def copy_field(raw: str) -> str | None:
    """One column of a COPY text-format line: `\\N` is NULL, backslash escapes are decoded."""
    if raw == "\\N":
        return None
    if "\\" not in raw:
        return raw

    def unescape(match: re.Match[str]) -> str:
        simple, octal, hexa, other = match.groups()
        if simple:
            return _ESCAPED[simple]
        if octal:
            return chr(int(octal, 8))
        if hexa:
            return chr(int(hexa, 16))
        return str(other)

    return _COPY_ESCAPE.sub(unescape, raw)


def read_dump(path: Path, rows: RowCallbacks) -> DumpContents:
    """Read every block of the dump at `path` (no server needed). Each row of a table named in
    `rows` goes to its callback as {column: text or None}. A file pg_restore cannot read
    raises StoreError with pg_restore's reason."""
    contents = DumpContents()
    with tempfile.TemporaryFile() as errors, ExitStack() as stack:
        process = subprocess.Popen(
            [pg_tool("pg_restore"), "--file=-", str(path)], stdout=subprocess.PIPE, stderr=errors
        )
        stack.callback(process.wait)
        stack.callback(process.kill)
        assert process.stdout is not None
        try:
            _parse_script(process.stdout, contents, rows)
        except UnicodeDecodeError as exc:
            raise StoreError(f"its data is not UTF-8 text ({exc.reason})") from None
        finally:
            process.stdout.close()
        if process.wait() != 0:
            errors.seek(0)
            reason = errors.read().decode(errors="replace").strip().splitlines()
            raise StoreError(reason[0] if reason else f"pg_restore exited with {process.returncode}")
    return contents


def _parse_script(stream: IO[bytes], contents: DumpContents, rows: RowCallbacks) -> None:
    table: str | None = None
    columns: list[str] = []
    created: set[str] = set()
    for raw in stream:
        if table is not None:
            if raw == _END_OF_DATA:
                table = None
                continue
            contents.tables[table] = contents.tables.get(table, 0) + 1
            callback = rows.get(table)
            if callback is not None:
                values = raw.decode("utf-8").rstrip("\n").split("\t")
                callback(dict(zip(columns, (copy_field(v) for v in values), strict=False)))
            continue
        line = raw.decode("utf-8").rstrip("\n")
        if match := _COPY.match(line):
            table = match.group(1)
            columns = [name.strip().strip('"') for name in match.group(2).split(",")]
            contents.tables.setdefault(table, 0)
        elif match := _CREATE_TABLE.match(line):
            created.add(match.group(1))
        elif (match := _ENCODING.match(line)) and contents.encoding is None:
            contents.encoding = match.group(1)
    for name in created:
        contents.tables.setdefault(name, 0)


def load_table(driver_connection: Any, source: Path, table: str) -> int:
    """COPY the rows of `table` from the dump at `source` into the (psycopg) connection, in
    the transaction it is in; returns the number of rows."""
    count = 0
    with tempfile.TemporaryFile() as errors, ExitStack() as stack:
        process = subprocess.Popen(
            [pg_tool("pg_restore"), "--data-only", f"--table={table}", "--file=-", str(source)],
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        stack.callback(process.wait)
        stack.callback(process.kill)
        assert process.stdout is not None
        lines = iter(process.stdout)
        with driver_connection.cursor() as cursor:
            for raw in lines:
                match = _COPY.match(raw.decode("utf-8").rstrip("\n"))
                if match is None or match.group(1) != table:
                    continue
                with cursor.copy(raw.decode("utf-8").rstrip(";\n")) as copy:
                    for data in lines:
                        if data == _END_OF_DATA:
                            break
                        copy.write(data)
                        count += 1
                break
        for _rest in lines:
            pass
        if process.wait() != 0:
            errors.seek(0)
            reason = errors.read().decode(errors="replace").strip()
            raise StoreError(f"pg_restore could not read the rows of {table}: {reason}")
    return count


__all__ = ["DumpContents", "copy_field", "dump", "load_table", "pg_tool", "read_dump", "run_pg_tool"]

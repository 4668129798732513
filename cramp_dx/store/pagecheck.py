"""A quick look at an SQLite record's structure before anything is written to it.

SQLite's own `PRAGMA quick_check` reads and decodes every row: seconds on a large record,
longer than the whole start-up. This check reads the file as SQLite lays it out (the file
format's header, the b-tree page headers, the free-page list) and checks what a damaged page
breaks: the header's sizes, each b-tree page's type and cell layout, that every child page
number lies in the file and is used once, and the free-page list. It reads one small header
per page, the page overlays of the write-ahead log included, and no row: a page overwritten
or zeroed by a failing disk is caught with high probability (a garbage page passes only if its
first bytes happen to form a valid header of the right kind), damage inside a row's content
or an overflow page is not (`cramp-dx db check` finds those). Anything it finds is confirmed by
SQLite's quick_check before the record is called damaged, so a record being written by another
program meanwhile is never refused by mistake."""

from __future__ import annotations

import mmap
import os
import sqlite3
import struct
from collections.abc import Callable
from pathlib import Path

_TABLE_TYPES = (0x05, 0x0D)  # interior, leaf
_INDEX_TYPES = (0x02, 0x0A)
_WAL_MAGIC = (0x377F0682, 0x377F0683)
_MAX_PROBLEMS = 5


def _be32(data: object, offset: int) -> int:
    return int(struct.unpack_from(">I", data, offset)[0])  # type: ignore[arg-type]


class _Pages:
    """The pages of the file as SQLite sees them: the main file with the committed frames of
    the write-ahead log laid over it."""

    def __init__(self, path: Path) -> None:
        self.problems: list[str] = []
        with path.open("rb") as handle:
            header = handle.read(100)
            size = os.fstat(handle.fileno()).st_size
            self.file = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        raw_size = struct.unpack_from(">H", header, 16)[0] if len(header) >= 100 else 0
        self.page_size = 65536 if raw_size == 1 else raw_size
        if len(header) < 100 or self.page_size < 512 or self.page_size & (self.page_size - 1):
            self.problems.append("the file header is damaged (page size)")
            self.count = 0
            self.types = bytearray(1)
            return
        self.usable = self.page_size - header[20]
        counted = _be32(header, 28)
        valid = header[24:28] == header[92:96] and counted > 0
        self.count = counted if valid else size // self.page_size
        if valid and counted * self.page_size > size and not Path(f"{path}-wal").exists():
            self.problems.append(f"the file is shorter than its header says ({counted} pages)")
        self.freelist = (_be32(header, 32), _be32(header, 36))
        self.wal: bytes = b""
        self.overlay: dict[int, int] = {}
        self._read_wal(Path(f"{path}-wal"))
        # the type byte of every page, 1-based (page 1's b-tree header follows the file header)
        types = bytearray(1) + bytearray(self.file[0:self.count * self.page_size:self.page_size])
        types.extend(bytes(self.count + 1 - len(types)))
        if self.count:
            types[1] = self.file[100] if len(self.file) > 100 else 0
        for number, offset in self.overlay.items():
            if 0 < number <= self.count:
                types[number] = self.wal[offset + (100 if number == 1 else 0)]
        self.types = types

    def _read_wal(self, wal: Path) -> None:
        try:
            data = wal.read_bytes()
        except OSError:
            return
        if len(data) < 32 or _be32(data, 0) not in _WAL_MAGIC or _be32(data, 8) != self.page_size:
            return
        salts = data[16:24]
        pending: dict[int, int] = {}
        frame = 24 + self.page_size
        for offset in range(32, len(data) - frame + 1, frame):
            if data[offset + 8:offset + 16] != salts:
                break
            pending[_be32(data, offset)] = offset + 24
            committed = _be32(data, offset + 4)
            if committed:
                self.overlay.update(pending)
                pending = {}
                self.count = committed
                self.freelist = (_be32(data, offset + 24 + 32), _be32(data, offset + 24 + 36)) if (
                    _be32(data, offset) == 1) else self.freelist
        self.wal = data

    def page(self, number: int) -> tuple[object, int]:
        """The buffer holding page `number` and the page's offset in it."""
        found = self.overlay.get(number)
        if found is not None:
            return self.wal, found
        return self.file, (number - 1) * self.page_size


def structure_problems(path: Path, roots: list[tuple[str, str, int]]) -> list[str]:
    """What is wrong with the structure of the SQLite file at `path` (empty: nothing found).
    `roots`: (type, name, root page) of every table and index, from sqlite_master."""
    pages = _Pages(path)
    problems = pages.problems
    if problems or pages.count == 0:
        return problems
    seen = bytearray(pages.count + 1)
    leaves = {_TABLE_TYPES[1]: 0, _INDEX_TYPES[1]: 0}

    def problem(text: str) -> None:
        problems.append(text)

    for kind, name, root in [("table", "sqlite_master", 1), *roots]:
        types = _TABLE_TYPES if kind == "table" else _INDEX_TYPES
        leaves[types[1]] += _walk(pages, seen, root, types, name, problem)
        if problems:
            return problems[:_MAX_PROBLEMS]
    free = _check_freelist(pages, seen, problem)
    if problems:
        return problems
    # every leaf a b-tree names must carry its type (a zeroed or overwritten leaf does not),
    # and no other page may (free pages aside): counted over all pages at once
    for kind, expected in leaves.items():
        found = pages.types.count(kind, 1) - sum(1 for page in free if pages.types[page] == kind)
        if found != expected:
            what = "table" if kind == _TABLE_TYPES[1] else "index"
            problem(f"{abs(expected - found)} {what} page(s) are damaged "
                    f"({expected} expected, {found} found)")
    return problems


def _walk(
    pages: _Pages, seen: bytearray, root: int, types: tuple[int, int], name: str,
    problem: Callable[[str], None],
) -> int:
    """The interior pages of one b-tree, read in full; returns the number of leaf pages they
    name. A b-tree is balanced: the children of one interior page are all leaves or all
    interior, so only the first child's type is looked at here (the leaves are counted over
    the whole file by the caller)."""
    interior_type, leaf_type = types
    usable, count, kinds = pages.usable, pages.count, pages.types
    header = struct.Struct(">BHHHBI").unpack_from
    child_at = struct.Struct(">I").unpack_from
    if not 0 < root <= count:
        problem(f"{name}: its root page ({root}) lies outside the file")
        return 0
    if kinds[root] == leaf_type:
        return 1
    stack, leaves = [root], 0
    while stack:
        number = stack.pop()
        if not 0 < number <= count or seen[number]:
            problem(f"{name}: page {number} is outside the file or used twice")
            return leaves
        seen[number] = 1
        if kinds[number] != interior_type:
            problem(f"{name}: page {number} is damaged (not a page of this table or index)")
            return leaves
        buffer, base = pages.page(number)
        start = base + (100 if number == 1 else 0)
        _kind, free, cells, content, fragments, right = header(buffer, start)  # type: ignore[arg-type]
        content = content or 65536
        end = start - base + 12 + 2 * cells
        if end > content or content > usable or fragments > 60 or (free and not end <= free < usable):
            problem(f"{name}: page {number} is damaged (its cell layout does not fit the page)")
            return leaves
        pointers = struct.unpack_from(f">{cells}H", buffer, start + 12)  # type: ignore[arg-type]
        if pointers and not (content <= min(pointers) and max(pointers) <= usable - 4):
            problem(f"{name}: page {number} is damaged (a cell outside the page)")
            return leaves
        first = child_at(buffer, base + pointers[0])[0] if pointers else right  # type: ignore[arg-type]
        if 0 < first <= count and kinds[first] == leaf_type:
            leaves += cells + 1
            if not 0 < right <= count:
                problem(f"{name}: page {number} is damaged (a page number outside the file)")
                return leaves
            continue
        stack.extend(child_at(buffer, base + pointer)[0] for pointer in pointers)  # type: ignore[arg-type]
        stack.append(right)
    return leaves


def _check_freelist(pages: _Pages, seen: bytearray, problem: Callable[[str], None]) -> list[int]:
    """The free-page list's pages (trunks and leaves), checked against the header's count."""
    pages_found: list[int] = []
    trunk, expected = pages.freelist
    found, per_trunk = 0, pages.usable // 4 - 2
    while trunk:
        if not 1 < trunk <= pages.count or seen[trunk]:
            problem(f"the free-page list is damaged (page {trunk})")
            return pages_found
        seen[trunk] = 1
        pages_found.append(trunk)
        buffer, base = pages.page(trunk)
        leaves = _be32(buffer, base + 4)
        if leaves > per_trunk:
            problem(f"the free-page list is damaged (page {trunk})")
            return pages_found
        for i in range(leaves):
            leaf = _be32(buffer, base + 8 + 4 * i)
            if not 1 < leaf <= pages.count or seen[leaf]:
                problem(f"the free-page list is damaged (page {trunk} names page {leaf})")
                return pages_found
            seen[leaf] = 1
            pages_found.append(leaf)
        found += 1 + leaves
        if found > expected:
            break
        trunk = _be32(buffer, base)
    if found != expected:
        problem(f"the free-page list is damaged ({found} free pages, the header says {expected})")
    return pages_found


def confirmed(connection: sqlite3.Connection) -> list[str]:
    """SQLite's own quick_check on `connection`: [] when it finds the record sound."""
    try:
        rows = [str(row[0]) for row in connection.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows


__all__ = ["confirmed", "structure_problems"]

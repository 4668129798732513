"""Entries typed and not added yet (a lab result, a new medication line): kept as drafts on
this workstation, so a crash or a power cut does not lose them, and offered again when the
same person opens the same visit. A draft is not part of the record (nothing is audited and
no other workstation sees it) until it is added.

One small JSON file per record, visit, account and entry, in `data_dir()/drafts`, written
atomically (fsync, then rename) and readable by the owner only."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from cramp_dx.errors import CrampDxError
from cramp_dx.files import write_atomic

ENTRIES = ("lab", "medication")


class Drafts:
    def __init__(self, folder: Path, record: str, username: str) -> None:
        """`record` names the database (drafts of one record never show in another)."""
        self.folder = Path(folder)
        self._prefix = hashlib.sha256(f"{record}\n{username}".encode()).hexdigest()[:16]

    def _path(self, visit_id: int, entry: str) -> Path:
        if entry not in ENTRIES:
            raise ValueError(f"{entry!r} is not a draft entry; accepted: {', '.join(ENTRIES)}")
        return self.folder / f"{self._prefix}-{int(visit_id)}-{entry}.json"

    def save(self, visit_id: int, entry: str, fields: dict[str, str]) -> None:
        """Keep `fields` (the entry's texts by field name); all empty removes the draft."""
        path = self._path(visit_id, entry)
        if not any(value.strip() for value in fields.values()):
            self.clear(visit_id, entry)
            return
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise CrampDxError(f"the draft could not be kept: {exc.strerror or exc}") from exc
        write_atomic(path, json.dumps(fields, ensure_ascii=False, sort_keys=True).encode())

    def load(self, visit_id: int, entry: str) -> dict[str, str]:
        """The kept fields, or {} (also for a damaged file, which is then removed)."""
        path = self._path(visit_id, entry)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            path.unlink(missing_ok=True)
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}

    def clear(self, visit_id: int, entry: str) -> None:
        path = self._path(visit_id, entry)
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise CrampDxError(f"the draft could not be removed: {exc.strerror or exc}") from exc
        if os.name == "posix" and self.folder.is_dir():
            fd = os.open(self.folder, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

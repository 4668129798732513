"""Reading the knowledge files: the parsed TOML (cached), and the collector of problems every
part of the loader reports to, so one load lists all of them."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import tomllib
from pathlib import Path
from typing import Any

from cramp_dx.knowledge.conditions import Condition, ConditionError, Vocabulary, parse_condition
from cramp_dx.knowledge.keys import FILES
from cramp_dx.paths import cache_dir


def suggest(word: str, known: Any) -> str:
    match = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def parsed_toml(path: Path) -> dict[str, Any]:
    """A TOML file's tables. Python's TOML parser is slow (about 70 ms for the whole knowledge
    base, most of a CLI start), so the parsed form is kept as JSON in the cache folder, named
    by a hash of the file's bytes: an edited file is parsed again, a stale cache is never read."""
    data = path.read_bytes()
    cached = cache_dir() / "knowledge" / f"{path.stem}-{hashlib.sha256(data).hexdigest()[:32]}.json"
    try:
        loaded: dict[str, Any] = json.loads(cached.read_bytes())
        return loaded
    except (OSError, ValueError):
        pass
    parsed = tomllib.loads(data.decode("utf-8"))
    try:
        cached.parent.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        cached.parent.mkdir(mode=0o700, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(parsed), encoding="utf-8")
        os.replace(partial, cached)
    except (OSError, TypeError, ValueError):
        pass  # no writable cache folder: parse every time
    return parsed


class Reader:
    """Collects problems while building, so one load reports all of them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.problems: list[str] = []
        self.raw: dict[str, dict[str, Any]] = {}
        for name in FILES:
            path = folder / f"{name}.toml"
            try:
                self.raw[name] = parsed_toml(path)
            except FileNotFoundError:
                self.problems.append(f"{path}: missing")
                self.raw[name] = {}
            except tomllib.TOMLDecodeError as exc:
                self.problems.append(f"{path}: not valid TOML: {exc}")
                self.raw[name] = {}

    def fail(self, file: str, key: str, message: str) -> None:
        self.problems.append(f"{self.folder / (file + '.toml')}: {key}: {message}")

    def table(self, file: str, key: str) -> dict[str, dict[str, Any]]:
        value = self.raw[file].get(key, {})
        if not isinstance(value, dict):
            self.fail(file, key, "must be a table")
            return {}
        return value

    def require(
        self, file: str, key: str, entry: dict[str, Any], field: str, kind: type | tuple[type, ...]
    ) -> Any:
        value = entry.get(field)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            self.fail(file, f"{key}.{field}", f"required, must be {getattr(kind, '__name__', kind)}")
            return None
        return value

    def unknown_keys(
        self, file: str, key: str, entry: dict[str, Any], allowed: set[str] | frozenset[str]
    ) -> None:
        for extra in sorted(set(entry) - allowed):
            self.fail(
                file,
                f"{key}.{extra}" if key else extra,
                f"unknown key{suggest(extra, allowed)}; accepted: {', '.join(sorted(allowed))}",
            )

    def optional_condition(
        self, file: str, key: str, entry: dict[str, Any], name: str, vocab: Vocabulary
    ) -> Condition | None:
        """`entry[name]` as a condition (problems reported under `key.name`); None when absent."""
        return self.condition(file, f"{key}.{name}", entry[name], vocab) if name in entry else None

    def condition(self, file: str, key: str, raw: Any, vocab: Vocabulary) -> Condition | None:
        try:
            return parse_condition(raw, vocab)
        except ConditionError as exc:
            self.fail(file, key, str(exc))
            return None

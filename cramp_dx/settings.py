"""User settings: letterhead, database, idle lock, lab units, lab range overrides.

Stored as JSON in the user's config folder and written atomically. Unknown or invalid values
are reported by name (never silently replaced) when loading with `strict=True`.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from cramp_dx.errors import InputError, Problem
from cramp_dx.paths import config_dir

LAB_UNIT_PREFERENCES = ("conventional", "si")


@dataclass(frozen=True)
class Letterhead:
    clinic_name: str = "cramp_dx clinic"
    address: str = ""
    logo_path: str | None = None


@dataclass(frozen=True)
class Settings:
    letterhead: Letterhead = field(default_factory=Letterhead)
    database_url: str | None = None
    idle_lock_minutes: int = 5
    lab_units: str = "conventional"
    # lab id -> {"low": x, "high": y} in the lab's default unit, overriding the knowledge base
    lab_ranges: dict[str, dict[str, float]] = field(default_factory=dict)
    last_user: str | None = None

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def settings_path() -> Path:
    return config_dir() / "settings.json"


def _is_number(value: Any) -> bool:
    """A finite int or float; a null bound would leave the lab with no range at all."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _validate(data: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    minutes = data.get("idle_lock_minutes", 5)
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 240:
        problems.append(Problem("idle_lock_minutes", "must be a whole number from 1 to 240"))
    if data.get("lab_units", "conventional") not in LAB_UNIT_PREFERENCES:
        problems.append(Problem("lab_units", "accepted: conventional, si"))
    ranges = data.get("lab_ranges") or {}
    if not isinstance(ranges, dict):
        problems.append(Problem("lab_ranges", "must be an object: lab id -> {low, high}"))
        ranges = {}
    for lab, rng in ranges.items():
        if not isinstance(rng, dict) or not set(rng) <= {"low", "high"} or not rng:
            problems.append(Problem(f"lab_ranges.{lab}", "must be an object with low and/or high"))
            continue
        bad = [key for key, value in rng.items() if not _is_number(value)]
        for key in bad:
            problems.append(Problem(f"lab_ranges.{lab}.{key}", "must be a number"))
        if bad:
            continue
        low, high = rng.get("low"), rng.get("high")
        if low is not None and high is not None and low >= high:
            problems.append(Problem(f"lab_ranges.{lab}", "low must be below high"))
    return problems


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings; a missing file gives the defaults, a broken one an InputError."""
    path = path or settings_path()
    if not path.exists():
        return Settings()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(Problem(str(path), f"cannot read settings: {exc}")) from exc
    if not isinstance(data, dict):
        raise InputError(Problem(str(path), "settings must be a JSON object"))
    problems = _validate(data)
    if problems:
        raise InputError(problems)
    letterhead = Letterhead(
        **{k: v for k, v in (data.get("letterhead") or {}).items() if k in Letterhead.__dataclass_fields__}
    )
    return Settings(
        letterhead=letterhead,
        database_url=data.get("database_url"),
        idle_lock_minutes=data.get("idle_lock_minutes", 5),
        lab_units=data.get("lab_units", "conventional"),
        lab_ranges=dict(data.get("lab_ranges") or {}),
        last_user=data.get("last_user"),
    )


def without_password(settings: Settings) -> Settings:
    """`settings` whose database URL names no password: one it named is moved to the OS
    keyring (or the owner-only pgpass file, see cramp_dx.store.secrets) first."""
    url = settings.database_url
    if not url or "@" not in url or "://" not in url:
        return settings
    from cramp_dx.store.location import parse_location
    from cramp_dx.store.secrets import split_password, store_password

    bare, password = split_password(url)
    if password is None or bare is None:
        return settings
    store_password(parse_location(bare), password)
    return settings.with_changes(database_url=bare)


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write atomically, owner-only (the file 0600, its folder 0700), never with a password:
    one in the database URL goes to the OS keyring instead (`without_password`)."""
    from cramp_dx.files import private_folder

    path = path or settings_path()
    problems = _validate(asdict(settings))
    if problems:
        raise InputError(problems)
    settings = without_password(settings)
    private_folder(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(settings), handle, indent=2, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path

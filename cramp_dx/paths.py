"""Where cramp_dx keeps its files: resources shipped with it, and the user's data and settings."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    """`resources/` beside the package in a checkout, inside it in a wheel, or in a bundle."""
    here = Path(__file__).resolve().parent
    candidates = [
        here / "resources",  # wheel (hatch force-include)
        here.parent / "resources",  # source checkout / editable install
    ]
    bundle = getattr(sys, "_MEIPASS", None)  # PyInstaller one-folder app
    if bundle:
        candidates.insert(0, Path(bundle) / "resources")
    for candidate in candidates:
        if (candidate / "knowledge").is_dir():
            return candidate
    raise FileNotFoundError("cramp_dx resources not found; looked in: " + ", ".join(map(str, candidates)))


def data_dir() -> Path:
    """The user's data folder (the default SQLite record lives here). CRAMP_DX_DATA_DIR overrides."""
    override = os.environ.get("CRAMP_DX_DATA_DIR")
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("cramp-dx", appauthor=False))


def config_dir() -> Path:
    """The user's settings folder. CRAMP_DX_CONFIG_DIR overrides."""
    override = os.environ.get("CRAMP_DX_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_config_dir

    return Path(user_config_dir("cramp-dx", appauthor=False))


def cache_dir() -> Path:
    """Where derived files that can always be rebuilt go (the parsed knowledge base).
    CRAMP_DX_CACHE_DIR overrides."""
    override = os.environ.get("CRAMP_DX_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("cramp-dx", appauthor=False))

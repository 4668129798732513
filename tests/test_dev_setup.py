"""`packaging/dev.sh app` on a fresh Debian/Ubuntu: every X11 library Qt's xcb platform plugin
links to is installed by it (a missing libxcb-cursor0 only shows as "could not load the Qt
platform plugin xcb")."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import PySide6
import pytest

ROOT = Path(__file__).resolve().parent.parent
QT = Path(PySide6.__file__).resolve().parent / "Qt"
X11_PACKAGE = re.compile(r"^lib(xcb|x11|xkbcommon-x11)")


def _window_packages() -> set[str]:
    script = (ROOT / "packaging" / "dev.sh").read_text()
    body = script.split("qt_window_packages() {", 1)[1].split("\n}", 1)[0]
    words = body.replace("\\\n", " ").split("apt_install", 1)[1].split()
    return set(words)


def _linked_packages() -> set[str]:
    libraries = set()
    for binary in (QT / "plugins" / "platforms" / "libqxcb.so", QT / "lib" / "libQt6XcbQpa.so.6"):
        out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            name = line.split()[0] if line.strip() else ""
            if "=>" in line and "PySide6" not in line and name:
                libraries.add(name)
    found = subprocess.run(["dpkg", "-S", *(f"*/{library}" for library in sorted(libraries))],
                           capture_output=True, text=True, check=False).stdout
    return {line.split(":")[0] for line in found.splitlines() if ":" in line}


@pytest.mark.skipif(shutil.which("dpkg") is None or shutil.which("ldd") is None,
                    reason="needs a Debian/Ubuntu system (dpkg, ldd) to map libraries to packages")
def test_dev_sh_app_installs_every_x11_library_the_xcb_plugin_links_to():
    x11 = {p for p in _linked_packages() if X11_PACKAGE.match(p)}
    assert "libxcb-cursor0" in x11
    assert x11 <= _window_packages(), sorted(x11 - _window_packages())


def test_dev_sh_app_installs_the_window_libraries_before_starting():
    script = (ROOT / "packaging" / "dev.sh").read_text()
    app = script.split("    app)", 1)[1].split(";;", 1)[0]
    assert app.index("qt_window_packages") < app.index("exec")

#!/usr/bin/env bash
# The developer entry point. Each command sets itself up on a fresh machine:
#   bash packaging/dev.sh app [ARGS...]   run cramp-dx (no ARGS: the desktop app)
#   bash packaging/dev.sh test [PYTEST ARGS...]   run the whole test suite
# Set-up: a virtual environment in .venv (re-installed when pyproject.toml changes) and, when
# running as root with apt available, the system packages the tests need.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${CRAMP_DX_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

log() { printf '[dev.sh] %s\n' "$*" >&2; }

apt_install() {
    # Install Debian packages only when missing, and only where we may (root + apt).
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        log "missing system packages (install them yourself): ${missing[*]}"
        return 0
    fi
    log "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_venv() {
    local extras="$1"
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || { log "Python 3.11 or newer is needed ($PYTHON is $("$PYTHON" --version 2>&1))"; exit 1; }
    [ -x "$VENV/bin/python" ] || { log "creating $VENV"; "$PYTHON" -m venv "$VENV"; }
    local stamp="$VENV/.cramp-dx-installed"
    local want
    want="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -c1-16) $extras"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        log "installing cramp-dx[$extras] into $VENV"
        "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
        "$VENV/bin/python" -m pip install -q -e "$ROOT[$extras]"
        echo "$want" > "$stamp"
    fi
}

qt_runtime_packages() {
    # Libraries PySide6 loads even offscreen; present on most desktops already.
    apt_install libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0
}

qt_window_packages() {
    # What Qt's X11 platform plugin links to besides (`ldd` of PySide6's libqxcb.so and
    # libQt6XcbQpa.so.6; a fresh Debian/Ubuntu lacks libxcb-cursor0 and friends, and Qt then
    # only says it "could not load the Qt platform plugin xcb"), and libcups2, with which the
    # print dialog lists the CUPS printers. tests/test_dev_setup.py keeps this list complete.
    apt_install libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-glx0 libxcb-icccm4 \
        libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render0 libxcb-render-util0 \
        libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xkb1 \
        libxkbcommon-x11-0 libcups2
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
    app)
        qt_runtime_packages
        qt_window_packages
        ensure_venv "postgres"
        exec "$VENV/bin/cramp-dx" "$@"
        ;;
    test)
        qt_runtime_packages
        # PostgreSQL server binaries for the throwaway test cluster; poppler for PDF checks.
        ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_install postgresql
        apt_install poppler-utils
        # a private cupsd with a cups-pdf printer for the printing tests (tests/support/cups.py)
        apt_install cups cups-client printer-driver-cups-pdf
        ensure_venv "test,postgres,package"
        cd "$ROOT"
        set +e
        "$VENV/bin/python" -m pytest "$@"
        status=$?
        set -e
        # pytest's 5 means no test ran: that is a failure here, never a pass.
        [ "$status" -eq 5 ] && { log "no tests ran"; exit 1; }
        exit "$status"
        ;;
    *)
        echo "usage: bash packaging/dev.sh app [ARGS...] | test [PYTEST ARGS...]" >&2
        exit 2
        ;;
esac

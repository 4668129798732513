#!/usr/bin/env bash
# Build the one-folder desktop app: dist/cramp-dx/cramp-dx (Linux; macOS also gets
# dist/cramp-dx.app). One command on a fresh machine:
#   bash packaging/build.sh
# It creates a build environment in build/venv (cramp-dx with its `package` and `postgres`
# extras, re-installed when pyproject.toml changes), runs PyInstaller with
# packaging/cramp_dx.spec and prints the bundle size.
# Options (for CI and tests):
#   --python PY   use this interpreter (it must have PyInstaller) instead of build/venv
#   --dist DIR    where the app goes (default: dist)
#   --work DIR    PyInstaller's work folder (default: build/pyinstaller; kept to speed up rebuilds)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY=""
DIST="$ROOT/dist"
WORK="$ROOT/build/pyinstaller"

log() { printf '[build.sh] %s\n' "$*" >&2; }

while [ $# -gt 0 ]; do
    case "$1" in
        --python) PY="$2"; shift 2 ;;
        --dist) DIST="$2"; shift 2 ;;
        --work) WORK="$2"; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) log "unknown option $1"; exit 2 ;;
    esac
done

if [ -z "$PY" ]; then
    VENV="$ROOT/build/venv"
    BASE="${PYTHON:-python3}"
    "$BASE" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || { log "Python 3.11 or newer is needed ($BASE is $("$BASE" --version 2>&1))"; exit 1; }
    [ -x "$VENV/bin/python" ] || { log "creating $VENV"; "$BASE" -m venv "$VENV"; }
    stamp="$VENV/.cramp-dx-build"
    want="$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        log "installing cramp-dx[package,postgres] into $VENV"
        "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
        "$VENV/bin/python" -m pip install -q "$ROOT[package,postgres]"
        echo "$want" > "$stamp"
    fi
    PY="$VENV/bin/python"
fi
"$PY" -c 'import PyInstaller' 2>/dev/null \
    || { log "$PY has no PyInstaller: pip install 'cramp-dx[package]' (or drop --python)"; exit 1; }

log "building into $DIST/cramp-dx"
start=$SECONDS
"$PY" -m PyInstaller --noconfirm --log-level WARN \
    --distpath "$DIST" --workpath "$WORK" "$ROOT/packaging/cramp_dx.spec"
app="$DIST/cramp-dx"
[ -x "$app/cramp-dx" ] || [ -x "$app/cramp-dx.exe" ] || { log "no executable in $app"; exit 1; }
size_mb="$(du -sm "$app" | cut -f1)"
log "built $app in $((SECONDS - start)) s"
echo "bundle: $app (${size_mb} MB)"

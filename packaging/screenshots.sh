#!/usr/bin/env bash
# README screenshots from the real app under a virtual screen (Xvfb).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v xvfb-run >/dev/null || { echo "needs xvfb-run (apt-get install xvfb xauth)" >&2; exit 1; }
unset QT_QPA_PLATFORM
exec xvfb-run -a -s "-screen 0 1600x1000x24" "$ROOT/.venv/bin/python" "$ROOT/packaging/screenshots.py" "$@"

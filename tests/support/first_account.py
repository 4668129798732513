"""Run as a child process by the first-account race test: `cramp-dx user add NAME --role
admin` on an empty record, started at the wall-clock time START (so two of these start
together), with each write transaction held open a moment after its audit row is written (as
a slow disk or network would), so that the two overlap.

    python first_account.py URL NAME PASSWORD START
"""

from __future__ import annotations

import io
import sys
import time
from typing import Any

from cramp_dx.cli.main import main
from cramp_dx.services import audit

HOLD_SECONDS = 1.0


def run() -> int:
    url, name, password, start = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    append = audit.append

    def slow_append(*args: Any, **kwargs: Any) -> Any:
        event = append(*args, **kwargs)
        time.sleep(HOLD_SECONDS)
        return event

    audit.append = slow_append
    sys.stdin = io.StringIO(password + "\n")
    time.sleep(max(0.0, start - time.time()))
    return main(["user", "add", name, "--role", "admin", "--password-stdin", "--database-url", url])


if __name__ == "__main__":
    sys.exit(run())

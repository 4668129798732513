"""Screenshots at 100 % and 200 %: the real window on a 1600×1000 screen, each workup section
of a physician's visit shown and photographed (tests/support/layout_probe.py, a child process
since the scale is fixed when Qt starts). Nothing a person clicks is cut off: the findings'
Yes / No / — buttons, the lab entry, the test orders, the medication entry and buttons; a
medication name and dose fit their fields; every date shows whole; the window fits the screen.
At 200 % the screen is 800×500 device-independent pixels: the patient list makes way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.record import example, make_record

pytestmark = pytest.mark.gui
PROBE = Path(__file__).resolve().parent / "support" / "layout_probe.py"
ROOT = Path(__file__).resolve().parent.parent


# ex4 has the longest "Next tests" of the examples (and a neurological examination)
@pytest.mark.parametrize("case", ["ex2-early-swollen-calf", "ex4-wrong-level"])
@pytest.mark.parametrize("scale", ["1", "2"])
def test_nothing_is_cut_off_on_a_1600_by_1000_screen(tmp_path, scale, case):
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    record = make_record(url)
    visit = record.services("doc").import_case(example(case))
    record.db.dispose()
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_SCALE_FACTOR=scale)
    env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run(
        [sys.executable, str(PROBE), url, str(visit.id), str(tmp_path), "1600", "1000"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(report["shots"]) == 10 and all(Path(s).stat().st_size for s in report["shots"])
    assert report["problems"] == []

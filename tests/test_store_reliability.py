"""Nothing lost: kill -9 in the middle of saves, and a backup taken while another process
writes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.record import example, make_record

from cramp_dx.services import Services, audit
from cramp_dx.store import backup, open_database

WRITER = Path(__file__).resolve().parent / "support" / "writer.py"
ROOT = Path(__file__).resolve().parent.parent


def start_writer(url: str, visit_id: int, count: int) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [sys.executable, str(WRITER), url, str(visit_id), str(count)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready", process.stderr.read()
    return process


@pytest.mark.slow
def test_a_process_killed_mid_stream_loses_no_returned_save(tmp_path):
    path = tmp_path / "record.sqlite3"
    rec = make_record(f"sqlite:///{path}")
    visit = rec.services().import_case(example("ex1-diuretic-cramps"))
    rec.db.dispose()

    writer = start_writer(f"sqlite:///{path}", visit.id, 100_000)
    assert writer.stdout is not None
    last: list[str] = []
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        line = writer.stdout.readline()
        if not line:
            break
        last = line.split()
        if int(last[1]) >= 60:
            break
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    assert last, "the writer saved nothing"
    _, n, version, value = last

    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    raw.close()
    db = open_database(f"sqlite:///{path}")
    rec_visit = Services(db, rec.doc).load_visit(visit.id)
    assert rec_visit.version >= int(version)
    if rec_visit.version == int(version):
        assert rec_visit.workup.measurements["heart_rate_bpm"] == float(value)
    assert audit.verify(db) == []
    updates = [e for e in Services(db, rec.doc).audit_trail(visit.patient_id) if e.action == "update"]
    assert len(updates) >= int(n)
    db.dispose()


@pytest.mark.slow
def test_a_backup_taken_while_another_process_writes_restores_consistent(tmp_path):
    path = tmp_path / "record.sqlite3"
    rec = make_record(f"sqlite:///{path}")
    visit = rec.services().import_case(example("ex2-early-swollen-calf"))
    writer = start_writer(f"sqlite:///{path}", visit.id, 100_000)
    try:
        time.sleep(0.3)
        backup.backup(rec.db, tmp_path / "during.sqlite3")
        time.sleep(0.2)
    finally:
        writer.kill()
        writer.wait()
    rec.db.dispose()

    restored_path = tmp_path / "restored.sqlite3"
    target = make_record(f"sqlite:///{restored_path}")
    Services(target.db, target.admin).restore_record(tmp_path / "during.sqlite3")
    target.db.dispose()
    db = open_database(f"sqlite:///{restored_path}")
    assert backup.check(db) == []
    assert audit.verify(db) == []
    loaded = Services(db, rec.doc).load_visit(visit.id)
    updates = [e for e in Services(db, rec.doc).audit_trail(visit.patient_id) if e.action == "update"]
    assert loaded.version == 1 + len(updates) and updates
    db.dispose()

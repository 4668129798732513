"""Desktop app speed.

1. Cold start on a record of 10,000 patients, against a bare PySide6 window plus an SQLAlchemy
   connection, each in a fresh process, alternated in the same run; each timed from launching
   the process to the moment its window has been painted (the line "ready" on its stdout).
   A person has to type a password between the app's start and its patient list, so the app
   is timed in two parts, both reported against the bare window:
   - start → sign-in page painted and taking keys (the app started as `cramp-dx` starts it).
   - sign-in → patient list painted (argon2 password check, first patient-list query).
   While the password is typed the app opens the record (SQLAlchemy, schema check), builds
   the workspace and loads the knowledge base, the engine and the workup page (its
   "warm-up"); that time is shown too, and must stay shorter than typing a password takes.
   The sum of both parts, typing excluded, is the figure compared with the 1.6× target.
2. A finding toggled → differential re-ranked and repainted: median (target ≤ 50 ms).
3. A click on the dermatome map → level check and differential re-ranked and repainted, map
   included: median (target ≤ 50 ms).

    .venv/bin/python benchmarks/bench_gui.py [--patients N] [--runs N] [--clicks-only]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PASSWORD = "bench-password-1"
WARM_UP_BUDGET_S = 1.5  # typing a user's password (the user name is remembered) takes longer

BARE = """
import sys
from PySide6.QtWidgets import QApplication, QMainWindow, QTableWidget
from sqlalchemy import create_engine, text
app = QApplication(sys.argv[:1])
engine = create_engine(sys.argv[1])
with engine.connect() as conn:
    conn.execute(text("select 1")).all()
window = QMainWindow()
window.setCentralWidget(QTableWidget(0, 3))
window.resize(1500, 950)
window.show()
app.processEvents()
window.repaint()
print("ready", flush=True)
"""

# as `cramp-dx` starts it (ui/app.py run_app): the record is opened by the warm-up
START = """
import sys, time
from cramp_dx.ui.app import application, create_window
from cramp_dx.settings import Settings
app = application()
window = create_window(None, Settings(), database_url=sys.argv[1], persist_settings=False,
                       offer_demo=lambda _p: False)
window.show()
app.processEvents()
window.repaint()
"""

APP = START + """
assert window.sign_in.password.isVisible()
print("ready", flush=True)
started = time.perf_counter()
while not window.warm_up_done():  # the person types the password meanwhile
    app.processEvents()
    time.sleep(0.002)
warm_up = time.perf_counter() - started
started = time.perf_counter()
window._sign_in("bench", sys.argv[2])
assert len(window.patient_list.rows) == 50, window.patient_list.rows
app.processEvents()
window.repaint()
print("list", time.perf_counter() - started, warm_up, flush=True)
"""


APP_AT_ONCE = START + """
window._sign_in("bench", sys.argv[2])  # Enter at once: the record is opened now, not in the warm-up
assert len(window.patient_list.rows) == 50, window.patient_list.rows
app.processEvents()
window.repaint()
print("ready", flush=True)
"""


def timed_process(code: str, *args: str) -> tuple[float, str]:
    """Seconds from launching `code` in a fresh interpreter to its "ready" line; its later
    output."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    assert process.stdout is not None
    first = process.stdout.readline()
    ready = time.perf_counter() - started
    rest = process.stdout.read()
    if process.wait() != 0 or first.strip() != "ready":
        raise RuntimeError(f"benchmark process failed: {first!r} {rest!r}")
    return ready, rest


def compile_project() -> None:
    """Byte-compile cramp_dx as an installed app has it (pip and the bundle ship compiled
    modules; the bare baseline's PySide6 and SQLAlchemy are compiled too). A checkout run
    with PYTHONDONTWRITEBYTECODE would otherwise compile every module on each start."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "cramp_dx")],
                   check=True, stdout=subprocess.DEVNULL)


def make_record(folder: Path, patients: int) -> str:
    from bench_record import generate

    from cramp_dx.services import Services
    from cramp_dx.store import open_database
    from cramp_dx.store.location import sqlite_url_text

    path = folder / "bench.sqlite3"
    url = sqlite_url_text(path)
    db = open_database(url)
    Services.create_account(db, "bench", PASSWORD, "physician")
    db.dispose()
    generate(path, patients, visits_per_patient=1)
    return url


def toggle_median(url: str, runs: int) -> tuple[float, float]:
    from PySide6.QtWidgets import QApplication

    from cramp_dx.settings import Settings
    from cramp_dx.store import open_database
    from cramp_dx.ui.app import application, create_window

    app = application()
    db = open_database(url)
    window = create_window(db, Settings(), persist_settings=False, offer_demo=lambda _p: False)
    window.show()
    window._sign_in("bench", PASSWORD)
    window.patient_list.refresh()
    window.open_patient(window.patient_list.rows[0].id)
    page = window.visit_page
    page.editor.show_section("examination")
    control = page.editor.finding_control("calf_swelling_unilateral")
    app.processEvents()
    times, assess = [], []
    for i in range(runs):
        value = i % 2 == 0
        started = time.perf_counter()
        control.buttons[value].click()  # → pending edit → assess → differential/banner updated
        page.differential.tree.viewport().repaint()
        page.banner.repaint()
        control.repaint()
        QApplication.processEvents()
        times.append((time.perf_counter() - started) * 1000)
        assess.append(page.last_assess_ms)
        assert ("dvt_likely" in page.banner.flag_ids()) == value
    page.flush()
    window.close()
    window.deleteLater()
    QApplication.sendPostedEvents(None, 0)
    db.dispose()
    return statistics.median(times), statistics.median(assess)


def map_click_median(url: str, runs: int) -> tuple[float, float]:
    """Clicks on one area of the dermatome map, each moving it on through not examined →
    normal → reduced → absent → painful; with the weak L5 muscles already recorded, the derived
    root appears and goes again. Timed from the click to the map, the level check, the
    differential and the banner repainted."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from cramp_dx.services import Services, changes
    from cramp_dx.settings import Settings
    from cramp_dx.store import open_database
    from cramp_dx.ui.app import application, create_window

    app = application()
    db = open_database(url)
    window = create_window(db, Settings(), persist_settings=False, offer_demo=lambda _p: False)
    window.show()
    window._sign_in("bench", PASSWORD)
    window.patient_list.refresh()
    patient = window.patient_list.rows[1].id
    services = Services(db, window.services.account)
    record = services.load_visit(services.list_visits(patient)[0].id)
    for muscle in ("great_toe_extension", "ankle_dorsiflexion", "hip_abduction"):
        weak = changes.SetNeuroSign("left", "strength", muscle, 4)
        record = services.apply(record.id, weak, record.version)
    window.open_patient(patient)
    page = window.visit_page
    page.editor.show_section("examination")
    panel = page.editor.neuro
    for _ in range(5):  # the layout settles over a few turns
        app.processEvents()
    point = panel.map.area_centre("left", "dorsum_of_foot").toPoint()
    times, assess, roots = [], [], set()
    for _ in range(runs):
        started = time.perf_counter()
        QTest.mouseClick(panel.map, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
        panel.map.repaint()
        panel.level.repaint()
        page.differential.tree.viewport().repaint()
        page.banner.repaint()
        QApplication.processEvents()
        times.append((time.perf_counter() - started) * 1000)
        assess.append(page.last_assess_ms)
        roots.add(panel.level.roots_text)
    assert roots == {"", "L5 (left)"}, roots  # the derived root came and went
    page.flush()
    window.close()
    window.deleteLater()
    QApplication.sendPostedEvents(None, 0)
    db.dispose()
    return statistics.median(times), statistics.median(assess)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    parser.add_argument("--json", action="store_true", help="print rows as JSON (benchmarks/run_all.py)")
    parser.add_argument(
        "--clicks-only", action="store_true",
        help="only the finding toggle and the dermatome map click (a record of 1,000 patients)",
    )
    args = parser.parse_args()
    if args.clicks_only:
        with tempfile.TemporaryDirectory() as tmp:
            url = make_record(Path(tmp), min(args.patients, 1000))
            toggle, assess = toggle_median(url, 60)
            click, click_assess = map_click_median(url, 60)
        print(f"finding toggle -> re-ranked and repainted: median {toggle:.1f} ms "
              f"(assess alone {assess:.1f} ms; target <= 50 ms)")
        print(f"dermatome map click -> level check and differential repainted: median {click:.1f} ms "
              f"(assess alone {click_assess:.1f} ms; target <= 50 ms)")
        return 0
    if args.quick:
        args.runs = 3
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        url = make_record(folder, args.patients)
        if not args.json:
            print(f"record: {args.patients:,} patients generated in {time.perf_counter() - started:.1f} s")
        compile_project()
        timed_process(BARE, url)  # warm the OS file cache for both alike
        timed_process(APP, url, PASSWORD)
        bare, app, listed, warm, at_once = [], [], [], [], []
        for _ in range(args.runs):
            bare.append(timed_process(BARE, url)[0])
            at_once.append(timed_process(APP_AT_ONCE, url, PASSWORD)[0])
            seconds, out = timed_process(APP, url, PASSWORD)
            app.append(seconds)
            _, list_s, warm_s = out.split()
            listed.append(float(list_s))
            warm.append(float(warm_s))
        bare_s, app_s = statistics.median(bare), statistics.median(app)
        list_s, warm_s = statistics.median(listed), statistics.median(warm)
        at_once_s = statistics.median(at_once)
        if args.json:
            toggle, _assess = toggle_median(url, 60)
            click, _click_assess = map_click_median(url, 60)
            total = app_s + list_s
            print(json.dumps([
                {"benchmark": f"gui: cold start to the sign-in page painted ({args.patients:,} patients)",
                 "value": round(app_s * 1000), "unit": "ms", "baseline": round(bare_s * 1000),
                 "ratio": round(app_s / bare_s, 2), "target": "first part of the next row",
                 "ok": app_s / bare_s <= 1.6},
                {"benchmark": "gui: start + sign-in → patient list painted (typing excluded)",
                 "value": round(total * 1000), "unit": "ms", "baseline": round(bare_s * 1000),
                 "ratio": round(total / bare_s, 2), "target": "≤ 1.6× bare PySide6 window + SQLAlchemy",
                 "ok": total / bare_s <= 1.6},
                {"benchmark": "gui: warm-up while the password is typed (record, knowledge, workup page)",
                 "value": round(warm_s * 1000), "unit": "ms", "baseline": None, "ratio": None,
                 "target": f"< {WARM_UP_BUDGET_S:g} s (less than typing a password takes)",
                 "ok": warm_s < WARM_UP_BUDGET_S},
                {"benchmark": "gui: start → patient list, Enter pressed at once (no typing time)",
                 "value": round(at_once_s * 1000), "unit": "ms", "baseline": round(bare_s * 1000),
                 "ratio": round(at_once_s / bare_s, 2), "target": "none; shown so nothing is hidden",
                 "ok": None},
                {"benchmark": "gui: finding toggled → re-ranked and repainted (median)",
                 "value": round(toggle, 1), "unit": "ms", "baseline": None, "ratio": None,
                 "target": "≤ 50 ms", "ok": toggle <= 50},
                {"benchmark": "gui: dermatome map clicked → level check and differential repainted (median)",
                 "value": round(click, 1), "unit": "ms", "baseline": None, "ratio": None,
                 "target": "≤ 50 ms", "ok": click <= 50},
            ]))
            return 0
        print(f"cold start, bare PySide6 window + SQLAlchemy connection: {bare_s * 1000:6.0f} ms")
        print(f"cold start, cramp_dx to sign-in page painted:           {app_s * 1000:6.0f} ms"
              f"  ratio {app_s / bare_s:.2f}x")
        print(f"  warm-up while the password is typed (record, workspace, knowledge base, engine, "
              f"workup page): {warm_s * 1000:.0f} ms (budget < {WARM_UP_BUDGET_S:g} s)")
        print(f"sign-in -> patient list painted (argon2 check, first list query): "
              f"{list_s * 1000:6.0f} ms  ({list_s / bare_s:.2f}x the bare window)")
        total = app_s + list_s
        print(f"both parts together (typing time excluded): {total * 1000:6.0f} ms  "
              f"ratio {total / bare_s:.2f}x (the figure for the target <= 1.6x)")
        print(f"start -> patient list with Enter pressed at once (no typing): {at_once_s * 1000:6.0f} ms  "
              f"ratio {at_once_s / bare_s:.2f}x (for information)")
        toggle, assess = toggle_median(url, 60)
        print(f"finding toggle -> re-ranked and repainted: median {toggle:.1f} ms "
              f"(assess alone {assess:.1f} ms; target <= 50 ms)")
        click, click_assess = map_click_median(url, 60)
        print(f"dermatome map click -> level check and differential repainted: median {click:.1f} ms "
              f"(assess alone {click_assess:.1f} ms; target <= 50 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The database off the GUI thread: PostgreSQL behind a proxy that adds 20 ms to every round
trip. A save then takes a few hundred milliseconds; the window does not wait for it (a finding
clicked meanwhile is re-ranked at once), the save completes in the background, and closing
the app while it is in flight loses nothing. (benchmarks/bench_slow_database.py measures the
medians.)"""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from support.delay_proxy import DelayProxy
from support.postgres import postgres_server, postgres_url  # noqa: F401 - fixtures
from support.record import PASSWORDS, example, make_record
from support.ui import no_leaked_windows  # noqa: F401 - fixture

from cramp_dx.settings import Settings
from cramp_dx.store import open_database

pytestmark = [pytest.mark.gui, pytest.mark.postgres]
ONE_WAY_S = 0.010  # 20 ms per round trip


@pytest.fixture
def slow_window(postgres_server, postgres_url, qtbot, no_leaked_windows):  # noqa: F811
    from cramp_dx.ui.app import application, create_window

    application()
    record = make_record(postgres_url)
    visit = record.services("doc").import_case(example("ex1-diuretic-cramps"))
    with DelayProxy((postgres_server.host, postgres_server.port), ONE_WAY_S) as proxy:
        slow_url = postgres_url.replace(f":{postgres_server.port}/", f":{proxy.port}/")
        database = open_database(slow_url)
        window = create_window(database, Settings(), persist_settings=False,
                               offer_demo=lambda _parent: False)
        qtbot.addWidget(window)
        window.show()
        window._sign_in("doc", PASSWORDS["doc"])
        window.open_record(window.services.load_visit(visit.id))
        window.visit_page.editor.show_section("examination")
        yield window, record, visit
        window.close()
        database.dispose()
    record.db.dispose()


def _stored_findings(record, visit):
    return record.services("doc").load_visit(visit.id).workup.findings


def test_a_click_is_re_ranked_while_a_save_is_in_flight(slow_window, qtbot):
    window, record, visit = slow_window
    page = window.visit_page
    control = page.editor.finding_control("varicose_veins_visible")
    qtbot.mouseClick(control.buttons[False], Qt.MouseButton.LeftButton)
    page.session.run(None)  # save now
    save_started = time.perf_counter()
    assert page.session.saving()

    assert "progressive_deficit" not in page.banner.flag_ids()
    clicked = time.perf_counter()
    qtbot.mouseClick(page.editor.finding_control("foot_drop").buttons[True],
                     Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    click_s = time.perf_counter() - clicked
    assert "progressive_deficit" in page.banner.flag_ids()  # re-ranked from the pending edit
    assert page.session.saving()  # ... while the first save is still going

    qtbot.waitUntil(lambda: not page.session.pending and page.session.idle(), timeout=10_000)
    save_s = time.perf_counter() - save_started
    findings = _stored_findings(record, visit)
    assert findings["varicose_veins_visible"] is False and findings["foot_drop"] is True
    assert click_s < save_s / 2, (click_s, save_s)


def test_closing_while_a_save_is_in_flight_loses_nothing(slow_window, qtbot):
    window, record, visit = slow_window
    page = window.visit_page
    qtbot.mouseClick(page.editor.finding_control("foot_drop").buttons[True],
                     Qt.MouseButton.LeftButton)
    page.session.run(None)
    assert page.session.saving()
    qtbot.mouseClick(page.editor.finding_control("varicose_veins_visible").buttons[False],
                     Qt.MouseButton.LeftButton)  # pending behind the save in flight
    window.close()
    findings = _stored_findings(record, visit)
    assert findings["foot_drop"] is True and findings["varicose_veins_visible"] is False

"""The Scan pane over time, walked as a user meets it: a device silent for a while is
dimmed and leaves "now"; in a passive scan the scan response on screen says how old it is;
the detail tells the measured interval and the report count."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from textual.containers import VerticalScroll

from blebench.session.manager import SessionManager
from blebench.ui.scan.pane import ScanPane
from blebench.ui.scan.table import DeviceTable
from tests.ui.app_harness import screen_text
from tests.ui.snapshots.fixed_world import NOW, FrozenClock, catalogue, open_world
from tests.ui.snapshots.test_snapshots import (
    PULSE,
    app_for,
    connect_from_list,
    highlight,
    listed,
    wait_for,
)

NAMES = ("Pulse HRM", "iBeacon", "AltBeacon")  # AltBeacon: last heard 47 s before NOW


@pytest.fixture
async def world() -> AsyncIterator[tuple[SessionManager, FrozenClock]]:
    session, clock = await open_world(catalogue(NAMES), catalogue(NAMES))
    try:
        yield session, clock
    finally:
        await session.close()


async def test_silent_devices_leave_now_and_an_old_scan_response_says_its_age(
    world: tuple[SessionManager, FrozenClock],
) -> None:
    session, clock = world
    app = app_for(session)
    async with app.run_test(size=(160, 45)) as pilot:
        table = await listed(pilot, 3)
        await highlight(pilot, table, PULSE)
        assert "2 now, 3 seen" in screen_text(app)
        assert "every 1.00 s (measured) · 24 reports" in screen_text(app)
        # 40 s later nothing more was heard: all three are out of "now", still listed.
        clock.now = NOW + 40
        await wait_for(pilot, lambda: "0 now, 3 seen" in screen_text(app))
        assert table.shown == 3
        # Passive: no scan request goes out, so the response shown is the old one.
        column = app.screen.query_one("#scan-response-column", VerticalScroll)
        assert column.border_title == "Scan response"
        await pilot.press("a")
        pane = app.screen.query_one(ScanPane)
        await wait_for(pilot, lambda: pane.detail.passive)
        await wait_for(pilot, lambda: "40s ago" in str(column.border_title))
        assert "in an active scan (passive asks for none)" in str(column.border_title)
        assert "Scan response · heard 40s ago" in screen_text(app)


async def test_a_linked_device_stays_in_now_though_it_stopped_advertising(
    world: tuple[SessionManager, FrozenClock],
) -> None:
    session, clock = world
    app = app_for(session)
    async with app.run_test(size=(160, 45)) as pilot:
        await connect_from_list(pilot, PULSE, 3)
        clock.now = NOW + 40  # nothing heard since: only the link says it is there
        await pilot.press("1")
        await wait_for(pilot, lambda: "1 now, 3 seen" in screen_text(app))
        table = app.screen.query_one(DeviceTable)
        assert table.get_cell(PULSE, "linked").plain == "● yes"
        assert "dim" not in str(table.get_cell(PULSE, "rssi").style)

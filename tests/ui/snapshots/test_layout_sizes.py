"""Each pane at 80x24, 120x40 and 160x45, on the fixed world of `fixed_world`: what is
reachable and not cut at each size, asserted where a user would notice, then the picture.

80x24: the Scan list keeps its name, RSSI, Connectable, Linked, address and last seen
columns with the filters on one line; the GATT pane's Disconnect and the value editor fit.
120x40: every Scan column of a 120-column table (the timing ones join at 140+). 160x45: the
console's match hint and the lab ladder's fields fit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, Static, TabbedContent

from blebench.session.manager import SessionManager
from blebench.ui.security.ladder import LadderView
from blebench.ui.streams import StreamsPane
from blebench.ui.streams.plot import LivePlot
from blebench.ui.streams.stream_table import StreamTable
from tests.ui.app_harness import screen_text
from tests.ui.snapshots.conftest import SnapshotCheck
from tests.ui.snapshots.fixed_world import (
    HOSTILE_DEVICES,
    NOW,
    SCAN_SET,
    catalogue,
    hostile,
    open_world,
)
from tests.ui.snapshots.test_snapshots import (
    HRM_UUID,
    PULSE,
    SCAN_COUNT,
    UART,
    UART_TX_UUID,
    app_for,
    connect_from_list,
    heart_rate,
    highlight,
    listed,
    read_characteristic,
    telemetry,
    wait_for,
)

pytestmark = pytest.mark.snapshot

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40"),
         pytest.param((160, 45), id="160x45")]
ALWAYS = ("name", "address", "rssi", "connectable", "linked", "seen")
AT_120 = (*ALWAYS, "type", "trend", "kind")
AT_160 = (*AT_120, "interval", "reports", "phy")


@pytest.fixture
async def scan_world() -> AsyncIterator[SessionManager]:
    """The catalogue and the hostile user devices heard in a fixed way (as test_snapshots)."""
    session, _clock = await open_world(
        catalogue(SCAN_SET), [*catalogue(SCAN_SET), *hostile()], sim_devices=HOSTILE_DEVICES
    )
    try:
        yield session
    finally:
        await session.close()


@pytest.fixture
async def gatt_world() -> AsyncIterator[SessionManager]:
    """Pulse HRM and the HID keyboard, heard in a fixed way, connectable for real."""
    names = ("Pulse HRM", "HID Keyboard")
    session, _clock = await open_world(catalogue(names), catalogue(names))
    try:
        yield session
    finally:
        await session.close()


def inside_screen(pilot: Pilot[Any], widget: Any) -> bool:
    """The widget is drawn whole: its region within the screen's width and height."""
    region = widget.region
    width, height = pilot.app.size
    return region.width > 0 and region.right <= width and region.bottom <= height


class TestScanSizes:
    @pytest.mark.parametrize("size", SIZES)
    async def test_scan(
        self, size: tuple[int, int], scan_world: SessionManager, svg_snapshot: SnapshotCheck
    ) -> None:
        """The columns that fit, none cut; the AltBeacon (47 s silent) dimmed and out of
        "now"; the strongest device's interval, reports and PHY in the detail."""
        app = app_for(scan_world)
        async with app.run_test(size=size) as pilot:
            table = await listed(pilot, SCAN_COUNT)
            await highlight(pilot, table, PULSE)
            keys = set(table.column_keys)
            expected = {80: ALWAYS, 120: AT_120, 160: AT_160}[size[0]]
            assert keys >= set(expected)
            # No column narrower than its label (so no label is cut), none off the edge.
            for column in table.columns.values():
                assert column.width >= len(column.label.plain)
            assert table.virtual_size.width <= table.size.width
            for selector in ("#filter-text", "#filter-uuid", "#filter-company", "#filter-rssi"):
                field = app.screen.query_one(selector, Input)
                assert inside_screen(pilot, field) and field.region.width >= 12
            text = screen_text(app)
            assert f"12 now, {SCAN_COUNT} seen" in text
            assert "every" in text and "reports" in text and "PHY 1M" not in text  # no PHY fed
            assert await svg_snapshot(pilot)


class TestGattSizes:
    @pytest.mark.parametrize("size", SIZES)
    async def test_gatt(
        self, size: tuple[int, int], gatt_world: SessionManager, svg_snapshot: SnapshotCheck
    ) -> None:
        """Pulse HRM connected: Read, Write, Subscribe and Disconnect and the value editor
        all on screen, the editor's field wide enough to type in."""
        app = app_for(gatt_world)
        async with app.run_test(size=size) as pilot:
            await connect_from_list(pilot, PULSE, 2)
            await read_characteristic(pilot, "2a38", "Chest")
            for button in app.screen.query("#gatt-actions Button").results(Button):
                if button.display:
                    assert inside_screen(pilot, button), button.id
            disconnect = app.screen.query_one("#gatt-disconnect", Button)
            assert inside_screen(pilot, disconnect)
            editor = app.screen.query_one("ValueEditor Input", Input)
            assert inside_screen(pilot, editor) and editor.region.width >= 20
            assert await svg_snapshot(pilot)


class TestStreamsSizes:
    @pytest.mark.parametrize("size", SIZES)
    async def test_streams(self, size: tuple[int, int], svg_snapshot: SnapshotCheck) -> None:
        """Two streams: the table with Gaps and Drops explained beside it, the log, the
        plot, the console with its hints."""
        names = ("Pulse HRM", "UART Bridge")
        session, clock = await open_world(catalogue(names), catalogue(names))
        try:
            heart = session.streams.open(PULSE, 0x000E, HRM_UUID, name="Heart Rate Measurement")
            uart = session.streams.open(UART, 0x0013, UART_TX_UUID, name="UART TX")
            for second in range(20):
                clock.now = NOW - 19 + second
                heart.push(heart_rate(second))
                if second % 13 != 12:
                    for part in range(1, 4):
                        clock.now = NOW - 20 + second + part * 0.3
                        uart.push(telemetry(second * 3 + part))
            clock.now = NOW
            app = app_for(session)
            async with app.run_test(size=size) as pilot:
                await listed(pilot, 2)
                await pilot.press("3")
                pane = app.screen.query_one(StreamsPane)
                plot = pane.query_one(LivePlot)
                await wait_for(pilot, lambda: bool(plot.series) and not plot._dirty)  # noqa: SLF001
                status = str(pane.query_one("#streams-status", Static).content)
                assert "Gaps: silences" in status and "Drops:" in status
                # Every column of the stream table on screen (Gaps, Drops, State at 80 too),
                # none behind sideways scrolling.
                streams = pane.query_one(StreamTable)
                assert streams.virtual_size.width <= streams.size.width
                header = next(line for line in screen_text(app).splitlines() if "Rate/s" in line)
                assert "Gaps" in header and "Drops" in header and "State" in header
                export = pane.query_one("#streams-export", Button) if pane.query(
                    "#streams-export") else None
                if export is not None:
                    assert inside_screen(pilot, export)
                match = pane.query_one("#console-match", Input)
                if size[0] >= 160:  # the whole hint
                    assert match.region.width - 4 >= len(match.placeholder)
                assert await svg_snapshot(pilot)
        finally:
            await session.close()


class TestSecuritySizes:
    @pytest.mark.parametrize("size", SIZES)
    async def test_security(
        self, size: tuple[int, int], gatt_world: SessionManager, svg_snapshot: SnapshotCheck
    ) -> None:
        """The pairing options, the pair target and the matrix."""
        app = app_for(gatt_world)
        async with app.run_test(size=size) as pilot:
            await listed(pilot, 2)
            await pilot.press("4")
            pair = app.screen.query_one("#pair-button", Button)
            await wait_for(pilot, lambda: pair.region.width > 0)
            assert inside_screen(pilot, pair)
            assert await svg_snapshot(pilot)


@pytest.mark.slow
async def test_the_lab_ladders_fields_fit_at_160x45(gatt_world: SessionManager) -> None:
    """Run in lab: every PDU's fields are on screen (one per line), none past the edge."""
    app = app_for(gatt_world)
    async with app.run_test(size=(160, 45)) as pilot:
        await listed(pilot, 2)
        await pilot.press("4")
        app.screen.query_one("#security-tabs", TabbedContent).active = "tab-lab"
        ladder = app.screen.query_one(LadderView)
        await wait_for(pilot, lambda: ladder.region.width > 0)
        ladder.query_one("#lab-run", Button).press()
        table = ladder.query_one("#lab-ladder", DataTable)
        await wait_for(pilot, lambda: ladder.result is not None and table.row_count > 0)
        table.focus()
        await pilot.pause()
        assert table.virtual_size.width <= table.size.width  # nothing to scroll sideways
        text = "\n".join(str(table.get_cell_at(Coordinate(r, 3))) for r in range(table.row_count))
        assert "auth_req=" in text and "…" not in text

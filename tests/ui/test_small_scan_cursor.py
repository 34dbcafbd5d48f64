"""The Scan list's cursor: on the top row until the user moves it, then on the device they
chose (by address) however the rows re-sort by RSSI."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from textual.app import App, ComposeResult
from textual.coordinate import Coordinate

from blebench.session.manager import SessionManager
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from blebench.sim.catalogue.smart_lock import SmartLock
from blebench.sim.catalogue.uart_bridge import UartBridge
from blebench.ui import settings as settings_mod
from blebench.ui.factory import make_app
from blebench.ui.scan.model import ScanRow
from blebench.ui.scan.table import DeviceTable
from tests.ui.app_harness import SIZE, opened_session, table_of, wait_until


def row(address: str, rssi: int, heard: float) -> ScanRow:
    return ScanRow(address=address, name=f"dev {address[-2:]}", address_type="public",
                   rssi=rssi, rssi_history=(rssi,), connectable=True, first_seen=heard,
                   last_seen=heard, adv=None, scan_response=None, kind="")


class TableHost(App[None]):
    def compose(self) -> ComposeResult:
        yield DeviceTable(id="devices")


def order(table: DeviceTable) -> list[str]:
    return [str(table.coordinate_to_cell_key(Coordinate(i, 0)).row_key.value)
            for i in range(table.row_count)]


async def test_top_row_until_moved_then_the_same_device() -> None:
    app = TableHost()
    async with app.run_test(size=(160, 20)) as pilot:
        table = app.query_one(DeviceTable)
        table.focus()
        # The weakest is heard first: it is row 0 until the list sorts by RSSI.
        table.ingest([row("AA:00:00:00:00:01", -90, 1.0)], now=1.0)
        table.ingest([row("AA:00:00:00:00:02", -40, 1.1), row("AA:00:00:00:00:03", -60, 1.2)],
                     now=1.2)
        table.resort(now=3.0, force=True)
        await pilot.pause()
        assert order(table)[0] == "AA:00:00:00:00:02"
        assert table.cursor_row == 0
        assert table.highlighted_address() == "AA:00:00:00:00:02"  # the top row, not :01

        # A stronger device arrives and sorts to the top: the untouched cursor stays on top.
        table.ingest([row("AA:00:00:00:00:04", -30, 4.0)], now=4.0)
        table.resort(now=6.0, force=True)
        await pilot.pause()
        assert table.highlighted_address() == "AA:00:00:00:00:04"

        # The user picks the second row (:02), then the RSSI reshuffles the list.
        await pilot.press("down")
        assert table.highlighted_address() == "AA:00:00:00:00:02"
        table.ingest([row("AA:00:00:00:00:02", -95, 7.0), row("AA:00:00:00:00:01", -20, 7.0)],
                     now=7.0)
        table.resort(now=9.0, force=True)
        await pilot.pause()
        assert order(table) == ["AA:00:00:00:00:01", "AA:00:00:00:00:04",
                                "AA:00:00:00:00:03", "AA:00:00:00:00:02"]
        assert table.highlighted_address() == "AA:00:00:00:00:02"  # followed to the bottom
        assert table.cursor_row == 3

        # Another device sorts in at the top: the cursor stays on the chosen one.
        table.ingest([row("AA:00:00:00:00:05", -10, 10.0)], now=10.0)
        table.resort(now=12.0, force=True)
        await pilot.pause()
        assert table.highlighted_address() == "AA:00:00:00:00:02"
        await pilot.press("up")
        assert table.highlighted_address() == "AA:00:00:00:00:03"


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    async with opened_session((PulseHrm(), UartBridge(), SmartLock())) as manager:
        yield manager


@pytest.mark.slow
async def test_on_start_the_cursor_is_on_the_top_row(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        # Every device heard and the list sorted by RSSI at least once since.
        assert await wait_until(pilot, lambda: table.row_count >= 3)
        sorted_at = table._last_sort  # noqa: SLF001
        assert await wait_until(pilot, lambda: table._last_sort > sorted_at)  # noqa: SLF001
        await pilot.pause()
        assert table.cursor_row == 0
        assert table.highlighted_address() == order(table)[0]

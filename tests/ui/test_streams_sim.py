"""The Streams pane against the virtual world: Pulse HRM's bpm live in the table and the
plot, and the UART Bridge's console reply found while the bridge floods."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input, Static

from blebench.session import gatt
from blebench.session.manager import SessionManager
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from blebench.sim.catalogue.uart_bridge import PING, UartBridge, encode_frame
from blebench.ui.streams import StreamsPane
from blebench.ui.streams.console import RequestConsole
from blebench.ui.streams.log_view import LogView
from blebench.ui.streams.plot import LivePlot
from blebench.ui.streams.stream_table import StreamTable
from tests.ui.app_harness import SIZE, scanning_session

pytestmark = pytest.mark.slow


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    async with scanning_session(PulseHrm(), UartBridge(chatty_hz=1000)) as manager:
        yield manager


class Host(App[None]):
    def __init__(self, session: SessionManager) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        yield StreamsPane(self.session, id="streams-pane")


async def test_heart_rate_is_decoded_in_the_table_and_plotted(session: SessionManager) -> None:
    conn = await session.connections.connect("Pulse HRM", timeout=5.0)
    await gatt.subscribe(conn, session.streams, "2a37")
    app = Host(session)
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(StreamTable)
        for _ in range(100):
            await pilot.pause(0.05)
            if table.row_count and app.query_one(LivePlot).series:
                series = next(iter(app.query_one(LivePlot).series.values()))
                if len(series.points) >= 2:
                    break
        row = [str(c) for c in table.get_row_at(0)]
        assert row[0] == "Heart Rate Measurement"
        assert "heart_rate_bpm=" in row[2]
        series = next(iter(app.query_one(LivePlot).series.values()))
        assert len(series.points) >= 2
        assert all(30 <= value <= 220 for _, value in series.points)


async def test_console_reply_is_matched_while_the_bridge_floods(session: SessionManager) -> None:
    conn = await session.connections.connect("UART Bridge", timeout=5.0)
    stream = await gatt.subscribe(conn, session.streams, "6e400003-b5a3-f393-e0a9-e50e24dcca9e")
    app = Host(session)
    async with app.run_test(size=SIZE) as pilot:
        console = app.query_one(RequestConsole)
        for _ in range(100):
            await pilot.pause(0.05)
            if console.target is not None:
                break
        assert console.target is not None, "no console target for the UART Bridge"
        # Pilot waits for an idle CPU after each key, which a flood never gives: fill the
        # fields directly and press Enter once (typing latency is bench_tui_flood's figure).
        request = app.query_one("#console-request", Input)
        request.value = encode_frame(0x2A, PING).hex(" ")
        request.focus()
        app.query_one("#console-match", Input).value = "seq:3=2a seq:4=81"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        result = str(app.query_one("#console-result", Static).render())
        assert result.startswith("✓ reply in"), result
        assert stream.count > 50  # the flood went on meanwhile
        entries = app.query_one(LogView).visible_entries()
        assert any(e.kind == "match" and e.data[3:5] == b"\x2a\x81" for e in entries)

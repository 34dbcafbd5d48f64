"""The UART Bridge in chatty mode, as the issue's acceptance walks it: subscribe to TX,
turn chatty mode on from the console with a hand-made SET_CHATTY frame, and keep typing
and switching panes while telemetry floods in; a PING gets its own reply, matched by its
sequence number, and a request sent with no match rule says that any notification counted."""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator

import pytest
from textual.widgets import Input, Static, TabbedContent

from blebench.session.manager import SessionManager
from blebench.sim.catalogue.uart_bridge import UartBridge
from blebench.ui import settings as settings_mod
from blebench.ui.factory import make_app
from tests.ui.app_harness import SIZE, connected, gatt_pane, opened_session, table_of, wait_until

pytestmark = pytest.mark.slow

UART = UartBridge.address.upper()
TX_UUID = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"
# A flood small enough for a shared CI core (benchmarks/bench_tui_flood measures 5,000/s).
# Pilot waits for the app to go idle after each key, which a flood never lets it do, so
# few keys are pressed while it runs.
RATE_HZ = 100


REPLY_BIT = "re:^55aa....[89a-f]"  # byte 4, the command, has its top bit set


def frame(seq: int, cmd: int, payload: bytes = b"") -> str:
    """55 AA LEN SEQ CMD PAYLOAD CHK, CHK the one's complement of the 8-bit sum (README)."""
    body = bytes([len(payload), seq, cmd]) + payload
    return (b"\x55\xaa" + body + bytes([~sum(body) & 0xFF])).hex(" ")


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    async with opened_session((UartBridge(),)) as manager:
        yield manager


async def test_chatty_console_keeps_typing_and_matches_replies(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        assert await wait_until(pilot, lambda: UART in table.rows)
        table.move_cursor(row=table.get_row_index(UART))
        await pilot.press("enter")
        gatt = gatt_pane(app)
        tree = await connected(pilot, UART)
        assert await wait_until(pilot, lambda: tree.has_focus)
        tx = next(n for n in tree._by_handle.values() if n.data is not None and n.data.uuid == TX_UUID)  # noqa: SLF001
        tree.move_cursor(tx)
        await pilot.press("n")
        assert await wait_until(pilot, lambda: gatt.connection is not None and bool(gatt.connection.streams))

        await pilot.press("3", "i")
        request = app.screen.query_one("#console-request", Input)
        match = app.screen.query_one("#console-match", Input)
        result = app.screen.query_one("#console-result", Static)
        assert request.has_focus
        # The telemetry frames carry a sequence number of their own, so seq:3 alone matches one
        # of them now and then (1 in 256); the reply bit (0x80 in the command byte) tells them apart.
        match.value = f"seq:3 {REPLY_BIT}"
        await pilot.press(*frame(1, 0x05, struct.pack("<H", RATE_HZ)), "enter")
        assert await wait_until(pilot, lambda: "✓ reply" in str(result.render()), steps=300)
        assert "55 aa 02 01 85" in str(result.render())  # SET_CHATTY | 0x80, seq 1

        # The flood is on: keep typing, leave the field, switch panes and come back.
        tabs = app.screen.query_one("#panes", TabbedContent)
        stream = next(s for s in gatt.session.streams.streams() if s.active)
        before = stream.stored_total
        ping = frame(2, 0x01)
        request.value = ping[:-2]
        request.cursor_position = len(request.value)
        await pilot.press(*ping[-2:])
        assert request.value == ping
        await pilot.press("escape", "1")
        assert tabs.active == "scan"
        await pilot.press("3")
        assert tabs.active == "streams"
        await pilot.press("i")
        assert request.has_focus and request.value == ping
        await pilot.press("enter")
        assert await wait_until(
            pilot, lambda: "55 aa 00 02 81" in str(result.render()), steps=300
        ), str(result.render())
        assert stream.stored_total - before > 10  # telemetry kept coming meanwhile
        assert "unrelated skipped" in str(result.render())

        # No match rule: whatever came next, and the console says so.
        match.value = ""
        request.value = frame(3, 0x01)
        request.focus()
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: "any counts" in str(result.render()), steps=300)

        match.value = f"seq:3 {REPLY_BIT}"
        request.value = frame(4, 0x05, struct.pack("<H", 0))
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: "55 aa 02 04 85" in str(result.render()), steps=300)

"""The Streams pane as the first-hour review met it: the selected log line stays in view
(3.9), console lines sit among the notifications in time order (3.10), Enter in the
export dialog exports (UX 4.9), and the CSV has a column per decoded field (item 11)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from textual.widgets import Input

from blebench.session.console import RequestConsole as SessionConsole
from blebench.ui.streams import StreamsPane
from blebench.ui.streams.console import ConsoleTarget
from blebench.ui.streams.export import ExportScreen
from blebench.ui.streams.log_view import LogView
from tests.ui.app_harness import wait_until
from tests.ui.streams_host import HRM, UART_TX, StoreSession, StreamsHost

SIZE = (160, 45)


async def test_the_selected_line_stays_in_view_when_the_detail_opens() -> None:
    session = StoreSession()
    uart = session.streams.open("AA:00:00:00:00:02", 0x0020, UART_TX, name="UART TX")
    app = StreamsHost(session)
    async with app.run_test(size=SIZE) as pilot:
        for i in range(300):
            uart.push(bytes([0x55, 0xAA, 0x02, i % 256, 0x00]))
        app.query_one(StreamsPane).pull()
        log = app.query_one(LogView)
        log.focus()
        await pilot.pause()
        rows = log.scrollable_content_region.height
        await pilot.press("escape", "up")  # as the review did: Escape, then Up
        # The detail box shows the line whole, and takes rows from the log once laid out.
        assert await wait_until(pilot, lambda: log.selected_entry is not None
                                and log.scrollable_content_region.height < rows)
        await pilot.pause()
        selected = log.selected_entry
        assert selected is not None
        top = int(log.scroll_y)
        shown = log.visible_entries()[top: top + log.scrollable_content_region.height]
        assert selected in shown, "the selected line was pushed out of view"
        # Up again moves to the line above it, still in view.
        await pilot.press("up")
        await pilot.pause()
        top = int(log.scroll_y)
        shown = log.visible_entries()[top: top + log.scrollable_content_region.height]
        assert log.selected_entry in shown


async def test_console_lines_sit_among_the_notifications_in_time_order() -> None:
    session = StoreSession()
    uart = session.streams.open("AA:00:00:00:00:02", 0x0020, UART_TX, name="UART TX")

    async def write(request: bytes) -> None:
        for i in range(50):  # the flood goes on while the request is answered
            uart.push(bytes([0x55, 0x01, i % 256, 0x00]))
        uart.push(bytes([0x55, 0x02, request[2], 0x00]))

    console = SessionConsole(write, uart)
    app = StreamsHost(session)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(StreamsPane)
        log = app.query_one(LogView)
        for i in range(20):  # notifications before the request, not yet pulled
            uart.push(bytes([0x55, 0x01, i, 0x00]))
        pane.set_console_target(ConsoleTarget("UART Bridge", console.request))
        await pilot.click("#console-request")
        await pilot.press(*"55 02 2a 00")
        app.query_one("#console-match", Input).value = "prefix:5502 seq:2"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        assert await wait_until(pilot, lambda: any(e.kind == "match" for e in log.visible_entries()))
        pane.pull()
        entries = log.visible_entries()
        times = [e.wall_ms for e in entries]
        assert times == sorted(times), "a line drawn above an older one"
        kinds = [e.kind for e in entries]
        request_at, reply_at = kinds.index("write"), kinds.index("match")
        # The 20 before the request above it; the flood during the exchange between.
        assert kinds[:request_at].count("notify") >= 20
        # The 50 of the flood and the reply's own notification between request and reply.
        assert kinds[request_at + 1: reply_at] == ["notify"] * 51
        assert entries[reply_at - 1].data == bytes([0x55, 0x02, 0x2A, 0x00])


async def test_enter_in_the_export_dialog_exports(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the dialog offers a file in the working directory
    session = StoreSession()
    hr = session.streams.open("AA:00:00:00:00:01", 0x0010, HRM, name="Heart Rate Measurement")
    app = StreamsHost(session)
    async with app.run_test(size=SIZE) as pilot:
        for bpm in (70, 71, 72):
            hr.push(bytes([0x00, bpm]))
        app.query_one(StreamsPane).pull()
        app.query_one(LogView).focus()
        await pilot.press("e")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen))
        await pilot.pause()
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: not isinstance(app.screen, ExportScreen))
    written = list(tmp_path.glob("blebench-streams-*.csv"))
    assert len(written) == 1
    rows = list(csv.DictReader(written[0].open(encoding="utf-8")))
    # One column per decoded field beside the JSON one: bpm plots straight from the file.
    assert [row["decoded.heart_rate_bpm"] for row in rows] == ["70", "71", "72"]
    assert all(row["decoded"].startswith("{") for row in rows)

"""The Streams pane over the session's stream store: table, plot, filter, export, console."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Input, Static

from blebench.session.console import RequestConsole as SessionConsole
from blebench.session.streams import Stream
from blebench.ui.streams import StreamsPane
from blebench.ui.streams.console import ConsoleTarget, RequestConsole
from blebench.ui.streams.log_view import LogView
from blebench.ui.streams.plot import LivePlot
from blebench.ui.streams.stream_table import StreamTable
from tests.ui.streams_host import HRM, UART_TX, StoreSession, StreamsHost

SIZE = (160, 45)


def open_streams(session: StoreSession) -> tuple[Stream, Stream]:
    hr = session.streams.open("AA:00:00:00:00:01", 0x0010, HRM, name="Heart Rate Measurement")
    uart = session.streams.open("AA:00:00:00:00:02", 0x0020, UART_TX, name="UART TX")
    return hr, uart


async def test_table_shows_each_stream_with_latest_value_and_count() -> None:
    session = StoreSession()
    hr, uart = open_streams(session)
    app = StreamsHost(session)
    async with app.run_test(size=SIZE) as pilot:
        for bpm in (70, 71, 72):
            hr.push(bytes([0x00, bpm]))
        for i in range(500):
            uart.push(bytes([0x55, i % 256]))
        pane = app.query_one(StreamsPane)
        pane.pull()
        await pilot.pause()
        table = app.query_one(StreamTable)
        rows = {str(table.get_row_at(i)[0]): [str(c) for c in table.get_row_at(i)] for i in range(table.row_count)}
        # The session decoder's fields, as the table shows them (first numeric field).
        assert rows["Heart Rate Measurement"][2].startswith("heart_rate_bpm=72, sensor_contact=")
        assert rows["Heart Rate Measurement"][3] == "3"
        assert rows["UART TX"][2] == "55 f3"  # undecoded: the last payload in hex
        assert rows["UART TX"][3] == "500"
        assert app.query_one(LogView).entry_count == 503


async def test_the_first_numeric_field_is_plotted() -> None:
    session = StoreSession()
    hr, _ = open_streams(session)
    app = StreamsHost(session)
    async with app.run_test(size=SIZE) as pilot:
        for bpm in range(60, 90):
            hr.push(bytes([0x00, bpm]))
        app.query_one(StreamsPane).pull()
        await pilot.pause()
        plot = app.query_one(LivePlot)
        [series] = plot.series.values()
        assert series.label == "heart_rate_bpm"
        assert [v for _, v in series.points] == [float(b) for b in range(60, 90)]


async def test_a_bad_filter_is_explained_and_the_old_one_stays() -> None:
    session = StoreSession()
    _, uart = open_streams(session)
    app = StreamsHost(session)
    async with app.run_test(size=SIZE) as pilot:
        uart.push(b"\x55\xaa")
        uart.push(b"\x10\x20")
        pane = app.query_one(StreamsPane)
        pane.pull()
        assert pane.apply_filter("55aa", "hex")
        assert pane.apply_filter("(unclosed", "regex") is False
        await pilot.pause()
        log = app.query_one(LogView)
        assert [e.data for e in log.visible_entries()] == [b"\x55\xaa"]
        assert any("regex" in str(n.message) for n in app._notifications)


async def test_a_field_no_stream_has_is_refused_at_once() -> None:
    """Review 3.4 in the TUI: `heart_rate_bmp>60` (a typo) would filter everything out and
    wait forever; it is refused, naming the field meant and the fields there are."""
    session = StoreSession()
    hr, _uart = open_streams(session)
    app = StreamsHost(session)
    async with app.run_test(size=SIZE) as pilot:
        hr.push(bytes([0x00, 72]))
        pane = app.query_one(StreamsPane)
        pane.pull()
        assert pane.apply_filter("heart_rate_bmp>60", "field") is False
        await pilot.pause()
        said = " ".join(str(n.message) for n in app._notifications)
        assert "did you mean 'heart_rate_bpm'?" in said and "its fields:" in said
        assert pane.apply_filter("heart_rate_bpm>60", "field")
        assert len(app.query_one(LogView).visible_entries()) == 1


async def test_pause_key_and_status(tmp_path: Path) -> None:
    session = StoreSession()
    _, uart = open_streams(session)
    app = StreamsHost(session)
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(LogView).focus()
        await pilot.press("p")
        for i in range(40):
            uart.push(bytes([i]))
        app.query_one(StreamsPane).pull()
        await pilot.pause()
        assert app.query_one(LogView).shown_count == 0
        assert "PAUSED (40 waiting)" in str(app.query_one("#streams-status", Static).render())
        await pilot.press("p")
        await pilot.pause()
        assert app.query_one(LogView).shown_count == 40


async def test_export_writes_json_lines_through_the_dialog(tmp_path: Path) -> None:
    session = StoreSession()
    hr, _ = open_streams(session)
    app = StreamsHost(session)
    target = tmp_path / "out" / "streams.jsonl"
    async with app.run_test(size=SIZE) as pilot:
        for bpm in (70, 71):
            hr.push(bytes([0x00, bpm]))
        app.query_one(StreamsPane).pull()
        app.query_one(LogView).focus()
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#export-format").value = "jsonl"
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.click("#export-ok")
        await pilot.pause()
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert [line["decoded"]["heart_rate_bpm"] for line in lines] == [70, 71]
    assert all(line["decoded"]["sensor_contact"] == "not supported" for line in lines)
    assert all(line["name"] == "Heart Rate Measurement" for line in lines)


async def test_console_gets_the_matching_reply_while_the_flood_flows() -> None:
    session = StoreSession()
    _, uart = open_streams(session)

    async def write(request: bytes) -> None:
        # The "device": unrelated frames first, then the reply echoing the sequence byte.
        for i in range(200):
            uart.push(bytes([0x55, 0x01, i % 256, 0x00]))
        uart.push(bytes([0x55, 0x02, request[2], 0x00]))

    console = SessionConsole(write, uart)
    app = StreamsHost(session)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(StreamsPane)
        pane.set_console_target(ConsoleTarget("UART Bridge", console.request))
        await pilot.click("#console-request")
        await pilot.press(*"55 02 2a 00")
        app.query_one("#console-match", Input).value = "prefix:5502 seq:2"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        result = str(app.query_one("#console-result", Static).render())
        assert result.startswith("✓ reply in")
        assert "55 02 2a 00" in result
        assert "(200 unrelated skipped)" in result
        # Typing went on: the request field still has what was typed.
        assert app.query_one("#console-request", Input).value == "55 02 2a 00"
        pane.pull()
        await pilot.pause()
        kinds = [e.kind for e in app.query_one(LogView).visible_entries()]
        assert kinds.count("notify") == 201 and "write" in kinds and "match" in kinds


async def test_console_explains_bad_input_without_sending() -> None:
    session = StoreSession()
    app = StreamsHost(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#console-request")
        await pilot.press(*"55 0g")
        await pilot.press("enter")
        await pilot.pause()
        assert "not a hex digit" in str(app.query_one("#console-result", Static).render())
        assert app.query_one(RequestConsole).in_flight == 0

"""The Streams log says when a line is cut ("…") and shows a selected line whole under the
log, while staying virtual (only the lines on screen are drawn)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Button, Static

from blebench.ui.streams import StreamsPane
from blebench.ui.streams.log_view import LogDetail, LogEntry, LogView
from tests.ui.streams_host import UART_TX, StoreSession, StreamsHost

LONG = bytes(range(40))  # 40 bytes: 119 characters of hex, wider than the log
T0 = 1_700_000_000_000


class LogHost(App[None]):
    def compose(self) -> ComposeResult:
        yield LogView()


def shown_lines(log: LogView) -> list[str]:
    return [log.render_line(y).text for y in range(log.size.height)]


def detail(app: App[None]) -> str:
    return str(app.query_one(LogDetail).query_one(Static).render())


async def test_a_cut_line_ends_with_an_ellipsis() -> None:
    app = LogHost()
    async with app.run_test(size=(70, 10)) as pilot:
        log = app.query_one(LogView)
        log.add([LogEntry(T0, "UART TX", b"\x01\x02"),
                 LogEntry(T0 + 1, "UART TX", LONG,
                          fields={"sensor_contact": "detected", "text": "x" * 80})])
        await pilot.pause()
        short, cut = shown_lines(log)[:2]
        assert not short.rstrip().endswith("…")
        assert len(cut) == log.scrollable_content_region.width
        assert cut.endswith("…")


async def test_the_selected_line_is_shown_whole_and_the_flood_waits() -> None:
    session = StoreSession()
    uart = session.streams.open("AA:00:00:00:00:02", 0x0020, UART_TX, name="UART TX")
    app = StreamsHost(session)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(StreamsPane)
        log = app.query_one(LogView)
        for i in range(2_000):
            uart.push(bytes([i % 256]) + LONG)
        pane.pull()
        log.focus()
        await pilot.pause()
        assert all(line.endswith("…") for line in shown_lines(log) if line.strip())
        assert "selects a line" in detail(app)  # the hint, while none is selected

        await pilot.press("up", "up")  # the newest line, then the one before it
        await pilot.pause()
        picked = log.selected_entry
        assert picked is not None and picked.data == bytes([1998 % 256]) + LONG
        # Every byte of it, which the log line itself cannot show.
        assert (bytes([1998 % 256]) + LONG).hex(" ") in detail(app).replace("\n", " ")
        assert log.paused and str(app.query_one("#log-pause", Button).label) == "Resume"

        # The flood goes on: the selected line stays put (arrivals wait, counted).
        for _ in range(500):
            uart.push(bytes([0xEE]) + LONG)
        pane.pull()
        await pilot.pause()
        assert log.selected_entry is picked and log.pending_count == 500
        assert "PAUSED (500 waiting)" in str(app.query_one("#streams-status", Static).render())
        # Still virtual: a screenful of strips drawn, not 2,000.
        assert len(log._cache) <= 2 * log.size.height  # noqa: SLF001

        await pilot.press("escape")  # back to following the newest line
        await pilot.pause()
        assert log.selected_entry is None and not log.paused
        assert "selects a line" in detail(app)
        assert log.visible_entries()[-1].data[0] == 0xEE
        assert "ee 00 01" in [line for line in shown_lines(log) if line.strip()][-1]

"""The Streams pane's log: bounded, virtual, filterable, pausable, and literal."""

from __future__ import annotations

from textual.app import App, ComposeResult

from blebench.session.decoding import stream_decoder
from blebench.ui.streams.log_view import LogEntry, LogView

SIZE = (120, 30)


class LogHost(App[None]):
    def __init__(self, max_entries: int = 1000) -> None:
        super().__init__()
        self.max_entries = max_entries

    def compose(self) -> ComposeResult:
        yield LogView(max_entries=self.max_entries)


def entry(i: int, data: bytes | None = None, stream: str = "UART TX", fields: dict[str, object] | None = None) -> LogEntry:
    return LogEntry(1_700_000_000_000 + i, stream, data if data is not None else bytes([0x55, i % 256]),
                    fields=fields)


def heart_rate(i: int, bpm: int) -> LogEntry:
    """A Heart Rate Measurement line with the fields the session's decoder gives it."""
    data = bytes([0x16, bpm])
    fields = stream_decoder("00002a37-0000-1000-8000-00805f9b34fb", data)
    assert fields is not None and fields["heart_rate_bpm"] == bpm
    return entry(i, data, "Heart Rate", dict(fields))


def screen_text(app: App[None]) -> str:
    log = app.query_one(LogView)
    return "\n".join(log.render_line(y).text for y in range(log.size.height))


async def test_memory_stays_bounded_and_the_newest_lines_show() -> None:
    app = LogHost(max_entries=1000)
    async with app.run_test(size=SIZE) as pilot:
        log = app.query_one(LogView)
        for start in range(0, 50_000, 500):
            log.add(entry(i) for i in range(start, start + 500))
        await pilot.pause()
        assert log.entry_count == 1000
        assert log.total_seen == 50_000
        assert log.visible_entries()[0].wall_ms == 1_700_000_000_000 + 49_000
        # The view follows the tail: the last line on screen is the newest entry.
        assert f"55 {49_999 % 256:02x}" in screen_text(app).strip().splitlines()[-1]


async def test_only_visible_lines_are_rendered() -> None:
    app = LogHost(max_entries=20_000)
    async with app.run_test(size=SIZE) as pilot:
        log = app.query_one(LogView)
        log.add(entry(i) for i in range(20_000))
        await pilot.pause()
        # The strip cache holds what was drawn: about a screenful, not 20,000 lines.
        assert len(log._cache) <= 2 * log.size.height


async def test_filter_by_hex_prefix_regex_and_field() -> None:
    app = LogHost()
    async with app.run_test(size=SIZE) as pilot:
        log = app.query_one(LogView)
        log.add([entry(1, b"\x55\xaa\x01"), entry(2, b"\x10\x20"), entry(3, b"\x55\xbb"),
                 heart_rate(4, 72), heart_rate(5, 102)])
        log.set_filter("hex", "55 aa")
        assert [e.data for e in log.visible_entries()] == [b"\x55\xaa\x01"]
        log.set_filter("regex", "^55..$")
        assert [e.data for e in log.visible_entries()] == [b"\x55\xbb"]
        log.set_filter("field", "heart_rate_bpm>100")
        assert [e.data for e in log.visible_entries()] == [b"\x16\x66"]
        # New entries are filtered as they come.
        log.add([heart_rate(6, 144), heart_rate(7, 48)])
        assert [e.data for e in log.visible_entries()] == [b"\x16\x66", b"\x16\x90"]
        log.set_filter("hex", "")
        assert log.shown_count == 7
        await pilot.pause()


async def test_pause_freezes_the_view_and_resume_catches_up() -> None:
    app = LogHost()
    async with app.run_test(size=SIZE) as pilot:
        log = app.query_one(LogView)
        log.add(entry(i) for i in range(10))
        log.paused = True
        log.add(entry(i) for i in range(10, 30))
        await pilot.pause()
        assert log.shown_count == 10
        assert log.pending_count == 20
        log.paused = False
        await pilot.pause()
        assert log.shown_count == 30
        assert log.pending_count == 0


async def test_clear_empties_the_log() -> None:
    app = LogHost()
    async with app.run_test(size=SIZE) as pilot:
        log = app.query_one(LogView)
        log.add(entry(i) for i in range(100))
        log.clear()
        await pilot.pause()
        assert log.entry_count == 0
        assert screen_text(app).strip() == ""


async def test_hostile_names_and_values_are_shown_literally() -> None:
    app = LogHost()
    async with app.run_test(size=SIZE) as pilot:
        log = app.query_one(LogView)
        log.add([entry(1, b"\x01", "[bold red]PWN[/]\x1b]0;pwned\x07",
                       {"text": "\u202eevil[/]"})])
        await pilot.pause()
        text = screen_text(app)
        assert "[bold red]PWN[/]\\x1b]0;" in text  # the name column is cut, visibly (…)
        assert "\\u202eevil[/]" in text
        assert "\x1b" not in text and "\u202e" not in text

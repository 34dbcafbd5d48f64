"""Snapshot of the Streams pane's widgets on fixed data (no clock, no live timing)."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.containers import Horizontal

from blebench.ui.streams.log_view import LogEntry, LogView
from blebench.ui.streams.plot import LivePlot
from blebench.ui.streams.stream_table import StreamRow, StreamTable

T0 = 1_700_000_000_000


class StreamsSnapshot(App[None]):
    CSS = "LogView { width: 3fr; } LivePlot { width: 2fr; }"

    def compose(self) -> ComposeResult:
        yield StreamTable()
        with Horizontal():
            yield LogView()
            yield LivePlot()

    def on_mount(self) -> None:
        self.query_one(StreamTable).update_rows([
            StreamRow("1", "Heart Rate Measurement", 0x10, "heart_rate_bpm=72", 120, 1.0, 0, 0),
            StreamRow("2", "UART TX [bold]\x1b]0;x\x07", 0x12, "55 aa 0a 01 40", 50_000, 3000.0, 2, 17),
        ])
        entries = []
        for i in range(40):
            bpm = 60 + (i * 7) % 25
            entries.append(LogEntry(T0 + i * 1000, "Heart Rate Measurement", bytes([0x16, bpm]),
                                    fields={"heart_rate_bpm": bpm, "sensor_contact": "detected"}))
        entries.append(LogEntry(T0 + 41_000, "console", bytes.fromhex("55aa002a01d4"), kind="write",
                                note="request"))
        entries.append(LogEntry(T0 + 41_012, "console", bytes.fromhex("55aa002a8154"), kind="match",
                                note="reply in 12.0 ms"))
        self.query_one(LogView).add(entries)
        plot = self.query_one(LivePlot)
        plot.set_series([("bpm", "heart_rate_bpm", False)])
        plot.add_points("bpm", [(float(i), 60.0 + (i * 7) % 25) for i in range(40)])
        plot.redraw()  # now, not at the next redraw tick


def test_streams_widgets_snapshot(snap_compare: Any, utc: None) -> None:
    # Log times are local time: `utc` pins the zone so the picture is the same everywhere.
    assert snap_compare(StreamsSnapshot(), terminal_size=(160, 40))

"""What the Streams pane takes from the session's stream store at each tick.

One `StreamFeed.pull()` per tick (about 10 Hz) turns whatever arrived since the last tick
into one `FeedUpdate`: table rows, log entries and plot points. No Textual here: the
benchmark and the tests drive it directly. Decoding is the store's (cached per payload),
a stream's own decoder included (a keyboard's keys, blebench.session.hid), so the log
shows what `notify` and the exports show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from blebench.ui.streams.fields import numeric_field, numeric_fields, summarize
from blebench.ui.streams.log_view import LogEntry
from blebench.ui.streams.stream_table import StreamRow

if TYPE_CHECKING:
    from blebench.session.streams import StreamCursor, StreamStore

MAX_BATCH = 20_000  # a tick never carries more than the log can hold


@dataclass(frozen=True, slots=True)
class PlotChoice:
    """A numeric field of one stream: what the plot shows."""

    stream_id: int
    field: str

    @property
    def key(self) -> str:
        return f"{self.stream_id}:{self.field}"


@dataclass(slots=True)
class FeedUpdate:
    rows: list[StreamRow]
    entries: list[LogEntry]
    points: list[tuple[float, float]]  # (monotonic s, value) of the chosen field
    new_choices: list[tuple[PlotChoice, str]]  # numeric fields seen for the first time
    missed: int  # samples evicted from the session's rings before this view saw them
    version: int


@dataclass(slots=True)
class StreamFeed:
    store: StreamStore
    cursor: StreamCursor | None = None  # None: from the first sample the store holds
    plot: PlotChoice | None = None
    _latest: dict[int, str] = field(default_factory=dict)
    _missed: dict[int, int] = field(default_factory=dict)
    _choices: set[PlotChoice] = field(default_factory=set)
    pulled: int = 0

    def history(self, choice: PlotChoice, limit: int) -> list[tuple[float, float]]:
        """The chosen field's points among the samples the store still holds."""
        batch = self.store.pull(None, stream_ids=[choice.stream_id], limit=limit)
        points = []
        for sample in batch.samples:
            value = numeric_field(self.store.decoded(sample), choice.field)
            if value is not None:
                points.append((sample.t_mono_ms / 1000.0, value))
        return points

    def pull(self) -> FeedUpdate:
        store = self.store
        # Raw samples (no StreamSample per notification): at 5,000 a second this loop is
        # most of what the pane costs (benchmarks/bench_tui_flood.py).
        per_stream, self.cursor, missed = store.pull_raw(self.cursor, limit=MAX_BATCH)
        for sid, lost in missed.items():
            self._missed[sid] = self._missed.get(sid, 0) + lost
        names = {s.stream_id: s.name or s.uuid for s in store.streams()}
        if len(per_stream) == 1:
            stream, raws = per_stream[0]
            tagged = [(stream, raw) for raw in raws]
        else:
            # In arrival order across streams (each stream's own is already).
            tagged = [(stream, raw) for stream, raws in per_stream for raw in raws]
            tagged.sort(key=lambda item: item[1][1])
        if len(tagged) > MAX_BATCH:
            tagged = tagged[len(tagged) - MAX_BATCH:]
        entries: list[LogEntry] = []
        add_entry = entries.append
        points: list[tuple[float, float]] = []
        plot = self.plot
        plot_id = plot.stream_id if plot is not None else None
        last: dict[int, tuple[Mapping[str, Any] | None, bytes]] = {}
        new_choices: list[tuple[PlotChoice, str]] = []
        seen_payloads: set[tuple[int, bytes]] = set()
        decoded = store.decoded_payload
        for stream, (_seq, mono, wall, data) in tagged:
            sid = stream.stream_id
            uuid = stream.uuid
            fields = decoded(sid, uuid, data)
            add_entry(LogEntry(wall // 1_000_000, names.get(sid, uuid), data, fields,
                               "", stream.handle))
            last[sid] = (fields, data)
            if sid == plot_id and plot is not None:
                value = numeric_field(fields, plot.field)
                if value is not None:
                    points.append((mono / 1e9, value))
            # New numeric fields: looked for once per distinct payload, not per sample.
            if fields:
                key = (sid, data)
                if key not in seen_payloads:
                    seen_payloads.add(key)
                    for name, _ in numeric_fields(fields):
                        choice = PlotChoice(sid, name)
                        if choice not in self._choices:
                            self._choices.add(choice)
                            new_choices.append((choice, f"{names.get(sid, uuid)} · {name}"))
        for sid, (fields, data) in last.items():
            # Undecoded payloads show as hex: the table always says what came last.
            self._latest[sid] = summarize(fields) or data.hex(" ")
        self.pulled += len(tagged)
        rows = [
            StreamRow(
                key=str(stats.stream_id),
                name=stats.name or stats.uuid,
                handle=stats.handle,
                latest=self._latest.get(stats.stream_id, ""),
                count=stats.count,
                rate=stats.rate_hz,
                gaps=stats.gaps,
                drops=self._missed.get(stats.stream_id, 0),
                paused=stats.paused,
                active=stats.active,
            )
            for stats in store.stats()
        ]
        return FeedUpdate(rows, entries, points, new_choices, sum(missed.values()), store.version)

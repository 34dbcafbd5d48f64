"""The Streams pane: every subscription at once, a log, a live plot, export and a console.

Flood-proof by construction: nothing here is called per notification. A timer (the
settings' `refresh_hz`, about 10 Hz) pulls one batch from the session's stream store
through `StreamFeed`, then updates the table cells that changed, appends the batch to the
virtual log and hands the plot its points. A 5,000/s flood is 500 entries per tick and a
handful of repaints.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Select, Static

from blebench.session.errors import FilterError
from blebench.session.filters import SampleFilter, check_fields
from blebench.ui.steady import SteadyStatic
from blebench.ui.streams.console import ConsoleTarget, RequestConsole
from blebench.ui.streams.export import ExportRequest, ExportScreen, export_streams
from blebench.ui.streams.feed import FeedUpdate, PlotChoice, StreamFeed
from blebench.ui.streams.fields import is_housekeeping
from blebench.ui.streams.log_view import (
    FILTER_KINDS,
    FilterKind,
    LogDetail,
    LogEntry,
    LogView,
    parse_filter,
)
from blebench.ui.streams.plot import MAX_POINTS, LivePlot
from blebench.ui.streams.stream_table import LEGEND, StreamTable

if TYPE_CHECKING:
    from blebench.session.api import SessionApi
    from blebench.session.console import RequestConsole as SessionConsole

DEFAULT_REFRESH_HZ = 10.0
NO_PLOT = "none"
RSSI_KEY = "rssi"


class StreamsPane(Vertical):
    """Table of streams, log (pause / filter / clear), plot, export and console."""

    DEFAULT_CSS = """
    StreamsPane { height: 1fr; }
    StreamsPane #streams-toolbar { height: auto; }
    StreamsPane #streams-toolbar Button { min-width: 9; margin-right: 1; }
    StreamsPane #log-filter-kind { width: 20; }
    StreamsPane #log-filter { width: 1fr; }
    StreamsPane #streams-status { height: 1; padding: 0 1; color: $text-muted; }
    StreamsPane #streams-body { height: 1fr; }
    StreamsPane #log-side { width: 3fr; }
    StreamsPane LogView { height: 1fr; }
    StreamsPane #plot-side { width: 2fr; }
    StreamsPane #plot-field { width: 1fr; }
    """

    BINDINGS = [
        Binding("p", "toggle_pause", "Pause log"),
        Binding("ctrl+l", "clear", "Clear log"),
        Binding("slash", "focus_filter", "Filter"),
        Binding("e", "export", "Export"),
        Binding("i", "focus_console", "Console"),
        Binding("escape", "focus_log", "Back to the log", show=False),
        Binding("space", "toggle_stream", "Pause stream", show=False),
    ]

    def __init__(
        self,
        session: SessionApi,
        *,
        refresh_hz: float = DEFAULT_REFRESH_HZ,
        focus_on_show: bool = True,
        id: str | None = None,  # noqa: A002 - Textual's parameter name
    ) -> None:
        super().__init__(id=id)
        self.session = session
        # False where the screen gives the focus to the pane it shows (the main screen).
        self.focus_on_show = focus_on_show
        self.refresh_hz = refresh_hz
        self.feed = StreamFeed(session.streams)
        self.ticks = 0
        self._filter_text = ""
        self._filter_kind: FilterKind = "hex"
        self._plot_choices: dict[str, tuple[PlotChoice, str]] = {}
        self._session_console: SessionConsole | None = None
        self._console_key: tuple[str, int, int] | None = None
        self._console_lines: list[LogEntry] = []  # the console's, waiting for the next pull

    def compose(self) -> ComposeResult:
        yield StreamTable(id="stream-table")
        with Horizontal(id="streams-toolbar"):
            yield Button("Pause", id="log-pause")
            yield Button("Clear", id="log-clear")
            yield Select([(label, kind) for label, kind in FILTER_KINDS], value="hex",
                         allow_blank=False, id="log-filter-kind")
            yield Input(placeholder="filter the log (Enter applies, empty shows all)", id="log-filter")
            yield Button("Export", id="streams-export")
        yield SteadyStatic("", id="streams-status")
        with Horizontal(id="streams-body"):
            with Vertical(id="log-side"):
                yield LogView(id="stream-log")
                yield LogDetail(id="log-detail")
            with Vertical(id="plot-side"):
                yield Select([("no plot", NO_PLOT)], value=NO_PLOT, allow_blank=False,
                             id="plot-field")
                # "Now" on the samples' clock: the time axis counts back from it.
                store = self.session.streams
                yield LivePlot(id="stream-plot", clock=lambda: store.mono_ns() / 1e9)
        yield RequestConsole(id="stream-console")

    def on_mount(self) -> None:
        # The plot shows a connected device's link RSSI: sampled from the start.
        self.session.sample_link_rssi()
        self.set_interval(1.0 / self.refresh_hz, self.pull)
        self.pull()

    def on_show(self) -> None:
        # Shown by its tab: put the focus inside, so the pane's keys work (and show in the
        # footer) straight away.
        if not self.focus_on_show:
            return
        focused = self.screen.focused
        if focused is None or self not in focused.ancestors:
            self.query_one(LogView).focus()

    # -- the tick ---------------------------------------------------------------------

    def pull(self) -> FeedUpdate:
        """Take one batch from the session and show it (the timer's callback)."""
        update = self.feed.pull()
        self.ticks += 1
        self.apply(update)
        self._follow_console_target()
        self._add_rssi()
        return update

    def _follow_console_target(self) -> None:
        selected = self.query_one(StreamTable).selected_key
        found = self.session.console_for(int(selected) if selected else None)
        key = found.key if found is not None else None
        if key == self._console_key:
            return
        if self._session_console is not None:
            self._session_console.close()
            self._session_console = None
        self._console_key = key
        if found is None:
            self.set_console_target(None)
            return
        self._session_console = found.open()
        self.set_console_target(ConsoleTarget(found.describe(), self._session_console.request))

    def _add_rssi(self) -> None:
        """RSSI of the plotted stream's device (the session merges its advertisements' and,
        while connected, the link's)."""
        choice = self.feed.plot
        stream = self.session.streams.get(choice.stream_id) if choice is not None else None
        if choice is None or stream is None:
            return
        history = self.session.rssi_history(stream.address)
        if not history:
            return
        plot = self.query_one(LivePlot)
        label = history.label()
        if RSSI_KEY not in plot.series:
            plot.set_series([(choice.key, choice.field, False), (RSSI_KEY, label, True)])
        else:
            plot.relabel(RSSI_KEY, label)  # e.g. the link's RSSI joined the advertisements'
        # Both on the registry's clock (time.monotonic() in seconds), like the samples'.
        newest = plot.series[RSSI_KEY].points[-1][0] if plot.series[RSSI_KEY].points else -1.0
        plot.add_points(RSSI_KEY, [(t, float(v)) for t, v in history.since(newest)])

    def apply(self, update: FeedUpdate) -> None:
        self.query_one(StreamTable).update_rows(update.rows)
        log = self.query_one(LogView)
        entries = update.entries
        if self._console_lines:
            entries = in_time_order(entries, self._console_lines)
            self._console_lines = []
        if entries:
            log.add(entries)
        plot = self.query_one(LivePlot)
        choice = self.feed.plot
        if choice is not None and update.points:
            plot.add_points(choice.key, update.points)
        if update.new_choices:
            self._add_plot_choices(update.new_choices)
        self._show_status(log, len(update.rows))

    def _show_status(self, log: LogView, streams: int) -> None:
        parts = [f"{streams} stream{'s' if streams != 1 else ''}",
                 f"log {log.shown_count:,}/{log.entry_count:,} lines"]
        if log.filtered:
            parts.append(f"filter {self._filter_kind}: {self._filter_text}")
        if log.paused:
            parts.append(f"PAUSED ({log.pending_count:,} waiting)")
        text = Text("  ·  ".join(parts))
        if streams and not log.paused:
            text.append(f"  ·  {LEGEND}", style="dim")  # the table's Gaps and Drops
        if log.paused:
            text.stylize("bold yellow")
        self.query_one("#streams-status", Static).update(text)
        # Selecting a line pauses the log too: the button says what it would do now.
        button = self.query_one("#log-pause", Button)
        label = "Resume" if log.paused else "Pause"
        if str(button.label) != label:
            button.label = label

    def _add_plot_choices(self, new: list[tuple[PlotChoice, str]]) -> None:
        select: Select[str] = self.query_one("#plot-field", Select)
        self._plot_choices.update({choice.key: (choice, label) for choice, label in new})
        options = [("no plot", NO_PLOT)] + [
            (label, key) for key, (_, label) in self._plot_choices.items()
        ]
        current = select.value
        select.set_options(options)
        if current != NO_PLOT and current in self._plot_choices:
            select.value = current
        elif self.feed.plot is None and new:
            # The first meaningful numeric field is plotted straight away (bpm for a heart
            # rate), never a flags byte.
            useful = [choice for choice, _ in new if not is_housekeeping(choice.field)]
            if useful:
                select.value = useful[0].key

    @on(Select.Changed, "#plot-field")
    def _plot_changed(self, event: Select.Changed) -> None:
        event.stop()
        plot = self.query_one(LivePlot)
        found = self._plot_choices.get(str(event.value))
        if found is None:
            self.feed.plot = None
            plot.set_series([])
            return
        choice, label = found
        if self.feed.plot == choice:
            return
        self.feed.plot = choice
        plot.set_series([(choice.key, choice.field, False)])
        plot.empty_message = "waiting for values"
        plot.add_points(choice.key, self.feed.history(choice, MAX_POINTS))

    # -- log controls -----------------------------------------------------------------

    def action_toggle_pause(self) -> None:
        log = self.query_one(LogView)
        log.paused = not log.paused
        self._show_status(log, self.query_one(StreamTable).row_count)

    @on(LogView.Selected)
    def _line_selected(self, event: LogView.Selected) -> None:
        event.stop()
        self.query_one(LogDetail).show(event.entry)
        self._show_status(event.log, self.query_one(StreamTable).row_count)

    def action_clear(self) -> None:
        self.query_one(LogView).clear()
        self.query_one(LivePlot).clear()
        self._show_status(self.query_one(LogView), self.query_one(StreamTable).row_count)

    def action_focus_log(self) -> None:
        self.query_one(LogView).focus()

    def action_focus_console(self) -> None:
        self.query_one("#console-request", Input).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#log-filter", Input).focus()

    @on(Button.Pressed, "#log-pause")
    def _pause_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_toggle_pause()

    @on(Button.Pressed, "#log-clear")
    def _clear_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_clear()

    @on(Input.Submitted, "#log-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.apply_filter(event.value)

    @on(Select.Changed, "#log-filter-kind")
    def _filter_kind_changed(self, event: Select.Changed) -> None:
        event.stop()
        kind = str(event.value)
        self._filter_kind = "regex" if kind == "regex" else "field" if kind == "field" else "hex"
        if self._filter_text:
            self.apply_filter(self._filter_text)

    def apply_filter(self, text: str, kind: FilterKind | None = None) -> bool:
        """Filter the log; a bad filter is explained and the old one stays."""
        if kind is not None:
            self._filter_kind = kind
            self.query_one("#log-filter-kind", Select).value = kind
        log = self.query_one(LogView)
        try:
            self._check_fields(parse_filter(self._filter_kind, text))
            log.set_filter(self._filter_kind, text)
        except FilterError as exc:
            self.notify(str(exc), title="Filter not applied", severity="error", markup=False)
            return False
        self._filter_text = text.strip()
        self._show_status(log, self.query_one(StreamTable).row_count)
        return True

    def _check_fields(self, sample_filter: SampleFilter | None) -> None:
        """A field condition no stream shown can ever meet (a typo such as `heart_rate_bmp`)
        is refused at once, naming the fields there are, as `notify --filter` does."""
        if sample_filter is None or sample_filter.condition is None:
            return
        streams = self.session.streams.streams()
        refusals: list[str] = []
        for stream in streams:
            try:
                check_fields(sample_filter, stream.uuid)
            except FilterError as exc:
                refusals.append(str(exc))
            else:
                return  # some stream shown has the field
        if refusals:
            raise FilterError("; ".join(dict.fromkeys(refusals)))

    # -- streams ----------------------------------------------------------------------

    def action_toggle_stream(self) -> None:
        """Pause or resume the selected stream in the session (it keeps counting)."""
        key = self.query_one(StreamTable).selected_key
        if key is None:
            return
        stream = self.session.streams.get(int(key))
        if stream is not None:
            stream.paused = not stream.paused
            self.pull()

    # -- export -----------------------------------------------------------------------

    def action_export(self) -> None:
        log = self.query_one(LogView)
        scope = "all streams" + (f" (filter {self._filter_kind}: {self._filter_text})" if log.filtered else "")
        self.app.push_screen(ExportScreen(scope), self._export)

    @on(Button.Pressed, "#streams-export")
    def _export_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_export()

    def _export(self, request: ExportRequest | None) -> None:
        if request is None:
            return
        try:
            sample_filter = parse_filter(self._filter_kind, self._filter_text)
            count = export_streams(self.session.streams, request, sample_filter=sample_filter)
        except (OSError, FilterError) as exc:
            self.notify(f"{request.path}: {exc}", title="Export failed", severity="error",
                        markup=False)
            return
        self.notify(f"{count:,} samples written to {request.path}", title="Exported", markup=False)

    # -- console ----------------------------------------------------------------------

    def set_console_target(self, target: ConsoleTarget | None) -> None:
        self.query_one(RequestConsole).set_target(target)

    @on(RequestConsole.Exchanged)
    def _exchanged(self, event: RequestConsole.Exchanged) -> None:
        now = int(time.time() * 1000)
        lines = [LogEntry(event.sent_ms, "console", event.request, kind="write", note="request")]
        exchange = event.exchange
        if exchange is not None and exchange.reply is not None:
            lines.append(LogEntry(int(exchange.reply.t_wall_ms), "console", exchange.reply.data,
                                  kind="match", note=f"reply in {exchange.elapsed_ms:.1f} ms"))
        elif exchange is not None:
            lines.append(LogEntry(now, "console", b"", kind="info", note="no matching reply (timeout)"))
        else:
            lines.append(LogEntry(now, "console", b"", kind="info", note=f"failed: {event.error}"))
        # Into the log with the notifications of the same moments, in time order: added at
        # once, they came above notifications of the same milliseconds still waiting for
        # the next tick (review 3.10). The next pull merges them; it runs now.
        self._console_lines.extend(lines)
        self.pull()


_ORDER_AT_SAME_MS = {"write": 0, "notify": 1, "indicate": 1, "match": 2, "info": 2}


def in_time_order(notifications: list[LogEntry], console: list[LogEntry]) -> list[LogEntry]:
    """The console's lines among a batch of notifications, by wall time; in the same
    millisecond a request comes before the notifications, its reply after them."""
    keyed = [(e.wall_ms, 1, i, e) for i, e in enumerate(notifications)]
    start = len(keyed)
    keyed += [(e.wall_ms, _ORDER_AT_SAME_MS.get(e.kind, 2), start + i, e)
              for i, e in enumerate(console)]
    keyed.sort(key=lambda item: item[:3])
    return [item[3] for item in keyed]

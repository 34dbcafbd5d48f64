"""The notification log: a virtual view that renders only the lines on screen.

A flood of thousands of notifications per second must not cost thousands of widgets or
thousands of renders: entries live in a bounded deque, the filtered view is a bounded
deque of sequence numbers, and `render_line` builds a `Strip` only for a visible line,
cached in an LRU keyed by the entry's sequence number (stable when old entries are
pruned). Pausing freezes the view; what arrives meanwhile waits in a bounded queue and is
counted when it overflows.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.cache import LRUCache
from textual.containers import VerticalScroll
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from blebench.session.filters import SampleFilter
from blebench.ui.safe_text import safe_text
from blebench.ui.streams.fields import summarize

DEFAULT_MAX_ENTRIES = 20_000
HEX_SHOWN_BYTES = 32  # longer payloads are cut on screen (the export keeps them whole)
STREAM_COLUMN = 24
DETAIL_MAX_CHARS = 4_000  # the detail of one line: a 512-byte value and its fields fit
ELLIPSIS = "…"


@dataclass(slots=True)
class LogEntry:
    """One line of the log: a notification, or a console request/response. Not frozen
    (never changed all the same): made once per notification, and a frozen dataclass is
    four times as slow to make."""

    wall_ms: int
    stream: str  # the characteristic's name (may come from the air: shown via safe_text)
    data: bytes
    fields: Mapping[str, Any] | None = None  # decoded fields (shared, cached per payload)
    note: str = ""  # our own words for console lines ("matched in 12 ms", "timeout")
    handle: int | None = None
    kind: Literal["notify", "indicate", "write", "match", "info"] = "notify"


FilterKind = Literal["hex", "regex", "field"]
FILTER_KINDS: tuple[tuple[str, FilterKind], ...] = (
    ("hex prefix", "hex"),
    ("regex on hex", "regex"),
    ("decoded field", "field"),
)
_SPEC_PREFIX: dict[FilterKind, str] = {"hex": "prefix:", "regex": "re:", "field": ""}


def parse_filter(kind: FilterKind, text: str) -> SampleFilter | None:
    """The session's filter for what the user typed, or None for "show everything".

    The same filter language as `blebench notify` (the session's `SampleFilter`): a hex
    prefix (`0a1b`, `0x0A 1B`), a regex searched in the lowercase hex, or a condition on a
    decoded field (`heart_rate>100`, `text~hello`). Raises `FilterError` (a ValueError)
    with a sentence the user can act on.
    """
    text = text.strip()
    if not text:
        return None
    return SampleFilter.parse(_SPEC_PREFIX[kind] + text)


def entry_matches(entry: LogEntry, sample_filter: SampleFilter) -> bool:
    fields = entry.fields
    return sample_filter.matches(entry.data, lambda: fields)


def format_time(wall_ms: int) -> str:
    return datetime.fromtimestamp(wall_ms / 1000).strftime("%H:%M:%S.") + f"{wall_ms % 1000:03d}"


def format_hex(data: bytes, limit: int = HEX_SHOWN_BYTES) -> str:
    shown = data[:limit].hex(" ")
    return shown if len(data) <= limit else f"{shown} …(+{len(data) - limit})"


_KIND_MARK = {"notify": " ", "indicate": "i", "write": "→", "match": "←", "info": "·"}


class LogView(ScrollView, can_focus=True):
    """A bounded, virtual, filterable log of `LogEntry` lines.

    A line too long for the pane ends with "…". Up, PageUp, Home or a click select a line
    (the log pauses meanwhile, so a flood does not push it out of the bound); `Selected`
    tells the pane, whose `LogDetail` shows that line whole. Escape or End goes back to
    following the newest line (and resumes if the selection paused it).
    """

    DEFAULT_CSS = """
    LogView {
        background: $surface;
        overflow-x: hidden;
        overflow-y: scroll;
        &:focus { background-tint: $foreground 5%; }
        & > .log-view--cursor { background: $primary 40%; }
    }
    """

    COMPONENT_CLASSES = {"log-view--cursor"}

    BINDINGS = [
        Binding("up", "cursor_up", "Select line", show=False),
        Binding("down", "cursor_down", "Next line", show=False),
        Binding("pageup", "page_up_lines", "Page up", show=False),
        Binding("pagedown", "page_down_lines", "Page down", show=False),
        Binding("home", "first_line", "Oldest line", show=False),
        Binding("end", "follow", "Follow the newest", show=False),
        Binding("escape", "follow", "Follow the newest", show=False),
    ]

    class Selected(Message):
        """The selected line changed (None: back to following the newest)."""

        def __init__(self, log: LogView, entry: LogEntry | None) -> None:
            super().__init__()
            self.log = log
            self.entry = entry

        @property
        def control(self) -> LogView:
            return self.log

    paused: reactive[bool] = reactive(False)

    def __init__(
        self,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's parameter name
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.max_entries = max_entries
        self._entries: deque[LogEntry] = deque()
        self._first_seq = 0  # sequence number of self._entries[0]
        self._view: deque[int] = deque()  # sequence numbers passing the filter
        self._filter: SampleFilter | None = None
        self._pending: deque[LogEntry] = deque(maxlen=max_entries)
        self._pending_lost = 0
        self._cache: LRUCache[int, Strip] = LRUCache(512)
        self.total_seen = 0
        self.selected_seq: int | None = None  # the selected entry's sequence number
        self._paused_by_selection = False

    # -- data -------------------------------------------------------------------------

    @property
    def entry_count(self) -> int:
        return len(self._entries)

    @property
    def shown_count(self) -> int:
        return len(self._view)

    @property
    def pending_count(self) -> int:
        return len(self._pending) + self._pending_lost

    @property
    def filtered(self) -> bool:
        return self._filter is not None

    def visible_entries(self) -> list[LogEntry]:
        """The entries passing the filter, oldest first (for tests and copy)."""
        base = self._first_seq
        return [self._entries[seq - base] for seq in self._view]

    def add(self, entries: Iterable[LogEntry]) -> None:
        """Append a batch (the pane calls this at most ~10 times a second)."""
        if self.paused:
            before = len(self._pending)
            batch = list(entries)
            self._pending.extend(batch)
            self._pending_lost += max(0, before + len(batch) - self.max_entries)
            self.total_seen += len(batch)
            return
        self._append(entries, count_seen=True)

    def _append(self, entries: Iterable[LogEntry], *, count_seen: bool) -> None:
        follow = self.selected_seq is None and (self.is_vertical_scroll_end or self.max_scroll_y == 0)
        sample_filter = self._filter
        seq = self._first_seq + len(self._entries)
        added = 0
        for entry in entries:
            self._entries.append(entry)
            if sample_filter is None or entry_matches(entry, sample_filter):
                self._view.append(seq)
            seq += 1
            added += 1
        if count_seen:
            self.total_seen += added
        if not added:
            return
        removed_rows = self._prune()
        self._resize()
        if self.selected_seq is not None and self.selected_seq < self._first_seq:
            self._set_selected(None)  # pruned past the bound while the log ran
        if follow and not self.is_vertical_scrollbar_grabbed:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        else:
            # Keep the lines the reader is looking at where they are.
            if removed_rows:
                self.scroll_to(y=max(0, self.scroll_y - removed_rows), animate=False, immediate=True)
            self.refresh()

    def _prune(self) -> int:
        """Drop the oldest entries past the bound; return how many shown rows went."""
        excess = len(self._entries) - self.max_entries
        if excess <= 0:
            return 0
        for _ in range(excess):
            self._entries.popleft()
        self._first_seq += excess
        removed = 0
        view = self._view
        while view and view[0] < self._first_seq:
            view.popleft()
            removed += 1
        return removed

    def clear(self) -> None:
        self._set_selected(None)
        self._entries.clear()
        self._view.clear()
        self._pending.clear()
        self._pending_lost = 0
        self._first_seq = 0
        self._cache.clear()
        self.total_seen = 0
        self._resize()
        self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()

    def set_filter(self, kind: FilterKind, text: str) -> None:
        """Apply a filter to everything held (raises FilterError for a bad filter)."""
        sample_filter = parse_filter(kind, text)
        self._filter = sample_filter
        base = self._first_seq
        if sample_filter is None:
            self._view = deque(range(base, base + len(self._entries)))
        else:
            self._view = deque(
                base + index
                for index, entry in enumerate(self._entries)
                if entry_matches(entry, sample_filter)
            )
        self._resize()
        if self.selected_row() is None:
            self._set_selected(None)
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        else:
            self._scroll_to_selected()
        self.refresh()

    def watch_paused(self, paused: bool) -> None:
        if not paused:
            self._paused_by_selection = False  # resumed: a later pause is the user's own
        if not paused and (self._pending or self._pending_lost):
            pending = list(self._pending)
            self._pending.clear()
            self._pending_lost = 0
            self._append(pending, count_seen=False)

    # -- selection --------------------------------------------------------------------

    @property
    def selected_entry(self) -> LogEntry | None:
        seq = self.selected_seq
        if seq is None or not self._first_seq <= seq < self._first_seq + len(self._entries):
            return None
        return self._entries[seq - self._first_seq]

    def selected_row(self) -> int | None:
        """The selected line's row in the (filtered) view, None when none is selected."""
        seq = self.selected_seq
        if seq is None:
            return None
        row = bisect_left(self._view, seq)  # the view is in sequence order
        return row if row < len(self._view) and self._view[row] == seq else None

    def select_row(self, row: int) -> None:
        """Select the line at `row` of the view (clamped); the log pauses meanwhile."""
        if not self._view:
            return
        row = max(0, min(row, len(self._view) - 1))
        if not self.paused:
            self._paused_by_selection = True
            self.paused = True
        self._set_selected(self._view[row])
        self._scroll_to_selected()

    def _set_selected(self, seq: int | None) -> None:
        if seq == self.selected_seq:
            return
        self.selected_seq = seq
        self.refresh()
        self.post_message(self.Selected(self, self.selected_entry))

    def _scroll_to_selected(self) -> None:
        row = self.selected_row()
        if row is not None:
            self.scroll_to_region(Region(0, row, 1, 1), animate=False, immediate=True,
                                  x_axis=False)

    def _start_row(self) -> int:
        """Where the cursor starts: the newest line on screen."""
        bottom = int(self.scroll_y) + self.scrollable_content_region.height - 1
        return min(bottom, len(self._view) - 1)

    def action_cursor_up(self) -> None:
        row = self.selected_row()
        self.select_row(self._start_row() if row is None else row - 1)

    def action_cursor_down(self) -> None:
        row = self.selected_row()
        self.select_row(self._start_row() if row is None else row + 1)

    def action_page_up_lines(self) -> None:
        row = self.selected_row()
        page = max(1, self.scrollable_content_region.height - 1)
        self.select_row((self._start_row() if row is None else row) - page)

    def action_page_down_lines(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        self.select_row(row + max(1, self.scrollable_content_region.height - 1))

    def action_first_line(self) -> None:
        self.select_row(0)

    def action_follow(self) -> None:
        """Back to the newest line; resume if the selection paused the log."""
        self._set_selected(None)
        if self._paused_by_selection:
            self._paused_by_selection = False
            self.paused = False
        self.scroll_end(animate=False, immediate=True, x_axis=False)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and int(self.scroll_y) + offset.y < len(self._view):
            self.select_row(int(self.scroll_y) + offset.y)

    def _resize(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._view))

    def on_resize(self) -> None:
        self._resize()
        # The detail box under the log grows when a line is selected, and the log shrinks:
        # the selected line must stay in view (review 3.9: it was pushed out below).
        self._scroll_to_selected()

    # -- rendering --------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        row = scroll_y + y
        style = self.rich_style
        if row >= len(self._view):
            return Strip.blank(width, style)
        seq = self._view[row]
        strip = self._cache.get(seq)
        if strip is None:
            strip = self._render_entry(self._entries[seq - self._first_seq], style)
            self._cache[seq] = strip
        if strip.cell_length > scroll_x + width and width > 1:
            # Cut at the edge: say so, the detail under the log has the whole line.
            shown = strip.crop(scroll_x, scroll_x + width - 1)
            strip = Strip([*shown, Segment(ELLIPSIS, style)], width)
        else:
            strip = strip.crop_extend(scroll_x, scroll_x + width, style)
        if seq == self.selected_seq:
            strip = strip.apply_style(self.get_component_rich_style("log-view--cursor"))
        return strip.apply_offsets(scroll_x, row)

    def _render_entry(self, entry: LogEntry, base: Style) -> Strip:
        line = Text(no_wrap=True, end="", style=base)
        line.append(format_time(entry.wall_ms), style="dim")
        line.append(f" {_KIND_MARK.get(entry.kind, ' ')} ")
        name = safe_text(entry.stream, max_len=STREAM_COLUMN, style="bold")
        name.pad_right(STREAM_COLUMN - cell_len(name.plain))
        line.append_text(name)
        line.append(" ")
        line.append(format_hex(entry.data), style="cyan")
        decoded = summarize(entry.fields) if entry.fields else ""
        if decoded:
            line.append("  ")
            line.append_text(safe_text(decoded, max_len=160, style="green"))
        if entry.note:
            line.append("  ")
            line.append_text(safe_text(entry.note, max_len=160, style="italic yellow"))
        segments = list(line.render(self.app.console))
        return Strip(segments, line.cell_len)


def detail_text(entry: LogEntry) -> Text:
    """One log line in full: when, what kind, which stream, every byte, every field."""
    text = Text()
    text.append(format_time(entry.wall_ms), style="dim")
    text.append(f"  {entry.kind}  ")
    text.append_text(safe_text(entry.stream, max_len=120, style="bold"))
    if entry.handle is not None:
        text.append(f"  handle 0x{entry.handle:04X}", style="dim")
    text.append(f"  {len(entry.data)} byte{'s' if len(entry.data) != 1 else ''}", style="dim")
    if entry.data:
        text.append("\n")
        text.append(entry.data.hex(" "), style="cyan")
    if entry.fields:
        text.append("\n")
        text.append_text(safe_text(summarize(entry.fields, limit=DETAIL_MAX_CHARS),
                                   max_len=DETAIL_MAX_CHARS, style="green"))
    if entry.note:
        text.append("\n")
        text.append_text(safe_text(entry.note, max_len=DETAIL_MAX_CHARS, style="italic yellow"))
    return text


DETAIL_HINT = "↑ or a click selects a line to read it whole here (the log pauses); Esc follows again"


class LogDetail(VerticalScroll, can_focus=False):
    """The selected log line in full, under the log (a hint while none is selected)."""

    DEFAULT_CSS = """
    LogDetail { height: auto; max-height: 6; border-top: solid $primary-muted; }
    LogDetail > Static { padding: 0 1; }
    LogDetail > .hint { color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Static(DETAIL_HINT, classes="hint", markup=False)

    def show(self, entry: LogEntry | None) -> None:
        body = self.query_one(Static)
        body.set_class(entry is None, "hint")
        body.update(DETAIL_HINT if entry is None else detail_text(entry))
        self.scroll_home(animate=False)

"""The notification log: a virtual view that renders only the lines on screen.

A flood of thousands of notifications per second must not cost thousands of widgets or
thousands of renders: entries live in a bounded deque, the filtered view is a bounded
deque of sequence numbers, and `render_line` builds a `Strip` only for a visible line,
cached in an LRU keyed by the entry's sequence number (stable when old entries are
pruned). Pausing freezes the view; what arrives meanwhile waits in a bounded queue and is
counted when it overflows.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from blebench.session.streams import SampleFilter
from blebench.ui.safe_text import safe_text
from blebench.ui.streams.fields import summarize

DEFAULT_MAX_ENTRIES = 20_000
HEX_SHOWN_BYTES = 32  # longer payloads are cut on screen (the export keeps them whole)
STREAM_COLUMN = 24


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of the log: a notification, or a console request/response."""

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
    """A bounded, virtual, filterable log of `LogEntry` lines."""

    DEFAULT_CSS = """
    LogView {
        background: $surface;
        overflow-x: hidden;
        overflow-y: scroll;
        &:focus { background-tint: $foreground 5%; }
    }
    """

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
        follow = self.is_vertical_scroll_end or self.max_scroll_y == 0
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
        self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.refresh()

    def watch_paused(self, paused: bool) -> None:
        if not paused and (self._pending or self._pending_lost):
            pending = list(self._pending)
            self._pending.clear()
            self._pending_lost = 0
            self._append(pending, count_seen=False)

    def _resize(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._view))

    def on_resize(self) -> None:
        self._resize()

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
        return strip.crop_extend(scroll_x, scroll_x + width, style).apply_offsets(scroll_x, row)

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

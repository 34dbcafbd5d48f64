"""The table of streams: one row per subscription, updated in place.

The pane hands over a full list of rows each tick; only the cells whose text changed are
touched, so a quiet stream next to a flooding one costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable

from blebench.ui.safe_text import safe_text

# (key, label, width): fixed widths so a row never reflows as its values change. The name
# and the latest value take what the terminal's width leaves (`column_widths`), so Gaps,
# Drops and State stay on screen at 80 and 120 columns.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("stream", "Characteristic", 32),
    ("handle", "Handle", 6),
    ("latest", "Latest value", 48),
    ("count", "Count", 9),
    ("rate", "Rate/s", 8),
    ("gaps", "Gaps", 6),
    ("drops", "Drops", 7),
    ("state", "State", 6),
)
_FLEXIBLE = {"stream": 12, "latest": 10}  # their narrowest; COLUMNS has their widest
_SHORT_LABELS = {"stream": "Name", "latest": "Latest"}  # where the full label is cut
_PADDING = 2  # DataTable's cell padding, both sides of every column


def column_widths(available: int) -> dict[str, int]:
    """Each column's width for a table `available` cells wide: the fixed ones as they are,
    the name and the latest value sharing the rest (the value gets two thirds), each
    between its narrowest and its widest. One cell is kept for a vertical scrollbar."""
    widths = {key: width for key, _label, width in COLUMNS}
    fixed = sum(w for key, w in widths.items() if key not in _FLEXIBLE)
    room = available - 1 - fixed - _PADDING * len(COLUMNS)
    stream = max(_FLEXIBLE["stream"], min(widths["stream"], room // 3))
    widths["stream"] = stream
    widths["latest"] = max(_FLEXIBLE["latest"], min(widths["latest"], room - stream))
    return widths


# What the two counters mean (session/streams.py): said under the table and as its tooltip.
LEGEND = "Gaps: silences > 4× the usual interval · Drops: missed here (buffer full)"


@dataclass(frozen=True, slots=True)
class StreamRow:
    """What the table shows of one stream (built by the pane from the session's stats)."""

    key: str
    name: str  # may come from the air (a User Description): shown via safe_text
    handle: int | None
    latest: str  # decoded value, may hold strings from the air
    count: int
    rate: float
    gaps: int
    drops: int
    paused: bool = False
    active: bool = True

    def cells(self) -> tuple[Text, ...]:
        return (
            safe_text(self.name, max_len=32),
            Text(f"0x{self.handle:04X}" if self.handle is not None else "-"),
            safe_text(self.latest, max_len=48),
            Text(f"{self.count:,}", justify="right"),
            Text(f"{self.rate:,.1f}", justify="right"),
            Text(f"{self.gaps:,}", justify="right", style="yellow" if self.gaps else ""),
            Text(f"{self.drops:,}", justify="right", style="red" if self.drops else ""),
            self._state(),
        )


    def _state(self) -> Text:
        if not self.active:
            return Text("closed", style="dim")
        if self.paused:
            return Text("paused", style="yellow")
        return Text("live", style="green")


class StreamTable(DataTable[Text]):
    """Streams with their latest decoded value, count, rate, gaps and drops."""

    DEFAULT_CSS = """
    StreamTable { height: auto; max-height: 10; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self._shown: dict[str, tuple[Text, ...]] = {}  # as shown (fitted to the columns)
        self._full: dict[str, tuple[Text, ...]] = {}  # as the rows gave them (refitted on resize)
        self._widths: dict[str, int] = {}

    def on_mount(self) -> None:
        self._lay_out(self.size.width or 160)
        self.tooltip = LEGEND

    def on_resize(self) -> None:
        if self.size.width:
            self._lay_out(self.size.width)

    def _lay_out(self, width: int) -> None:
        """Columns for this width; the rows shown are put back when the widths change."""
        widths = column_widths(width)
        if widths == self._widths:
            return
        self._widths = widths
        cursor = self.cursor_coordinate
        self.clear(columns=True)
        for key, label, _width in COLUMNS:
            if len(label) > widths[key]:
                label = _SHORT_LABELS.get(key, label)
            self.add_column(label, key=key, width=widths[key])
        for key, full in self._full.items():
            cells = self._shown[key] = self._fitted(full)
            self.add_row(*cells, key=key)
        if self.row_count:
            self.cursor_coordinate = cursor

    @property
    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except Exception:  # noqa: BLE001 - cursor outside rows after a removal
            return None
        return row_key.value

    def _fitted(self, cells: tuple[Text, ...]) -> tuple[Text, ...]:
        """The name and the latest value cut to their column with `…`, so a cut shows."""
        out = list(cells)
        for index, (key, _label, _width) in enumerate(COLUMNS):
            width = self._widths.get(key)
            if key in _FLEXIBLE and width is not None and out[index].cell_len > width:
                out[index] = out[index].copy()
                out[index].truncate(width, overflow="ellipsis")
        return tuple(out)

    def update_rows(self, rows: Iterable[StreamRow]) -> None:
        wanted = {row.key: row for row in rows}
        for key in list(self._shown):
            if key not in wanted:
                self.remove_row(key)
                del self._shown[key], self._full[key]
        for key, row in wanted.items():
            full = self._full[key] = row.cells()
            cells = self._fitted(full)
            old = self._shown.get(key)
            if old is None:
                self.add_row(*cells, key=key)
            else:
                for (column, _, _), new_cell, old_cell in zip(COLUMNS, cells, old, strict=True):
                    if new_cell.plain != old_cell.plain or new_cell.style != old_cell.style:
                        self.update_cell(key, column, new_cell)
            self._shown[key] = cells

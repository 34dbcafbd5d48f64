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

# (key, label, width): fixed widths so a row never reflows as its values change.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("stream", "Characteristic", 32),
    ("handle", "Handle", 6),
    ("latest", "Latest value", 48),
    ("count", "Count", 10),
    ("rate", "Rate/s", 8),
    ("gaps", "Gaps", 6),
    ("drops", "Drops", 8),
    ("state", "State", 6),
)


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
        self._shown: dict[str, tuple[Text, ...]] = {}

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)
        self.tooltip = LEGEND

    @property
    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except Exception:  # noqa: BLE001 - cursor outside rows after a removal
            return None
        return row_key.value

    def update_rows(self, rows: Iterable[StreamRow]) -> None:
        wanted = {row.key: row for row in rows}
        for key in list(self._shown):
            if key not in wanted:
                self.remove_row(key)
                del self._shown[key]
        for key, row in wanted.items():
            cells = row.cells()
            old = self._shown.get(key)
            if old is None:
                self.add_row(*cells, key=key)
            else:
                for (column, _, _), new_cell, old_cell in zip(COLUMNS, cells, old, strict=True):
                    if new_cell.plain != old_cell.plain or new_cell.style != old_cell.style:
                        self.update_cell(key, column, new_cell)
            self._shown[key] = cells

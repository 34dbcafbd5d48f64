"""The live device list: a DataTable whose cells are updated one by one, never rebuilt.

Each refresh hands it the rows that changed; it compares the new cells with the ones on
screen and calls `update_cell` only for those that differ, adds rows that now pass the
filter and removes those that no longer do. Sorting happens at most every `SORT_EVERY_S`
so the list does not jump under the cursor at every advertisement. Until the user moves
the cursor it stays on the top row (the strongest device, whichever was heard first);
once they do, it stays on the device they chose (by address) however the rows re-sort.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist, RowKey

from blebench.ui.safe_text import safe_text
from blebench.ui.scan.model import (
    SHORT_ADDRESS_TYPES,
    SORTS,
    ScanFilter,
    ScanRow,
    age_text,
    interval_text,
    phy_text,
)
from blebench.ui.scan.sparkline import rssi_sparkline, rssi_style


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    min_width: int  # narrower, it is not shown (its value is in the detail below)
    width: int  # what it gets when there is room
    priority: int  # which columns stay as the terminal narrows (0 always)


# In the order shown; a column is never narrower than its label. The timing columns come
# last as the terminal narrows: interval, reports and PHY are also in the detail's summary.
COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", 14, 26, 0),
    Column("address", "Address", 17, 17, 1),
    Column("type", "Type", 6, 22, 4),  # "NRPA" when narrow, "non-resolvable-private" wide
    Column("rssi", "RSSI", 8, 8, 0),
    Column("trend", "RSSI trend", 10, 10, 5),
    Column("connectable", "Connectable", 11, 11, 0),  # does it accept connections
    Column("linked", "Linked", 6, 6, 0),  # do we hold a connection to it
    Column("kind", "Company / beacon", 16, 24, 3),
    Column("interval", "Interval", 8, 8, 6),
    Column("reports", "Reports", 7, 7, 7),
    Column("phy", "PHY", 5, 5, 8),
    Column("seen", "Last seen", 9, 9, 2),
)
PADDING = 2  # DataTable's cell padding, one each side
SCROLLBAR = 2  # the vertical scrollbar, once the rows overflow
# Where the room left goes, in turn, up to each width.
GROWTH = (("name", 26), ("kind", 24), ("type", 22), ("name", 40), ("kind", 40))
SORT_EVERY_S = 2.0
LINKED = "● yes"
FULL_TYPE_WIDTH = 22


def layout_columns(width: int) -> tuple[tuple[str, str, int], ...]:
    """(key, label, width) of the columns that fit a table `width` cells wide: the most
    important first at their minimum, then the room left to the names, kinds and types."""
    room = width - SCROLLBAR
    chosen: set[str] = set()
    used = 0
    for column in sorted(COLUMNS, key=lambda c: c.priority):
        cost = column.min_width + PADDING
        if used + cost <= room:
            chosen.add(column.key)
            used += cost
    widths = {c.key: c.min_width for c in COLUMNS if c.key in chosen}
    spare = room - used
    for key, target in GROWTH:
        need = target - widths.get(key, target)
        if need <= 0 or spare <= 0:
            continue
        if key == "type" and spare < need:
            continue  # a type cut in the middle says less than its short form
        grow = min(spare, need)
        widths[key] += grow
        spare -= grow
    return tuple((c.key, c.label, widths[c.key]) for c in COLUMNS if c.key in widths)


Cells = dict[str, Text]


def row_cells(
    row: ScanRow, now: float, linked: bool = False, *, full_type: bool = True
) -> Cells:
    live = row.live(now) or linked  # a connected device stops advertising, yet it is here
    name = (
        safe_text(row.name, max_len=40)
        if row.name
        else Text("(no name)", style="dim italic")
    )
    if not live:
        name.stylize("dim")  # not heard for a while: out of the "now" count
    if row.errors:
        name.append(" ⚠", style="bold red")
    rssi = Text(
        "—" if row.rssi is None else f"{row.rssi} dBm",
        style=rssi_style(row.rssi) if live else "dim",
        justify="right",
    )
    if row.connectable is None:
        connectable = Text("?", style="dim")
    else:
        connectable = Text(
            "yes" if row.connectable else "no", style="" if row.connectable else "dim"
        )
    address_type = row.address_type if full_type else SHORT_ADDRESS_TYPES.get(
        row.address_type, row.address_type
    )
    return {
        "name": name,
        "address": safe_text(row.address, max_len=40),
        "type": Text(address_type, style="dim"),
        "rssi": rssi,
        "trend": rssi_sparkline(row.rssi_history),
        "connectable": connectable,
        "linked": Text(LINKED, style="bold green") if linked else Text(""),
        "kind": safe_text(row.kind, max_len=60),
        "interval": Text(interval_text(row.interval_ms), justify="right"),
        "reports": Text(str(row.reports), justify="right", style="dim"),
        "phy": Text(phy_text(row.primary_phy, row.secondary_phy), style="dim"),
        "seen": Text(age_text(max(0.0, now - row.last_seen)), style="dim"),
    }


def _same(a: Text, b: Text) -> bool:
    return a.plain == b.plain and a.spans == b.spans and a.style == b.style


class DeviceTable(DataTable[Text]):
    """Rows keyed by the registry's record key (the address, or the first address of a
    device whose private address rotates); the columns fit the table's width."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.rows_by_address: dict[str, ScanRow] = {}  # every device seen, by key
        self._cells: dict[str, Cells] = {}  # what is on screen, per shown key
        self._live: dict[str, bool] = {}  # per shown key: heard lately when drawn
        self.filter = ScanFilter()
        self.sort_name = "rssi"
        self._last_sort = float("-inf")
        self._order_dirty = False
        self.linked: set[str] = set()  # addresses we are connected to
        self.chosen: str | None = None  # the device the user put the cursor on
        self._own_moves = 0  # > 0 while the table itself moves the cursor (adds, sorts)
        self.column_layout: tuple[tuple[str, str, int], ...] = ()
        self._now = 0.0

    def on_mount(self) -> None:
        self._lay_out(self.size.width or 160)

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width:
            self._lay_out(event.size.width)

    @property
    def column_keys(self) -> tuple[str, ...]:
        return tuple(key for key, _label, _width in self.column_layout)

    def _lay_out(self, width: int) -> None:
        """The columns for this width; the rows drawn again when they change."""
        layout = layout_columns(width)
        if layout == self.column_layout:
            return
        self.column_layout = layout
        chosen = self.chosen
        with self._moving_itself():
            self.clear(columns=True)
            for key, label, column_width in layout:
                self.add_column(label, key=key, width=column_width)
            shown = list(self._cells)
            self._cells.clear()
            self._live.clear()
            for key in shown:
                self._place(self.rows_by_address[key], self._now)
        self.chosen = chosen
        self.resort(self._now, force=True)

    @property
    def full_type(self) -> bool:
        return any(key == "type" and w >= FULL_TYPE_WIDTH for key, _l, w in self.column_layout)

    @property
    def shown(self) -> int:
        return len(self._cells)

    def heard_now(self, now: float) -> int:
        """Devices heard lately, shown or not."""
        return sum(1 for row in self.rows_by_address.values() if self._live_now(row, now))

    def _live_now(self, row: ScanRow, now: float) -> bool:
        """Heard lately, or linked (a connected peripheral stops advertising)."""
        return row.live(now) or self._is_linked(row)

    @contextmanager
    def _moving_itself(self) -> Iterator[None]:
        self._own_moves += 1
        try:
            yield
        finally:
            self._own_moves -= 1

    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        super().watch_cursor_coordinate(old, new)
        if not self._own_moves:
            # A key, a click or the pane: the user's choice, followed from now on.
            self.chosen = self.highlighted_address()

    def highlighted_address(self) -> str | None:
        """The key of the highlighted row (its device's address, or first address)."""
        if not self._cells or self.cursor_row < 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except CellDoesNotExist:
            return None
        return key.value

    def ingest(self, rows: Iterable[ScanRow], now: float) -> None:
        """Take the rows that changed since the last refresh."""
        self._now = now
        for row in rows:
            self.rows_by_address[row.key or row.address] = row
            self._place(row, now)

    def keep_only(self, keys: set[str]) -> None:
        """Drop the rows whose key the registry no longer holds (a record evicted to stay
        within its cap, or filed under another key since: bonded, a bond deleted, a
        rotation chain split), so the list and "M seen" say what the session has."""
        gone = [key for key in self.rows_by_address if key not in keys]
        for key in gone:
            del self.rows_by_address[key]
            self._live.pop(key, None)
            if self._cells.pop(key, None) is not None:
                try:
                    with self._moving_itself():
                        self.remove_row(key)
                except RowDoesNotExist:
                    pass
        if gone and self.chosen in gone:
            self.chosen = None

    def _is_linked(self, row: ScanRow) -> bool:
        return row.address in self.linked or row.key in self.linked

    def _place(self, row: ScanRow, now: float) -> None:
        key = row.key or row.address
        wanted = self.filter.matches(row)
        on_screen = self._cells.get(key)
        if not wanted:
            if on_screen is not None:
                del self._cells[key]
                self._live.pop(key, None)
                try:
                    with self._moving_itself():
                        self.remove_row(key)
                except RowDoesNotExist:
                    pass
            return
        cells = row_cells(row, now, self._is_linked(row), full_type=self.full_type)
        self._live[key] = self._live_now(row, now)
        if on_screen is None:
            with self._moving_itself():
                self.add_row(*(cells[column] for column in self.column_keys), key=key)
            self._cells[key] = cells
            self._order_dirty = True
            return
        shown = self.column_keys
        for column in shown:
            if _same(on_screen[column], cells[column]):
                cells[column] = on_screen[column]  # keep the object the table holds
            else:
                self.update_cell(key, column, cells[column])
        self._cells[key] = cells
        if self.sort_name in ("rssi", "last_seen"):
            self._order_dirty = True

    def set_linked(self, addresses: set[str], now: float) -> None:
        """The devices we are connected to: their Linked cell says so."""
        if addresses == self.linked:
            return
        changed = addresses ^ self.linked
        self.linked = set(addresses)
        for row in list(self.rows_by_address.values()):
            if row.address in changed or row.key in changed:
                self._place(row, now)

    def refresh_ages(self, now: float) -> None:
        """The coarse "last seen" column once a second, and rows that aged out dimmed."""
        self._now = now
        for key, cells in list(self._cells.items()):
            row = self.rows_by_address[key]
            if self._live_now(row, now) != self._live.get(key):
                self._place(row, now)
                continue
            text = Text(age_text(max(0.0, now - row.last_seen)), style="dim")
            if text.plain != cells["seen"].plain:
                if "seen" in self.column_keys:
                    self.update_cell(key, "seen", text)
                cells["seen"] = text

    def set_filter(self, new_filter: ScanFilter, now: float) -> None:
        self.filter = new_filter
        for row in list(self.rows_by_address.values()):
            self._place(row, now)
        self.resort(now, force=True)

    def set_sort(self, sort_name: str, now: float) -> None:
        self.sort_name = sort_name if sort_name in SORTS else "rssi"
        self.resort(now, force=True)

    def resort(self, now: float, *, force: bool = False) -> None:
        if not self._cells or not (self._order_dirty or force):
            return
        if not force and now - self._last_sort < SORT_EVERY_S:
            return
        _label, sort_key, reverse = SORTS[self.sort_name]
        before, before_row = self.highlighted_address(), self.cursor_row
        rows = self.rows_by_address

        def by_row(row_key: str) -> object:
            row = rows[row_key]
            return (
                (sort_key(row), row_key) if not reverse else (sort_key(row), _Reversed(row_key))
            )

        # DataTable.sort hands the key one column's cell: the name cell on screen is
        # the very object kept in `_cells`, which says whose row it is.
        owner = {id(cells["name"]): key for key, cells in self._cells.items()}
        self.sort("name", key=lambda cell: by_row(owner[id(cell)]), reverse=reverse)
        self._last_sort = now
        self._order_dirty = False
        # The device the user chose, wherever it sorted to; else the top row.
        keep = self.chosen if self.chosen in self._cells else None
        row = self.get_row_index(keep) if keep is not None else 0
        with self._moving_itself():
            self.move_cursor(row=row, animate=False)
        after = self.highlighted_address()
        if after is not None and after != before and self.cursor_row == before_row:
            # Same row, another device (the sort moved it under the cursor): DataTable
            # posts nothing for an unmoved cursor, so say it, for the detail view.
            self.post_message(DataTable.RowHighlighted(self, row, RowKey(after)))


class _Reversed(str):
    """Sorts the address tie-break ascending when the main key sorts descending."""

    __slots__ = ()

    def __lt__(self, other: str) -> bool:
        return str.__gt__(self, other)

    def __gt__(self, other: str) -> bool:
        return str.__lt__(self, other)

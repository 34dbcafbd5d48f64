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

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist, RowKey

from blebench.ui.safe_text import safe_text
from blebench.ui.scan.model import SORTS, ScanFilter, ScanRow, age_text
from blebench.ui.scan.sparkline import rssi_sparkline, rssi_style

COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    # key, label, width (None: fit)
    ("name", "Name", 26),
    ("address", "Address", 17),
    ("type", "Type", 22),
    ("rssi", "RSSI", 8),
    ("trend", "RSSI trend", 10),
    ("conn", "Conn", 8),
    ("kind", "Company / beacon", 24),
    ("seen", "Last seen", 9),
)
SORT_EVERY_S = 2.0

Cells = tuple[Text, ...]


LINKED = "● linked"


def row_cells(row: ScanRow, now: float, linked: bool = False) -> Cells:
    name = (
        safe_text(row.name, max_len=40)
        if row.name
        else Text("(no name)", style="dim italic")
    )
    if row.errors:
        name.append(" ⚠", style="bold red")
    rssi = Text(
        "—" if row.rssi is None else f"{row.rssi} dBm", style=rssi_style(row.rssi), justify="right"
    )
    if linked:
        conn = Text(LINKED, style="bold green")  # we hold a connection to it
    elif row.connectable is None:
        conn = Text("?", style="dim")
    else:
        conn = Text("yes" if row.connectable else "no", style="" if row.connectable else "dim")
    return (
        name,
        safe_text(row.address, max_len=40),
        Text(row.address_type, style="dim"),
        rssi,
        rssi_sparkline(row.rssi_history),
        conn,
        safe_text(row.kind, max_len=60),
        Text(age_text(max(0.0, now - row.last_seen)), style="dim"),
    )


def _same(a: Text, b: Text) -> bool:
    return a.plain == b.plain and a.spans == b.spans and a.style == b.style


class DeviceTable(DataTable[Text]):
    """Rows keyed by address."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.rows_by_address: dict[str, ScanRow] = {}  # every device seen (shown or not)
        self._cells: dict[str, Cells] = {}  # what is on screen, per shown address
        self.filter = ScanFilter()
        self.sort_name = "rssi"
        self._last_sort = float("-inf")
        self._order_dirty = False
        self.linked: set[str] = set()  # addresses we are connected to
        self.chosen: str | None = None  # the device the user put the cursor on
        self._own_moves = 0  # > 0 while the table itself moves the cursor (adds, sorts)

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    @property
    def shown(self) -> int:
        return len(self._cells)

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
        if not self._cells or self.cursor_row < 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except CellDoesNotExist:
            return None
        return key.value

    def ingest(self, rows: Iterable[ScanRow], now: float) -> None:
        """Take the rows that changed since the last refresh."""
        for row in rows:
            self.rows_by_address[row.address] = row
            self._place(row, now)

    def _place(self, row: ScanRow, now: float) -> None:
        address = row.address
        wanted = self.filter.matches(row)
        on_screen = self._cells.get(address)
        if not wanted:
            if on_screen is not None:
                del self._cells[address]
                try:
                    with self._moving_itself():
                        self.remove_row(address)
                except RowDoesNotExist:
                    pass
            return
        cells = row_cells(row, now, address in self.linked)
        if on_screen is None:
            with self._moving_itself():
                self.add_row(*cells, key=address)
            self._cells[address] = cells
            self._order_dirty = True
            return
        for (column, _label, _width), old, new in zip(COLUMNS, on_screen, cells, strict=True):
            if not _same(old, new):
                self.update_cell(address, column, new)
        self._cells[address] = cells
        if self.sort_name in ("rssi", "last_seen"):
            self._order_dirty = True

    def set_linked(self, addresses: set[str], now: float) -> None:
        """The devices we are connected to: their Conn cell says so."""
        if addresses == self.linked:
            return
        changed = addresses ^ self.linked
        self.linked = set(addresses)
        for address in changed:
            row = self.rows_by_address.get(address)
            if row is not None:
                self._place(row, now)

    def refresh_ages(self, now: float) -> None:
        """The coarse "last seen" column, once a second."""
        for address, cells in self._cells.items():
            row = self.rows_by_address[address]
            text = Text(age_text(max(0.0, now - row.last_seen)), style="dim")
            if text.plain != cells[-1].plain:
                self.update_cell(address, "seen", text)
                self._cells[address] = (*cells[:-1], text)

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
        _label, key, reverse = SORTS[self.sort_name]
        before, before_row = self.highlighted_address(), self.cursor_row
        rows = self.rows_by_address
        by_plain = {cells[1].plain: address for address, cells in self._cells.items()}

        def by_row(address_cell: Text) -> object:
            # DataTable.sort with one column hands the key that column's cell.
            row = rows[by_plain[address_cell.plain]]
            return (key(row), row.address) if not reverse else (key(row), _Reversed(row.address))

        self.sort("address", key=by_row, reverse=reverse)
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

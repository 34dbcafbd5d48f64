"""The pairing matrix as a table: our IO capability against the peer's, for the flags set.

Rows are the initiator's (our) IO capability, columns the responder's; every cell is
`blebench.pairing.matrix.predict` for that pair with the rest of both sides' options. The
current combination (our settings, the peer's options) is highlighted, and the cell under
the cursor is explained step by step below, failures with their SMP reason in words.
The whole tab scrolls up and down where the terminal is short (80x24: the explanation's
first lines in view under the legend, the rest below).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static

from blebench.pairing.matrix import explain_steps, predict
from blebench.pairing.models import IoCapability, PairingOptions, PairingOutcome
from blebench.ui.steady import SteadyStatic

IO_ORDER: tuple[IoCapability, ...] = tuple(IoCapability)

# The spec's own abbreviations, for terminals too narrow for the full names.
IO_SHORT = {
    IoCapability.DISPLAY_ONLY: "DO",
    IoCapability.DISPLAY_YES_NO: "DYN",
    IoCapability.KEYBOARD_ONLY: "KO",
    IoCapability.NO_INPUT_NO_OUTPUT: "NIO",
    IoCapability.KEYBOARD_DISPLAY: "KD",
}
# Method labels per tier: (long, short). Long is used when every cell fits it.
_METHOD_LABELS = {
    "just-works": ("JW", "JW"),
    "numeric-comparison": ("NC", "NC"),
    "passkey-entry": ("Passkey", "PK"),
    "oob": ("OOB", "OOB"),
}
_METHOD_WORDS = {
    "just-works": "Just Works",
    "numeric-comparison": "numeric comparison",
    "passkey-entry": "passkey entry",
    "oob": "out of band",
}
_LEVEL_WORDS = {1: "no security", 2: "unauthenticated", 3: "authenticated",
                4: "authenticated SC"}
CURRENT_MARK = "▶ "
# Where the cell cannot spare two columns for the mark, our row and the peer's column
# carry it instead (the cell itself stays reversed).
ROW_MARK = "▶"
COLUMN_MARK = "▼"
CELL_PADDING = 1  # DataTable's default, on each side of every column
MAX_CELL_WIDTH = 20  # wider columns only spread the grid out


@dataclass(frozen=True, slots=True)
class Tier:
    """How much a cell says: the method's long or short label, and whether a failed
    cell names the method besides its SMP reason."""

    short_method: bool
    failure_method: bool


TIERS = (Tier(False, True), Tier(True, True), Tier(True, False))


def cell_label(outcome: PairingOutcome, tier: Tier = TIERS[0]) -> str:
    """`Passkey L4` / `JW L2` / `✗0x03 JW` (or `✗0x03` in the narrowest tier)."""
    long, short = _METHOD_LABELS[outcome.method]
    method = short if tier.short_method else long
    if outcome.failure is not None:
        code = f"✗0x{outcome.failure.code:02X}"
        return f"{code} {method}" if tier.failure_method else code
    return f"{method} L{outcome.security_level}"


def cell_text(outcome: PairingOutcome, current: bool = False, tier: Tier = TIERS[0],
              mark: bool = True) -> Text:
    """The cell's label, coloured by what it gives; the current combination reversed, and
    marked unless its row and column carry the mark (`mark` False)."""
    if outcome.failure is not None:
        text = Text(cell_label(outcome, tier), style="red")
    else:
        style = {4: "bold green", 3: "green", 2: "yellow"}.get(outcome.security_level, "")
        text = Text(cell_label(outcome, tier), style=style)
    if current:
        if mark:
            text = Text(CURRENT_MARK, style="bold reverse") + text
        text.stylize("reverse")
    return text


@dataclass(frozen=True, slots=True)
class GridLayout:
    """Column widths and labels for one available width."""

    short_io: bool
    tier: Tier
    first_width: int
    cell_width: int
    # The current combination (row, column) when the headers carry its mark, else None
    # (the mark is in the cell): part of the layout, as the header labels follow it.
    marked: tuple[int, int] | None = None

    def io_label(self, io: IoCapability) -> str:
        return IO_SHORT[io] if self.short_io else io.label

    def row_label(self, io: IoCapability) -> str:
        mark = self.marked is not None and IO_ORDER.index(io) == self.marked[0]
        return (ROW_MARK if mark else "") + self.io_label(io)

    def column_label(self, io: IoCapability) -> str:
        mark = self.marked is not None and IO_ORDER.index(io) == self.marked[1]
        return (COLUMN_MARK if mark else "") + self.io_label(io)

    @property
    def corner(self) -> str:
        return "ours" if self.short_io else "ours ↓ / peer →"


def choose_layout(available: int, grid: list[list[PairingOutcome]], current: tuple[int, int]) -> GridLayout:
    """The most telling labels whose widest cell fits `available` cells across.

    Full IO names before the spec's abbreviations, then the method's long label, then a
    failure shown by its code alone, then the current mark moved from the cell to its row
    and column labels; if nothing fits, the narrowest (the table scrolls).
    """
    columns = len(IO_ORDER) + 1
    # One cell spare: a grid exactly as wide as the pane still gets a scrollbar.
    padding = 2 * CELL_PADDING * columns + 1
    fallback: GridLayout | None = None
    tries = [(False, tier, False) for tier in TIERS] + [(True, tier, False) for tier in TIERS]
    tries += [(True, tier, True) for tier in TIERS]
    for short_io, tier, in_headers in tries:
        names = [IO_SHORT[io] if short_io else io.label for io in IO_ORDER]
        corner = "ours" if short_io else "ours ↓ / peer →"
        header_mark = len(ROW_MARK) if in_headers else 0
        first = max(len(corner), *(len(name) + header_mark for name in names))
        room = (available - first - padding) // len(IO_ORDER)
        cell_mark = 0 if in_headers else cell_len(CURRENT_MARK)
        widest = max(
            cell_len(cell_label(outcome, tier)) + (cell_mark if (r, c) == current else 0)
            for r, row in enumerate(grid)
            for c, outcome in enumerate(row)
        )
        need = max(widest, *(len(name) + header_mark for name in names))
        marked = current if in_headers else None
        fallback = GridLayout(short_io, tier, first, need, marked)
        if need <= room:
            return GridLayout(short_io, tier, first, min(room, max(need, MAX_CELL_WIDTH)), marked)
    assert fallback is not None
    return fallback


def legend(layout: GridLayout, grid: list[list[PairingOutcome]]) -> Text:
    """What the abbreviations in this grid mean (only those shown)."""
    outcomes = [outcome for row in grid for outcome in row]
    parts: list[tuple[str, str]] = []
    for method, (long, short) in _METHOD_LABELS.items():
        label = short if layout.tier.short_method else long
        shown = [o for o in outcomes if o.failure is None or layout.tier.failure_method]
        if label != "Passkey" and any(o.method == method for o in shown):
            parts.append((label, _METHOD_WORDS[method]))
    for level in sorted({o.security_level for o in outcomes if o.failure is None}):
        parts.append((f"L{level}", _LEVEL_WORDS.get(level, "")))
    if any(o.failure is not None for o in outcomes):
        parts.append(("✗0xNN", "fails (SMP reason)"))
    if layout.marked is None:
        parts.append((CURRENT_MARK.strip(), "current"))
    else:
        parts.append((f"{ROW_MARK} {COLUMN_MARK}", "current (our row, the peer's column)"))
    if layout.short_io:
        parts.extend((IO_SHORT[io], io.label) for io in IO_ORDER)
    text = Text(style="dim")
    for index, (mark, words) in enumerate(parts):
        if index:
            text.append(" · ")
        text.append(mark, style="bold")
        text.append(" " + words)
    return text


class MatrixView(VerticalScroll):
    """5 x 5 IO capabilities with the current combination highlighted and explained."""

    # The gutter is kept so the grid's width does not change when the tab needs to scroll.
    DEFAULT_CSS = """
    MatrixView { height: 1fr; scrollbar-gutter: stable; scrollbar-size-vertical: 1; }
    MatrixView #matrix-caption { height: auto; padding: 0 1; color: $text-muted; }
    MatrixView DataTable { height: auto; }
    MatrixView #matrix-legend { height: auto; padding: 0 1; color: $text-muted; }
    MatrixView #matrix-explain { height: auto; padding: 0 1; border-top: solid $primary-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.initiator = PairingOptions()
        self.responder = PairingOptions()
        self.grid_layout: GridLayout | None = None

    def compose(self) -> ComposeResult:
        yield SteadyStatic("", id="matrix-caption")
        # The row labels stay in view if the grid is ever wider than the pane and scrolls.
        yield DataTable[Text](id="matrix-table", cursor_type="cell", zebra_stripes=False,
                              cell_padding=CELL_PADDING, fixed_columns=1)
        yield SteadyStatic("", id="matrix-legend")
        yield SteadyStatic("", id="matrix-explain")

    def on_mount(self) -> None:
        self.show(self.initiator, self.responder)

    def on_resize(self) -> None:
        # Column widths follow the width the pane has: relabel when the fit changes.
        self._fill(keep_cursor=True)
        self._caption()

    def _caption(self) -> None:
        # Who is who in one line each where the tab is narrow (the grid's corner and the
        # options column say initiator and responder).
        narrow = 0 < self.size.width < 60
        caption = Text("ours: " if narrow else "ours (initiator): ", style="bold")
        caption.append(self.initiator.describe())
        caption.append("\npeer: " if narrow else "\npeer (responder): ", style="bold")
        caption.append(self.responder.describe())
        self.query_one("#matrix-caption", Static).update(caption)

    def outcome_at(self, ours: IoCapability, peer: IoCapability) -> PairingOutcome:
        return predict(self.initiator.with_(io=ours), self.responder.with_(io=peer))

    @property
    def current(self) -> PairingOutcome:
        return predict(self.initiator, self.responder)

    def show(self, initiator: PairingOptions, responder: PairingOptions) -> None:
        """Recompute the grid for these options and put the cursor on their cell."""
        self.initiator = initiator
        self.responder = responder
        self._fill(keep_cursor=False)
        self._caption()
        table: DataTable[Text] = self.query_one(DataTable)
        table.cursor_coordinate = Coordinate(IO_ORDER.index(initiator.io),
                                             IO_ORDER.index(responder.io) + 1)
        self._explain(initiator.io, responder.io)

    def _fill(self, *, keep_cursor: bool) -> None:
        """Lay the grid out for the width there is (rebuilding the columns only when
        the fit changes) and write every cell."""
        grid = [[self.outcome_at(ours, peer) for peer in IO_ORDER] for ours in IO_ORDER]
        current = (IO_ORDER.index(self.initiator.io), IO_ORDER.index(self.responder.io))
        # Before the first layout the width is unknown: assume the full names fit.
        available = self.scrollable_content_region.width or 10_000
        layout = choose_layout(available, grid, current)
        table: DataTable[Text] = self.query_one(DataTable)
        if layout != self.grid_layout:
            cursor = table.cursor_coordinate
            table.clear(columns=True)
            table.add_column(Text(layout.corner, style="bold"), key="ours",
                             width=layout.first_width)
            for io in IO_ORDER:
                table.add_column(layout.column_label(io), key=io.value, width=layout.cell_width)
            for io in IO_ORDER:
                table.add_row(Text(layout.row_label(io), style="bold"),
                              *[Text("")] * len(IO_ORDER), key=io.value)
            if keep_cursor:
                table.cursor_coordinate = cursor
            self.grid_layout = layout
        for r, ours in enumerate(IO_ORDER):
            for c, peer in enumerate(IO_ORDER):
                table.update_cell(ours.value, peer.value,
                                  cell_text(grid[r][c], (r, c) == current, layout.tier,
                                            mark=layout.marked is None))
        self.query_one("#matrix-legend", Static).update(legend(layout, grid))

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        event.stop()
        row, column = event.coordinate.row, event.coordinate.column
        if column == 0 or row >= len(IO_ORDER):
            return
        self._explain(IO_ORDER[row], IO_ORDER[column - 1])

    def _explain(self, ours: IoCapability, peer: IoCapability) -> None:
        initiator = self.initiator.with_(io=ours)
        responder = self.responder.with_(io=peer)
        outcome = predict(initiator, responder)
        is_current = ours == self.initiator.io and peer == self.responder.io
        text = Text()
        text.append(f"{ours.label} × {peer.label}", style="bold")
        text.append("  (current combination)\n" if is_current else "\n", style="italic")
        if outcome.failure is not None:
            failure = outcome.failure
            by = f" by the {failure.by}" if failure.by else ""
            text.append(f"Fails{by}: 0x{failure.code:02X} {failure.name}. ", style="bold red")
            text.append(failure.why + "\n")
        for step in explain_steps(initiator, responder):
            text.append("• " + step + "\n")
        self.query_one("#matrix-explain", Static).update(text)

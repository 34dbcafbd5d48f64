"""The pairing matrix as a table: our IO capability against the peer's, for the flags set.

Rows are the initiator's (our) IO capability, columns the responder's; every cell is
`blebench.pairing.matrix.predict` for that pair with the rest of both sides' options. The
current combination (our settings, the peer's options) is highlighted, and the cell under
the cursor is explained step by step below, failures with their SMP reason in words.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static

from blebench.pairing.matrix import explain_steps, predict
from blebench.pairing.models import IoCapability, PairingOptions, PairingOutcome

IO_ORDER: tuple[IoCapability, ...] = tuple(IoCapability)

_METHOD_SHORT = {
    "just-works": "Just Works",
    "numeric-comparison": "Numeric cmp",
    "passkey-entry": "Passkey",
    "oob": "OOB",
}


def cell_text(outcome: PairingOutcome, current: bool = False) -> Text:
    """`Passkey L4` / `Just Works L2` / `✗ 0x03 Just Works`, coloured by what it gives."""
    method = _METHOD_SHORT[outcome.method]
    if outcome.failure is not None:
        text = Text(f"✗ 0x{outcome.failure.code:02X} {method}", style="red")
    else:
        style = {4: "bold green", 3: "green", 2: "yellow"}.get(outcome.security_level, "")
        text = Text(f"{method} L{outcome.security_level}", style=style)
    if current:
        text = Text("▶ ", style="bold reverse") + text
        text.stylize("reverse")
    return text


class MatrixView(Vertical):
    """5 x 5 IO capabilities with the current combination highlighted and explained."""

    DEFAULT_CSS = """
    MatrixView { height: 1fr; }
    MatrixView #matrix-caption { height: auto; padding: 0 1; color: $text-muted; }
    MatrixView DataTable { height: auto; }
    MatrixView #matrix-explain-box { height: 1fr; border-top: solid $primary-muted; }
    MatrixView #matrix-explain { padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.initiator = PairingOptions()
        self.responder = PairingOptions()

    def compose(self) -> ComposeResult:
        yield Static("", id="matrix-caption")
        yield DataTable[Text](id="matrix-table", cursor_type="cell", zebra_stripes=False)
        with VerticalScroll(id="matrix-explain-box"):
            yield Static("", id="matrix-explain")

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        table.add_column(Text("ours ↓ / peer →", style="bold"), key="ours", width=18)
        for io in IO_ORDER:
            table.add_column(io.label, key=io.value, width=17)
        for io in IO_ORDER:
            table.add_row(Text(io.label, style="bold"), *[Text("")] * len(IO_ORDER), key=io.value)
        self.show(self.initiator, self.responder)

    def outcome_at(self, ours: IoCapability, peer: IoCapability) -> PairingOutcome:
        return predict(self.initiator.with_(io=ours), self.responder.with_(io=peer))

    @property
    def current(self) -> PairingOutcome:
        return predict(self.initiator, self.responder)

    def show(self, initiator: PairingOptions, responder: PairingOptions) -> None:
        """Recompute the grid for these options and put the cursor on their cell."""
        self.initiator = initiator
        self.responder = responder
        table: DataTable[Text] = self.query_one(DataTable)
        for ours in IO_ORDER:
            for peer in IO_ORDER:
                is_current = ours == initiator.io and peer == responder.io
                table.update_cell(ours.value, peer.value,
                                  cell_text(self.outcome_at(ours, peer), is_current))
        caption = Text("ours (initiator): ", style="bold")
        caption.append(initiator.describe())
        caption.append("\npeer (responder): ", style="bold")
        caption.append(responder.describe())
        self.query_one("#matrix-caption", Static).update(caption)
        table.cursor_coordinate = Coordinate(IO_ORDER.index(initiator.io),
                                             IO_ORDER.index(responder.io) + 1)
        self._explain(initiator.io, responder.io)

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

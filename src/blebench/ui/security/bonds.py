"""The bond manager: list, delete (with a confirmation) and export the bond store.

Keys are secrets: the table shows which keys a bond holds, never their values, and an
export writes a 0600 file (the store's own exporter). Names in bonds came from the air:
shown through `safe_text`.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, Static

from blebench.pairing.bonds import BondStore
from blebench.pairing.models import Bond
from blebench.ui.safe_text import safe_text


def _yes(flag: bool) -> Text:
    return Text("yes", style="green") if flag else Text("no", style="dim")


def bond_cells(bond: Bond) -> tuple[Text, ...]:
    return (
        Text(bond.address),
        Text(bond.identity_address or "-"),
        safe_text(bond.name or "", max_len=28),
        _yes(bond.authenticated),
        _yes(bond.sc),
        Text(str(bond.key_size)),
        Text(" ".join(k for k, on in (("LTK", bond.has_ltk), ("IRK", bond.has_irk)) if on) or "-"),
        Text(bond.created[:19].replace("T", " ")),
    )


class ConfirmScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 64; height: auto; padding: 1 2; border: thick $warning;
                               background: $surface; }
    ConfirmScreen Horizontal { height: auto; margin-top: 1; }
    ConfirmScreen Button { margin-right: 2; }
    """
    BINDINGS = [Binding("escape", "no", "Cancel")]

    def __init__(self, question: Text) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question)
            with Horizontal():
                yield Button("Delete", variant="error", id="confirm-yes")
                yield Button("Keep", id="confirm-no")

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def action_no(self) -> None:
        self.dismiss(False)


class BondExportScreen(ModalScreen[Path | None]):
    DEFAULT_CSS = """
    BondExportScreen { align: center middle; }
    BondExportScreen > Vertical { width: 80; height: auto; padding: 1 2; border: thick $primary;
                                  background: $surface; }
    BondExportScreen Horizontal { height: auto; margin-top: 1; }
    BondExportScreen Button { margin-right: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Export bonds WITH their keys (the file is made private, 0600)")
            yield Input(str(Path.cwd() / "blebench-bonds.json"), id="bond-export-path")
            with Horizontal():
                yield Button("Export", variant="primary", id="bond-export-ok")
                yield Button("Cancel", id="bond-export-cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#bond-export-ok")
    def _ok(self) -> None:
        text = self.query_one(Input).value.strip()
        self.dismiss(Path(text).expanduser() if text else None)

    @on(Button.Pressed, "#bond-export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class BondManager(Vertical):
    """The bonds in the store, with delete and export."""

    DEFAULT_CSS = """
    BondManager { height: 1fr; }
    BondManager > Horizontal { height: auto; }
    BondManager Button { margin-right: 1; }
    BondManager #bonds-status { height: auto; padding: 0 1; color: $text-muted; }
    BondManager DataTable { height: 1fr; }
    """

    BINDINGS = [Binding("delete", "delete_bond", "Delete bond")]

    def __init__(self, store: BondStore, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.store = store

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Button("Refresh", id="bonds-refresh")
            yield Button("Delete", id="bonds-delete", variant="error")
            yield Button("Export…", id="bonds-export")
        yield Static("", id="bonds-status")
        yield DataTable[Text](id="bonds-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        for label, width in (("Address", 17), ("Identity", 17), ("Name", 28), ("MITM", 4),
                             ("SC", 3), ("Key", 3), ("Keys", 7), ("Created (UTC)", 19)):
            table.add_column(label, width=width)
        self.refresh_bonds()

    def refresh_bonds(self) -> None:
        bonds = self.store.reload()
        table: DataTable[Text] = self.query_one(DataTable)
        table.clear()
        for bond in bonds:
            table.add_row(*bond_cells(bond), key=f"{bond.address}|{bond.local_address or ''}")
        status = Text(f"{len(bonds)} bond{'s' if len(bonds) != 1 else ''} in {self.store.path}")
        for problem in self.store.problems:
            status.append(f"\n{problem}", style="yellow")
        self.query_one("#bonds-status", Static).update(status)

    def selected(self) -> Bond | None:
        table: DataTable[Text] = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        address, _, local = str(row_key.value).partition("|")
        return self.store.get(address, local_address=local or None)

    @on(Button.Pressed, "#bonds-refresh")
    def _refresh_pressed(self) -> None:
        self.refresh_bonds()

    @on(Button.Pressed, "#bonds-delete")
    def action_delete_bond(self) -> None:
        bond = self.selected()
        if bond is None:
            self.notify("No bond selected.", severity="warning")
            return
        question = Text("Delete the bond with ")
        question.append(bond.address, style="bold")
        if bond.name:
            question.append(" (")
            question.append_text(safe_text(bond.name, max_len=40))
            question.append(")")
        question.append("? Its keys are forgotten; the device may then refuse to pair again "
                        "until it forgets us too.")

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(bond)

        self.app.push_screen(ConfirmScreen(question), answered)

    def _delete(self, bond: Bond) -> None:
        try:
            deleted = self.store.delete(bond.address, local_address=bond.local_address)
        except OSError as exc:
            self.notify(f"Bond store not written: {exc}", severity="error", markup=False)
            return
        if deleted:
            self.notify(f"Bond with {bond.address} deleted.", markup=False)
        self.refresh_bonds()

    @on(Button.Pressed, "#bonds-export")
    def export_bonds(self) -> None:
        def chosen(path: Path | None) -> None:
            if path is None:
                return
            try:
                count = self.store.export(path)
            except OSError as exc:
                self.notify(f"{path}: {exc}", title="Export failed", severity="error", markup=False)
                return
            self.notify(f"{count} bond(s) with keys written to {path}", markup=False)

        self.app.push_screen(BondExportScreen(), chosen)

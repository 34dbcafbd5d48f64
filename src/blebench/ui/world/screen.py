"""The Virtual world screen (W, or the palette's "Go: Virtual world"): the running world's
devices under the user's hand.

The top table lists every device, on or off, with the address it advertises now, its
distance and its links; the lower one the selected device's controls (its own: battery,
chatty rate, type text, ...; the world's: distance, power, a new private address). Enter
on a control runs it with the values typed in the field (space-separated, quotes for text
with spaces); `o` switches the device off or on, `+` / `-` move it closer or farther.
Every control goes through the session (`SessionApi.world_control`); nothing here is kept
for the next run (that is `blebench sim`).
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from blebench.session.api import BlebenchError
from blebench.session.models import WorldControl, WorldDevice
from blebench.ui.safe_text import safe_text

if TYPE_CHECKING:
    from blebench.session.api import SessionApi

REFRESH_S = 0.5
STEP = 1.5  # `+` / `-` divide / multiply the distance by this
DEVICE_COLUMNS = ("Device", "Power", "On the air as", "Distance", "Links", "Controls")
CONTROL_COLUMNS = ("Control", "What it does", "Values")
PLACEHOLDER = "values for the control, e.g. 42, on, 21.5 55 (enter runs it)"


def _values(control: WorldControl) -> str:
    return ", ".join(control.params) if control.params else "-"


class WorldScreen(Screen[None]):
    """The virtual world's devices and their controls, over `session`."""

    # Its own layout (no pane of the main screen shares it): the device list takes what is
    # left once the controls, the field and the result have their rows, down to 80x24.
    DEFAULT_CSS = """
    WorldScreen #world-devices { height: 1fr; min-height: 4; }
    WorldScreen #world-controls { height: auto; max-height: 10; }
    WorldScreen #world-title, WorldScreen #world-controls-title { height: auto; }
    WorldScreen #world-result { height: auto; min-height: 1; }
    """

    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("o", "toggle_power", "Off / on"),
        Binding("plus,equals_sign", "move(-1)", "Closer"),
        Binding("minus", "move(1)", "Farther"),
        Binding("v", "focus_values", "Values"),
    ]

    def __init__(self, session: SessionApi, address: str | None = None) -> None:
        """`address`: the device to start on (its identity or air address)."""
        super().__init__()
        self.session = session
        self.start_address = address.upper() if address else None
        self.devices: list[WorldDevice] = []
        self.last_result = ""
        self.controls_of: str | None = None  # the device whose controls are listed

    def compose(self) -> ComposeResult:
        yield Static(
            Text("Virtual world: changes hold for this run (`blebench sim` keeps them)",
                 style="bold"),
            id="world-title",
        )
        devices: DataTable[Text | str] = DataTable(id="world-devices", cursor_type="row")
        for label in DEVICE_COLUMNS:
            devices.add_column(label, key=label)
        yield devices
        yield Static(id="world-controls-title")
        controls: DataTable[Text | str] = DataTable(id="world-controls", cursor_type="row")
        controls.add_columns(*CONTROL_COLUMNS)
        yield controls
        yield Input(placeholder=PLACEHOLDER, id="world-values")
        yield Static(id="world-result")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_devices()
        self.set_interval(REFRESH_S, self.refresh_devices)
        table = self.query_one("#world-devices", DataTable)
        table.focus()
        wanted = self.start_address
        for row, device in enumerate(self.devices):
            if wanted in (device.address.upper(), (device.air_address or "").upper()):
                table.move_cursor(row=row)
                self._show_controls()
                break
        if not self.devices:
            self._say(
                Text(
                    f"{self.session.radio_info.description} is not the virtual world: "
                    "start blebench with --sim to use these controls.",
                    style="yellow",
                )
            )

    # -- what is shown ------------------------------------------------------------------

    @property
    def selected(self) -> WorldDevice | None:
        table = self.query_one("#world-devices", DataTable)
        if not self.devices or table.cursor_row is None:
            return None
        row = min(max(table.cursor_row, 0), len(self.devices) - 1)
        return self.devices[row]

    @property
    def selected_control(self) -> WorldControl | None:
        device = self.selected
        table = self.query_one("#world-controls", DataTable)
        if device is None or not device.controls or table.cursor_row is None:
            return None
        row = min(max(table.cursor_row, 0), len(device.controls) - 1)
        return device.controls[row]

    def refresh_devices(self) -> None:
        devices = self.session.world_devices()
        table: DataTable[Text | str] = self.query_one("#world-devices", DataTable)
        before = self.selected
        if [d.name for d in devices] != [d.name for d in self.devices]:
            table.clear()
            for device in devices:
                table.add_row(*self._cells(device), key=device.name)
        else:
            for device in devices:
                for column, cell in zip(DEVICE_COLUMNS, self._cells(device), strict=True):
                    table.update_cell(device.name, column, cell)
        self.devices = devices
        after = self.selected
        if before is None or after is None or before.controls != after.controls:
            self._show_controls()

    @staticmethod
    def _cells(device: WorldDevice) -> tuple[Text | str, ...]:
        power = Text("on", style="green") if device.powered else Text("OFF", style="bold red")
        air = device.air_address or "-"
        if device.air_address and device.air_address.upper() != device.address.upper():
            air = f"{device.air_address} ({device.address_type})"
        links = str(device.links) if device.links else "-"
        return (
            safe_text(device.name, max_len=40),
            power,
            air,
            f"{device.distance_m:g} m",
            links,
            str(len(device.controls)),
        )

    def _show_controls(self) -> None:
        device = self.selected
        self.controls_of = device.name if device is not None else None
        title = self.query_one("#world-controls-title", Static)
        table: DataTable[Text | str] = self.query_one("#world-controls", DataTable)
        table.clear()
        if device is None:
            title.update("")
            return
        heading = Text("Controls of ", style="bold")
        heading.append_text(safe_text(device.name, max_len=40))
        heading.append("  (enter runs one; o off/on; + - distance)", style="dim")
        title.update(heading)
        for control in device.controls:
            # A user-defined device's controls are the world's: plain words of ours.
            table.add_row(control.name, control.description, _values(control), key=control.name)

    def _say(self, text: Text) -> None:
        self.last_result = text.plain
        self.query_one("#world-result", Static).update(text)

    # -- intents ----------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#world-devices")
    def _device_moved(self, _event: DataTable.RowHighlighted) -> None:
        device = self.selected
        if device is None or device.name != self.controls_of:
            self._show_controls()  # another device: its controls (the cursor kept otherwise)

    @on(DataTable.RowSelected, "#world-devices")
    def _device_chosen(self, _event: DataTable.RowSelected) -> None:
        self.query_one("#world-controls", DataTable).focus()

    @on(DataTable.RowHighlighted, "#world-controls")
    def _control_moved(self, _event: DataTable.RowHighlighted) -> None:
        # What the control takes, where it is typed (the Values column may be off screen).
        control = self.selected_control
        field = self.query_one("#world-values", Input)
        if control is None:
            field.placeholder = PLACEHOLDER
        elif control.params:
            field.placeholder = f"{control.name}: {_values(control)} (enter runs it)"
        else:
            field.placeholder = f"{control.name} takes no value: enter on it runs it"

    @on(DataTable.RowSelected, "#world-controls")
    def _control_chosen(self, _event: DataTable.RowSelected) -> None:
        control = self.selected_control
        values = self.query_one("#world-values", Input)
        if control is not None and control.params and not values.value.strip():
            values.focus()  # it needs values: type them, Enter runs it
            self._say(Text(f"{control.name} takes {_values(control)}: type them, then Enter"))
            return
        self._run_selected()

    @on(Input.Submitted, "#world-values")
    def _values_given(self, _event: Input.Submitted) -> None:
        self._run_selected()

    def _run_selected(self) -> None:
        device, control = self.selected, self.selected_control
        if device is None or control is None:
            return
        text = self.query_one("#world-values", Input).value
        try:
            args = shlex.split(text)
        except ValueError as exc:
            self._say(Text(f"values: {exc} (close the quote)", style="red"))
            return
        self.run_control(device.name, control.name, args)

    def action_toggle_power(self) -> None:
        device = self.selected
        if device is not None:
            self.run_control(device.name, "power", ["off" if device.powered else "on"])

    def action_move(self, direction: int) -> None:
        device = self.selected
        if device is None:
            return
        metres = device.distance_m * STEP if direction > 0 else device.distance_m / STEP
        metres = round(min(max(metres, 0.1), 1000.0), 1)
        self.run_control(device.name, "set_distance", [f"{metres:g}"])

    def action_focus_values(self) -> None:
        self.query_one("#world-values", Input).focus()

    def action_close(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one("#world-controls", DataTable).focus()  # out of the field first
            return
        self.dismiss(None)

    @work(group="world-control")
    async def run_control(self, device: str, control: str, args: list[str]) -> None:
        try:
            said = await self.session.world_control(device, control, args)
        except BlebenchError as exc:
            self._say(safe_text(f"✗ {exc}", max_len=300, style="red"))
            return
        self._say(safe_text(f"✓ {said}", max_len=300, style="green"))
        self.query_one("#world-values", Input).value = ""
        self.refresh_devices()

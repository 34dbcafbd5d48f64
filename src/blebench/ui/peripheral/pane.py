"""The Peripheral pane: be the peripheral. Pick a device file (the `--sim-devices` file by
default) and a device in it, start / stop serving it, watch what centrals do, set a
characteristic's value and notify or indicate it now.

The serving is the session's (`SessionApi.peripheral`, session/peripheral.py): the same
runtime as `blebench peripheral`, in the app's own virtual world when it runs on one (the
Scan pane then hears the device), on a second Bumble radio by its transport otherwise;
the OS stack is refused in words. Nothing here runs per event: a timer pulls one batch of
events, writes it to a bounded `Log` in one call and redraws the changed table cells.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.suggester import SuggestFromList
from textual.widgets import Button, DataTable, Input, Log, Select

from blebench.errors import BlebenchError
from blebench.ui.peripheral.chars_table import CharacteristicsTable
from blebench.ui.peripheral.event_lines import LOG_LINES, Stamp, event_lines, local_stamp
from blebench.ui.peripheral.values import FORMATS, encode_as
from blebench.ui.safe_text import safe_text
from blebench.ui.security.prompts import TuiPairingDelegate
from blebench.ui.steady import SteadyStatic
from blebench.userinput import ValueParseError

if TYPE_CHECKING:
    from blebench.session.api import SessionApi
    from blebench.session.peripheral import CentralLink

DEFAULT_REFRESH_HZ = 10.0
NO_DEVICE = "-"
CENTRALS_SHOWN = 4  # lines of linked centrals; more are counted
# Events after which a passkey the device showed is no longer needed on screen.
PAIRING_ENDS = frozenset({"paired", "pairing_failed", "disconnected"})


class PeripheralPane(Vertical):
    """Device file and device, Start/Stop, the served characteristics, the event log."""

    DEFAULT_CSS = """
    PeripheralPane { height: 1fr; }
    PeripheralPane Horizontal { height: 1; }
    PeripheralPane Input {
        height: 1; border: none; padding: 0 1; margin: 0 1 0 0; background: $panel;
    }
    PeripheralPane Input:focus { border: none; background: $primary 40%; }
    PeripheralPane Select { height: 1; }
    PeripheralPane Select > SelectCurrent { height: 1; border: none; padding: 0 1; }
    PeripheralPane #periph-start, PeripheralPane #periph-set, PeripheralPane #periph-notify {
        height: 1; min-width: 0; width: auto; border: none; padding: 0 1; margin: 0 1 0 0;
    }
    PeripheralPane #periph-file { width: 1fr; }
    PeripheralPane #periph-device { width: 24; margin: 0 1 0 0; }
    PeripheralPane #periph-transport { width: 1fr; }
    PeripheralPane #periph-status { height: auto; padding: 0 1; color: $text-muted; }
    PeripheralPane #periph-centrals { height: auto; padding: 0 1; }
    PeripheralPane CharacteristicsTable { height: auto; max-height: 9; min-height: 3; }
    PeripheralPane #periph-value { width: 1fr; }
    PeripheralPane #periph-format { width: 12; margin: 0 1 0 0; }
    PeripheralPane Log { height: 1fr; min-height: 4; border-top: solid $panel; }
    """

    BINDINGS = [
        Binding("s", "toggle_serving", "Start/Stop"),
        Binding("e", "edit_value", "Edit value"),
        Binding("n", "push_value", "Notify"),
        Binding("ctrl+l", "clear_log", "Clear log"),
    ]

    def __init__(
        self,
        session: SessionApi,
        *,
        refresh_hz: float = DEFAULT_REFRESH_HZ,
        stamp: Stamp = local_stamp,
        id: str | None = None,  # noqa: A002 - Textual's parameter name
    ) -> None:
        super().__init__(id=id)
        self.session = session
        self.server = session.peripheral
        self.refresh_hz = refresh_hz
        self.stamp = stamp  # how an event's time is shown (a test pins it)
        self._cursor = 0
        self._status: Text | None = None
        self._message: Text | None = None
        self._busy = False
        self._centrals: str | None = None
        self._filled: str | None = None  # what the value field was given, not typed
        # The person at the served device is the user at this pane: pairing questions
        # come up in the Security pane's dialogs.
        self._person: TuiPairingDelegate | None = None

    def compose(self) -> ComposeResult:
        default = self.server.default_file
        with Horizontal(id="periph-toolbar"):
            known = [str(p) for p in self.server.device_files()]
            yield Input(str(default) if default is not None else "",
                        placeholder="device file (TOML): Enter lists its devices"
                        + (", → completes a known one" if known else ""),
                        suggester=SuggestFromList(known, case_sensitive=True) if known else None,
                        id="periph-file")
            yield Select[str]([], prompt="device", id="periph-device")
            yield Button("Start", id="periph-start", variant="primary")
        with Horizontal(id="periph-radio"):
            yield Input(placeholder="Bumble radio to serve on: usb:0, serial:PORT,BAUD, "
                        "tcp-client:HOST:PORT", id="periph-transport")
        yield SteadyStatic("", id="periph-status")
        yield SteadyStatic("", id="periph-centrals")
        yield CharacteristicsTable(id="periph-chars")
        with Horizontal(id="periph-edit"):
            yield Input(placeholder="new value (e: edit, Enter sets, n notifies)",
                        id="periph-value")
            yield Select[str]([(label, label) for label, _f, _w in FORMATS], value="hex",
                              allow_blank=False, id="periph-format")
            yield Button("Set", id="periph-set")
            yield Button("Notify", id="periph-notify")
        yield Log(max_lines=LOG_LINES, id="periph-log")

    def on_mount(self) -> None:
        self.query_one("#periph-radio").display = not self.server.in_world
        self.query_one(Log).can_focus = True
        self._person = TuiPairingDelegate(self.app)
        self.server.person = self._person
        if self.server.default_file is not None:
            self.load_devices()
        self.set_interval(1.0 / self.refresh_hz, self.pull)
        self.pull()

    def on_unmount(self) -> None:
        if self.server.person is self._person:
            self.server.person = None

    # -- the device file ------------------------------------------------------------------
    @on(Input.Submitted, "#periph-file")
    def _file_submitted(self) -> None:
        self.load_devices()

    def load_devices(self) -> list[str]:
        """List the devices of the file typed (its problem in words when it has one)."""
        select: Select[str] = self.query_one("#periph-device", Select)
        text = self.query_one("#periph-file", Input).value.strip()
        if not text:
            select.set_options([])
            known = self.server.device_files()
            self._say("device files here: " + ", ".join(str(p) for p in known[:6])
                      + (f" and {len(known) - 6} more" if len(known) > 6 else "")
                      if known else "no device file in the data dir: type a path, or write "
                      "one with `blebench sim export NAME > FILE`")
            return []
        try:
            names = self.server.device_names(Path(text))
        except BlebenchError as exc:
            select.set_options([])
            self._say(str(exc), "red")
            return []
        select.set_options([(safe_text(n, max_len=40), n) for n in names])
        if names:
            select.value = names[0]
        self._say(f"{len(names)} device{'s' if len(names) != 1 else ''} in the file: choose "
                  "one and press s (or Start)")
        return names

    # -- serving --------------------------------------------------------------------------
    def action_toggle_serving(self) -> None:
        self.toggle_serving()

    @on(Button.Pressed, "#periph-start")
    def _start_pressed(self) -> None:
        self.toggle_serving()

    @work(exclusive=True, group="peripheral-serving")
    async def toggle_serving(self) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            if self.server.serving is not None:
                self._say(await self.server.stop())
                return
            device = self.query_one("#periph-device", Select).value
            file = self.query_one("#periph-file", Input).value.strip()
            if not file:
                self._say("type a device file's path first (Enter lists its devices)", "red")
                return
            if not isinstance(device, str):
                if not self.load_devices():
                    return
                device = self.query_one("#periph-device", Select).value
                if not isinstance(device, str):
                    return
            transport = self.query_one("#periph-transport", Input).value.strip() or None
            self._say(f"starting {device}…")
            try:
                self._say(await self.server.start(Path(file), device, transport))
            except BlebenchError as exc:
                self._say(str(exc), "red")
        finally:
            self._busy = False
            self.pull()

    # -- values -----------------------------------------------------------------------------
    def action_edit_value(self) -> None:
        self.query_one("#periph-value", Input).focus()

    def action_push_value(self) -> None:
        self.send_value(push=True)

    @on(Button.Pressed, "#periph-notify")
    def _notify_pressed(self) -> None:
        self.send_value(push=True)

    @on(Button.Pressed, "#periph-set")
    def _set_pressed(self) -> None:
        self.send_value(push=False)

    @on(Input.Submitted, "#periph-value")
    def _value_submitted(self) -> None:
        self.send_value(push=False)

    @on(DataTable.RowHighlighted, "#periph-chars")
    def _row_highlighted(self) -> None:
        self._fill_value(force=True)

    def _fill_value(self, *, force: bool = False) -> None:
        """The value field shows the picked characteristic's value now (hex only: the
        bytes), to change from; never over what the user typed (`force`: a new pick)."""
        table = self.query_one(CharacteristicsTable)
        model = table.model(table.selected_handle)
        field = self.query_one("#periph-value", Input)
        if model is None or field.has_focus or self._format() != "hex":
            return
        if not force and field.value != self._filled:
            return
        text = model.value.hex(" ")
        if field.value != text:
            field.value = text
        self._filled = text

    def _format(self) -> str:
        fmt = self.query_one("#periph-format", Select).value
        return fmt if isinstance(fmt, str) else "hex"

    @work(exclusive=False, group="peripheral-values")
    async def send_value(self, *, push: bool) -> None:
        table = self.query_one(CharacteristicsTable)
        handle = table.selected_handle
        if self.server.serving is None or handle is None:
            self._say("start serving a device and pick a characteristic first", "red")
            return
        text = self.query_one("#periph-value", Input).value
        try:
            data = encode_as(text, self._format())
        except ValueParseError as exc:
            self._say(f"value not set: {exc}", "red")
            return
        try:
            sent = await self.server.set_value(handle, data, push=push)
        except BlebenchError as exc:
            self._say(str(exc), "red")
            return
        verb = "notified / indicated to" if push else "set; reads see it"
        self._say(f"0x{handle:04X} = {data.hex(' ') or '(empty)'}"
                  + (f": {verb} {sent} subscriber{'s' if sent != 1 else ''}" if push
                     else f": {verb}"))
        self.pull()

    def action_clear_log(self) -> None:
        self.query_one(Log).clear()

    # -- the tick ---------------------------------------------------------------------------
    def pull(self) -> None:
        """One batch of events into the log, the table and the status line."""
        batch = self.server.events_since(self._cursor)
        self._cursor = batch.cursor
        lines = event_lines(batch, self.stamp)
        if lines:
            self.query_one(Log).write_lines(lines)
        if self._person is not None and any(e.kind in PAIRING_ENDS for e in batch.events):
            self._person.close()
        self.query_one(CharacteristicsTable).show(self.server.characteristics())
        self._fill_value()
        self._show_state()

    def _show_state(self) -> None:
        state = self.server.serving
        button = self.query_one("#periph-start", Button)
        label = "Stop" if state is not None else "Start"
        if str(button.label) != label:
            button.label = label
        if state is None:
            why = self.server.needs_transport(short=True)
            line = Text("○ not serving: ", style="bold")
            line.append(why if why is not None else
                        "s (or Start) serves the device chosen in the virtual world, "
                        "where the Scan pane hears it")
        else:
            links = f"{state.links} central{'s' if state.links != 1 else ''} linked"
            if state.centrals:
                shown = ", ".join(state.centrals[:2])
                links += f" ({shown}{', …' if len(state.centrals) > 2 else ''})"
            line = Text("● serving ", style="bold green")
            line.append_text(safe_text(state.device, max_len=40))
            line.append(f" {state.where}: {links}; s stops")
        if self._message is not None:
            line.append("\n")
            line.append_text(self._message)
        if self._status is None or line.plain != self._status.plain:
            self._status = line
            self.query_one("#periph-status", SteadyStatic).update(line)
        self._show_centrals(state.central_links if state is not None else ())

    def _show_centrals(self, links: tuple[CentralLink, ...]) -> None:
        """A line per linked central: its address and the link as the device sees it."""
        rows = [f"◆ {link.words()}" for link in links[:CENTRALS_SHOWN]]
        if len(links) > CENTRALS_SHOWN:
            rows.append(f"  … and {len(links) - CENTRALS_SHOWN} more")
        text = "\n".join(rows)
        if text != self._centrals:
            self._centrals = text
            widget = self.query_one("#periph-centrals", SteadyStatic)
            widget.display = bool(rows)
            widget.update(Text(text))

    def _say(self, words: str, style: str = "") -> None:
        """The outcome of the last action, under the state (plain: never markup)."""
        self._message = Text(words, style=style)
        self._show_state()

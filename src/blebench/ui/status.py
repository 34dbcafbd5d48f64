"""The header/status line: which radio (its kind and description, from the session's
plain `RadioInfo`), why the virtual world is in use, the scanning mode, the device count
and the connection. A radio that went away is said here with the key that reopens it
(`REOPEN_KEY`, shown in the footer only then; `reopen_radio` does it through the session).

It is fed `StatusInfo` values (a few per second at most); `StatusChanged` replaces an
older one still waiting in the queue (`can_replace`), so a burst of updates costs one
repaint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Static

from blebench.session.models import RadioInfo
from blebench.ui.safe_text import safe_text
from blebench.ui.steady import SteadyStatic

if TYPE_CHECKING:
    from blebench.session.api import SessionApi

# Reopens a radio that went away (a binding of the main screen). A control key: it works
# whatever has the focus, a text field included, and no pane uses it.
REOPEN_KEY = "ctrl+o"


@dataclass(frozen=True, slots=True)
class StatusInfo:
    # The session's radio: kind ("bleak", "bumble-hci", "bumble-sim"), description ("usb:0 —
    # ...", "virtual world (11 devices)"), and the reason when the virtual world stands in.
    radio: RadioInfo | None = None
    scanning: str = "stopped"  # "active", "passive" or "stopped"
    devices: int = 0  # seen in this session
    shown: int = 0
    heard_now: int | None = None  # heard lately (None: not told; then only the seen count)
    connection: str = ""  # the connected device's name or address, "" when none
    note: str = ""  # one short transient note ("connecting to Pulse HRM…")
    radio_lost: str | None = None  # why the radio went away (its controller closed), if it did

    @property
    def virtual(self) -> bool:
        return self.radio is not None and self.radio.is_virtual


class StatusChanged(Message):
    """A new status; only the newest one waiting matters."""

    def __init__(self, info: StatusInfo) -> None:
        super().__init__()
        self.info = info

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StatusChanged)


def radio_text(info: StatusInfo) -> Text:
    radio = info.radio
    if radio is None:
        return Text("radio")
    if radio.is_virtual:
        # The reason, when the user did not ask for the virtual world, says it all.
        return safe_text(radio.reason or radio.description or "virtual world", max_len=70)
    text = safe_text(radio.backend or "radio", max_len=20)
    if radio.description:
        text.append(" · ")
        text.append_text(safe_text(radio.description, max_len=40))
    return text


def scan_text(info: StatusInfo) -> Text:
    if info.radio_lost is not None:
        # Nothing scans on a radio that went away, whatever the Scan pane last asked for.
        # The key first: on a narrow line the reason is what gets cut, never how to cure it.
        text = Text(f"✗ radio lost ({REOPEN_KEY} reopens it): ", style="bold red")
        text.append_text(safe_text(_without_radio(info, info.radio_lost), max_len=80,
                                   style="red"))
        return text
    if info.scanning == "stopped":
        return Text("○ scan stopped")
    return Text(f"● scanning {info.scanning}")


def _without_radio(info: StatusInfo, reason: str) -> str:
    """The loss's words without the radio's name, which the line shows just before."""
    description = info.radio.description if info.radio is not None else None
    if description:
        name = description.split(" — ")[0]
        if reason.startswith(f"{name}: "):
            return reason[len(name) + 2 :]
    return reason


def count_text(info: StatusInfo) -> Text:
    if info.heard_now is not None:
        # Devices not heard for a while leave "now"; "seen" is everything this session.
        text = f"{info.heard_now} now, {info.devices} seen"
        if info.shown != info.devices:
            text = f"{info.shown} shown · {text}"
        return Text(text)
    if info.shown != info.devices:
        return Text(f"{info.shown} of {info.devices} devices")
    return Text(f"{info.devices} device" + ("" if info.devices == 1 else "s"))


class StatusBar(Horizontal):
    """One line at the top; always visible whichever pane is shown."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.info = StatusInfo()

    def compose(self) -> ComposeResult:
        yield SteadyStatic("blebench", id="status-brand", classes="status-part")
        yield SteadyStatic(id="status-radio", classes="status-part")
        yield SteadyStatic(id="status-scan", classes="status-part")
        yield SteadyStatic(id="status-count", classes="status-part")
        yield SteadyStatic(id="status-note", classes="status-part")
        yield SteadyStatic(id="status-spacer")
        yield SteadyStatic(id="status-connection", classes="status-part")

    def on_mount(self) -> None:
        self.show(self.info)

    def on_status_changed(self, message: StatusChanged) -> None:
        message.stop()
        self.show(message.info)

    def show(self, info: StatusInfo) -> None:
        self.info = info
        radio = self.query_one("#status-radio", Static)
        radio.update(radio_text(info))
        radio.set_class(info.virtual, "virtual")
        scan = self.query_one("#status-scan", Static)
        scan.update(scan_text(info))
        scan.set_class(info.scanning == "stopped" and info.radio_lost is None, "stopped")
        self.query_one("#status-count", Static).update(count_text(info))
        self.query_one("#status-note", Static).update(safe_text(info.note, max_len=60))
        connection = Text()
        if info.connection:
            connection.append("⇄ connected: ")
            connection.append_text(safe_text(info.connection, max_len=40))
        self.query_one("#status-connection", Static).update(connection)


def reopen_radio(app: App[Any], session: SessionApi) -> None:
    """Reopen the session's radio after it went away (its controller back); the outcome
    is a notification in words, and the status line follows the session."""

    async def reopen() -> None:
        try:
            said = await session.reopen_radio()
        except Exception as exc:  # noqa: BLE001 - said in words (SessionError), never a crash
            app.notify(f"cannot reopen the radio: {exc}", severity="error", markup=False)
            return
        app.notify(said, markup=False)

    app.notify("reopening the radio…", markup=False)
    app.run_worker(reopen(), group="reopen-radio", exclusive=True, exit_on_error=False)

"""The workbench screen: the status line, the four panes in tabs, the footer.

It owns the workflow between panes (connect from Scan, then browse in GATT) and the
status line, refreshed a few times a second from the session and the panes; the panes
pull their own data on their own timers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Footer, TabbedContent, TabPane

from blebench.ui.capture import CAPTURE_KEY, capture_commands, capture_note, toggle_capture
from blebench.ui.connect import ConnectDialog
from blebench.ui.gatt import GattPane
from blebench.ui.scan.pane import ConnectRequested, ScanPane
from blebench.ui.security import SecurityPane
from blebench.ui.settings import Settings
from blebench.ui.status import StatusBar, StatusChanged, StatusInfo
from blebench.ui.streams import StreamsPane

if TYPE_CHECKING:
    from blebench.session.manager import SessionManager

PANES: tuple[tuple[str, str], ...] = (
    ("scan", "Scan"),
    ("gatt", "GATT"),
    ("streams", "Streams"),
    ("security", "Security"),
)
STATUS_HZ = 4.0


class MainScreen(Screen[None]):
    BINDINGS = [
        Binding("1", "show_pane('scan')", "Scan", show=False),
        Binding("2", "show_pane('gatt')", "GATT", show=False),
        Binding("3", "show_pane('streams')", "Streams", show=False),
        Binding("4", "show_pane('security')", "Security", show=False),
        Binding(CAPTURE_KEY, "toggle_capture", "btsnoop capture on/off", show=False),
    ]

    def __init__(
        self, session: SessionManager, settings: Settings, *, scan_on_start: bool = True
    ) -> None:
        super().__init__()
        self.session = session
        self.settings = settings
        self.scan_on_start = scan_on_start
        self._status = StatusInfo()

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with TabbedContent(initial="scan", id="panes"):
            with TabPane("Scan", id="scan"):
                yield ScanPane(
                    self.session, self.settings, scan_on_start=self.scan_on_start, id="scan-pane"
                )
            with TabPane("GATT", id="gatt"):
                yield GattPane(self.session, id="gatt-pane")
            with TabPane("Streams", id="streams"):
                yield StreamsPane(
                    self.session, refresh_hz=self.settings.ui.refresh_hz, id="streams-pane"
                )
            with TabPane("Security", id="security"):
                yield SecurityPane(
                    self.session,
                    settings=self.settings,
                    id="security-pane",
                )
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(1.0 / STATUS_HZ, self.update_status)
        self.update_status()
        self.query_one("#devices").focus()

    # -- panes ----------------------------------------------------------------------------

    def action_show_pane(self, pane: str) -> None:
        self.query_one("#panes", TabbedContent).active = pane

    def action_toggle_capture(self) -> None:
        toggle_capture(self.app, self.session)
        self.update_status()

    def palette_commands(self) -> Iterator[SystemCommand]:
        yield from capture_commands(self.app, self.session)

    def command_groups(self) -> Iterator[tuple[str, DOMNode]]:
        """(group name, node) pairs whose bindings become palette commands."""
        yield ("Go", self)
        for pane_id, title in PANES:
            yield (title, self.query_one(f"#{pane_id}-pane"))

    # -- status line ----------------------------------------------------------------------

    def update_status(self) -> None:
        scan = self.query_one(ScanPane)
        radio = self.session.radio_info
        connected = [c for c in self.session.connections.all() if c.is_connected]
        connection = ", ".join(c.name or c.address for c in connected)
        info = StatusInfo(
            backend=radio.backend,
            adapter=radio.description,
            virtual=radio.is_virtual,
            virtual_reason=radio.reason or "",
            scanning=scan.scanning,
            devices=scan.device_count,
            shown=scan.table.shown,
            connection=connection,
            note=capture_note(self.session),
        )
        if info != self._status:
            self._status = info
            self.query_one(StatusBar).post_message(StatusChanged(info))

    # -- connect --------------------------------------------------------------------------

    @on(ConnectRequested)
    def _connect_requested(self, event: ConnectRequested) -> None:
        gatt = self.query_one(GattPane)

        def done(connected: bool | None) -> None:
            if connected:
                self.action_show_pane("gatt")
                gatt.show_connection(event.address)
                gatt.focus_tree()

        self.app.push_screen(
            ConnectDialog(
                event.name,
                event.address,
                lambda progress: gatt.connect(event.address, progress),
                gatt.explain_failure,
            ),
            done,
        )

"""The workbench screen: the status line, the panes in tabs, the footer.

The panes are one list, `PANES`: each `PaneSpec` says its tab id and title, the key that
shows it, how to make it and which widget gets the focus when it is shown. The tabs, the
keys, the command palette's groups and the focus all come from there, so a new pane is one
entry (and its module).

The screen owns the workflow between panes (connect from Scan, then browse in GATT) and the
status line, refreshed a few times a second from the session and the panes; the panes
pull their own data on their own timers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, TabbedContent, TabPane

from blebench.ui.capture import CAPTURE_KEY, capture_commands, capture_note, toggle_capture
from blebench.ui.connect import ConnectDialog
from blebench.ui.gatt import DeviceShown, GattPane
from blebench.ui.peripheral import PeripheralPane
from blebench.ui.scan.pane import ConnectRequested, ScanPane
from blebench.ui.security import SecurityPane
from blebench.ui.settings import Settings
from blebench.ui.status import REOPEN_KEY, StatusBar, StatusChanged, StatusInfo, reopen_radio
from blebench.ui.steady import SteadyFooter
from blebench.ui.streams import StreamsPane
from blebench.ui.world import WORLD_KEY, WorldScreen

if TYPE_CHECKING:
    from blebench.session.api import SessionApi

STATUS_HZ = 4.0


@dataclass(frozen=True, slots=True)
class PaneSpec:
    """One pane of the main screen."""

    id: str  # the tab's id; the pane widget's id is `<id>-pane`
    title: str  # the tab's title and the command palette's group
    key: str  # the key that shows it
    factory: Callable[[MainScreen], Widget]  # makes the pane (its id is set by the screen)
    home_focus: str  # where the focus goes when it is shown first: the widget its keys are for

    @property
    def widget_id(self) -> str:
        return f"{self.id}-pane"


PANES: tuple[PaneSpec, ...] = (
    PaneSpec(
        "scan",
        "Scan",
        "1",
        lambda screen: ScanPane(
            screen.session, screen.settings, scan_on_start=screen.scan_on_start
        ),
        "#devices",
    ),
    PaneSpec(
        "gatt",
        "GATT",
        "2",
        lambda screen: GattPane(screen.session, refresh_hz=screen.settings.ui.refresh_hz),
        "#gatt-tree",
    ),
    PaneSpec(
        "streams",
        "Streams",
        "3",
        lambda screen: StreamsPane(
            screen.session, refresh_hz=screen.settings.ui.refresh_hz, focus_on_show=False
        ),
        "#stream-log",
    ),
    PaneSpec(
        "security",
        "Security",
        "4",
        lambda screen: SecurityPane(
            screen.session, settings=screen.settings, bond_store=screen.session.bonds,
            focus_on_show=False,
        ),
        "#our-io",
    ),
    PaneSpec(
        "peripheral",
        "Peripheral",
        "5",
        lambda screen: PeripheralPane(screen.session, refresh_hz=screen.settings.ui.refresh_hz),
        "#periph-chars",
    ),
)
_SPECS = {spec.id: spec for spec in PANES}


class MainScreen(Screen[None]):
    # Declared here for the pane factories above (they read them before __init__ is seen).
    session: SessionApi
    settings: Settings
    scan_on_start: bool

    # A short terminal (100x30) keeps room for the device list: app.tcss shrinks the detail.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]
    # At 80 columns (under 110) app.tcss hides the scan mode and sort controls (their keys
    # and the count line say them), compacts the GATT buttons and stacks the value editor.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        *(Binding(spec.key, f"show_pane('{spec.id}')", spec.title, show=False) for spec in PANES),
        Binding(CAPTURE_KEY, "toggle_capture", "btsnoop capture on/off", show=False),
        Binding(WORLD_KEY, "show_world", "Virtual world: its devices' controls", show=False),
        # In the footer only while the radio is lost (check_action), never in the palette;
        # the status line names it.
        Binding(REOPEN_KEY, "reopen_radio", "Reopen radio", priority=True, system=True),
        # Out of a text field (where 1-4 and the pane keys are typed as text) to the pane.
        # A system binding: in the footer when it applies, never in the palette.
        Binding("escape", "leave_field", "Leave the field", system=True),
    ]

    def __init__(
        self, session: SessionApi, settings: Settings, *, scan_on_start: bool = True
    ) -> None:
        super().__init__()
        self.session = session
        self.settings = settings
        self.scan_on_start = scan_on_start
        self._status = StatusInfo()
        # The widget that last had the focus in each pane, given back when it is shown again.
        self._pane_focus: dict[str, Widget] = {}
        # The pane shown by a key whose focus is not handed over yet (after its refresh):
        # the App holds the keys typed meanwhile (BlebenchApp.keys_may_go).
        self.handing_over: str | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with TabbedContent(initial=PANES[0].id, id="panes"):
            for spec in PANES:
                with TabPane(spec.title, id=spec.id):
                    pane = spec.factory(self)
                    pane.id = spec.widget_id
                    yield pane
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.set_interval(1.0 / STATUS_HZ, self.update_status)
        self.update_status()
        self.query_one(PANES[0].home_focus).focus()

    # -- panes ----------------------------------------------------------------------------

    def action_show_pane(self, pane: str) -> None:
        self.handing_over = pane
        tabs = self.query_one("#panes", TabbedContent)
        focused = self.focused
        if tabs.active != pane and focused is not None:
            # Let go of the focus before the old pane hides: Textual would otherwise hand it
            # to a sibling inside the hidden pane, whose tab then comes straight back.
            self._pane_focus[tabs.active] = focused
            self.set_focus(None)
        tabs.active = pane
        self.call_after_refresh(self._focus_pane, pane)

    @on(TabbedContent.TabActivated, "#panes")
    def _pane_activated(self, event: TabbedContent.TabActivated) -> None:
        # Shown by a click or the tab bar's arrows: the tab bar keeps the focus; otherwise
        # (the focus was lost with the old pane) the new pane gets it.
        if event.pane.id is not None:
            self.call_after_refresh(self._focus_pane, event.pane.id)

    def show_pane_of(self, node: DOMNode) -> None:
        """Show the pane `node` belongs to (a palette command of that pane is running)."""
        if isinstance(node, Widget):
            pane = self.pane_of(node)
            if pane is not None:
                self.action_show_pane(pane)

    def pane_of(self, widget: Widget) -> str | None:
        for ancestor in widget.ancestors:
            if isinstance(ancestor, TabPane) and ancestor.parent is not None:
                if ancestor.id in _SPECS:
                    return ancestor.id
        return None

    def _focus_pane(self, pane: str) -> None:
        try:
            self._give_focus(pane)
        finally:
            if self.handing_over is not None:
                # Behind the focus change (Widget.focus is deferred to the App's queue).
                self.app.call_later(self._handed_over)

    def _handed_over(self) -> None:
        if self.handing_over is None:
            return
        self.handing_over = None
        self.refresh_bindings()  # the footer waited for the new pane's keys
        keys_may_go = getattr(self.app, "keys_may_go", None)
        if callable(keys_may_go):
            keys_may_go()

    def _give_focus(self, pane: str) -> None:
        # The one place a pane shown here gets the focus (its widget remembered, else its
        # home_focus): the panes are made with focus_on_show=False, since a second giver
        # raced this one (both saw no focus during the handover; the later deferred
        # focus() won, so 1 then 3 could land on the log instead of the widget left).
        if self.query_one("#panes", TabbedContent).active != pane or self.app.screen is not self:
            return
        focused = self.focused
        if focused is not None and (
            self.pane_of(focused) == pane or focused.parent is self.query_one("#panes")
        ):
            return
        remembered = self._pane_focus.get(pane)
        if remembered is not None and remembered.is_attached and remembered.focusable:
            remembered.focus()
            return
        home = self.query(_SPECS[pane].home_focus)
        if home:
            # A pane's home widget is at its top: scrolling to it could only hide the
            # heading above it (the Security pane's, at 80x24).
            home.first().focus(scroll_visible=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_field":
            # Only offered (and shown in the footer) while a text field has the focus.
            return isinstance(self.focused, Input)
        if action == "reopen_radio":
            return self.session.radio_lost is not None
        return True

    def action_leave_field(self) -> None:
        focused = self.focused
        pane = self.pane_of(focused) if focused is not None else None
        if pane is not None:
            self._pane_focus.pop(pane, None)
            home = self.query(_SPECS[pane].home_focus)
            if home:
                home.first().focus()

    def action_toggle_capture(self) -> None:
        toggle_capture(self.app, self.session)
        self.update_status()

    def action_reopen_radio(self) -> None:
        reopen_radio(self.app, self.session)

    def action_show_world(self) -> None:
        # On the device the GATT pane shows, when it is linked: the one a user acts on.
        linked = self.query_one(GattPane).connection
        self.app.push_screen(WorldScreen(self.session, linked.address if linked else None))

    def palette_commands(self) -> Iterator[SystemCommand]:
        yield from capture_commands(self.app, self.session)

    def command_groups(self) -> Iterator[tuple[str, DOMNode]]:
        """(group name, node) pairs whose bindings become palette commands."""
        yield ("Go", self)
        for spec in PANES:
            yield (spec.title, self.query_one(f"#{spec.widget_id}"))

    # -- status line ----------------------------------------------------------------------

    def update_status(self) -> None:
        scan = self.query_one(ScanPane)
        connected = [c for c in self.session.all_connections() if c.is_connected]
        connection = ", ".join(c.name or c.address for c in connected)
        info = StatusInfo(
            radio=self.session.radio_info,
            scanning=scan.scanning,
            devices=scan.device_count,
            shown=scan.table.shown,
            heard_now=scan.heard_now,
            connection=connection,
            note=capture_note(self.session),
            radio_lost=self.session.radio_lost,
        )
        if info != self._status:
            if info.radio_lost != self._status.radio_lost:
                self.refresh_bindings()  # the reopen key comes and goes with the loss
            self._status = info
            self.query_one(StatusBar).post_message(StatusChanged(info))
        # The same pull keeps the Security pane's "Pair with" line on the live connection.
        self.query_one(SecurityPane).follow_connections()

    @on(DeviceShown)
    def _gatt_shows(self, event: DeviceShown) -> None:
        # `]` in the GATT pane switched links: P pairs with the device shown there.
        self.query_one(SecurityPane).set_current_device(event.address, event.name)

    # -- connect --------------------------------------------------------------------------

    @on(ConnectRequested)
    def _connect_requested(self, event: ConnectRequested) -> None:
        gatt = self.query_one(GattPane)

        def done(connected: bool | None) -> None:
            if connected:
                self.action_show_pane("gatt")
                gatt.show_connection(event.address)
                gatt.focus_tree()
                self.query_one(SecurityPane).set_current_device(event.address, event.name)
                self.update_status()  # "connected" as the dialog closes, not a tick later

        self.app.push_screen(
            ConnectDialog(
                event.name,
                event.address,
                lambda progress: gatt.connect(event.address, progress),
                gatt.explain_failure,
                pair_again=lambda: self.query_one(SecurityPane).pair_again(event.address),
            ),
            done,
        )

"""Helpers for the TUI tests: the App from `make_app` over a real session on the virtual
world, and bounded waits (a number of short pauses, never a timed assert)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import OptionList

from blebench.pairing.bonds import BondStore
from blebench.pairing.delegate import PairingDelegate
from blebench.pairing.lab import LabResult
from blebench.pairing.models import Bond, PairingOptions, PairingOutcome
from blebench.session.api import SessionApi
from blebench.session.manager import SessionManager, SessionSettings
from blebench.session.models import ConnectionInfo
from blebench.session.pairing import run_lab
from blebench.sim.catalogue.base import VirtualPeripheral
from blebench.ui.app import BlebenchApp
from blebench.ui.connect import ConnectDialog
from blebench.ui.gatt import GattPane
from blebench.ui.gatt.tree import GattTreeView
from blebench.ui.scan.table import DeviceTable
from blebench.ui.security import SecurityPane
from blebench.ui.settings import Settings

SIZE = (160, 45)
DATA = Path(__file__).parent / "data"
HOSTILE_DEVICES = DATA / "hostile_devices.toml"


async def open_session(
    peripherals: tuple[VirtualPeripheral, ...] = (),
    sim_devices: Path | None = None,
    seed: int = 7,
) -> SessionManager:
    return await SessionManager.open(
        SessionSettings(
            sim=True,
            peripherals=peripherals,
            sim_devices=sim_devices,
            seed=seed,
            user_devices=False,
        )
    )


@asynccontextmanager
async def opened_session(
    peripherals: tuple[VirtualPeripheral, ...] = (),
    sim_devices: Path | None = None,
) -> AsyncIterator[SessionManager]:
    """`open_session`, closed after."""
    manager = await open_session(peripherals, sim_devices=sim_devices)
    try:
        yield manager
    finally:
        await manager.close()


@asynccontextmanager
async def scanning_session(*peripherals: VirtualPeripheral) -> AsyncIterator[SessionManager]:
    """A session on the virtual world with only `peripherals`, scanning; closed after."""
    manager = await SessionManager.open(
        SessionSettings(sim=True, peripherals=peripherals, user_devices=False)
    )
    await manager.start_scan()
    try:
        yield manager
    finally:
        await manager.close()


class NoPairing:
    """A session whose pairing the tests never reach: no radio, no connections; the lab
    runs for real (it needs no radio: `blebench.session.pairing.run_lab`)."""

    @property
    def bonds(self) -> BondStore:
        raise AssertionError("not used: give the pane a bond store")

    async def pair(self, target: str, options: PairingOptions, delegate: PairingDelegate, *,
                   passkey: int | None = None, timeout: float | None = None) -> PairingOutcome:
        raise AssertionError("not used")

    async def repair(self, target: str, delegate: PairingDelegate,
                     options: PairingOptions | None = None, *, passkey: int | None = None,
                     timeout: float | None = None) -> tuple[PairingOutcome, Bond]:
        raise AssertionError("not used")

    async def run_lab(self, initiator: PairingOptions, responder: PairingOptions, *,
                      passkey: int | None = None, confirm: bool = True,
                      timeout: float | None = None) -> LabResult:
        extra: dict[str, float] = {} if timeout is None else {"timeout": timeout}
        return await run_lab(initiator, responder, passkey=passkey, confirm=confirm, **extra)

    def connection(self, address: str) -> ConnectionInfo | None:
        return None

    def all_connections(self) -> list[ConnectionInfo]:
        return []


class SecurityHost(App[None]):
    """The Security pane alone over `session`, with `settings` (the defaults if None) and
    `bond_store` (the session's `bonds` if None)."""

    def __init__(
        self,
        session: SessionApi,
        settings: Settings | None = None,
        bond_store: BondStore | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.settings = settings if settings is not None else Settings()
        self.bond_store = bond_store

    def compose(self) -> ComposeResult:
        yield SecurityPane(self.session, settings=self.settings, bond_store=self.bond_store)


async def wait_until(pilot: Pilot[Any], condition: Callable[[], bool], steps: int = 200) -> bool:
    """Pause in 50 ms steps until `condition()` holds, at most `steps` times (the one
    bounded wait of the TUI tests). Stops early, False, when the App has stopped (an
    error in a handler ends it: no point waiting out the bound)."""
    for _ in range(steps):
        if condition():
            return True
        if pilot.app.return_code is not None:
            return condition()
        await pilot.pause(0.05)
    return condition()


def gatt_pane(app: Any) -> GattPane:
    """The GATT pane of the main screen, also while a dialog (the connect progress) is on
    top: `app.screen` is then the dialog."""
    for screen in reversed(app.screen_stack):
        found = screen.query(GattPane)
        if found:
            return found.first()
    raise AssertionError("no GATT pane on any screen")


def gatt_tree(app: Any) -> GattTreeView:
    """The GATT tree of the main screen (also while a dialog is on top)."""
    return gatt_pane(app).query_one(GattTreeView)


async def connected(pilot: Pilot[Any], address: str | None = None) -> GattTreeView:
    """Wait for the state a walk needs after asking to connect: the connect dialog closed,
    the GATT pane on `address` (any device if None) and its tree filled. Under load the
    dialog can still be on top for a while after the link is up: `app.screen` is then the
    dialog, which is why nothing here looks at `app.screen` for the tree."""
    app = pilot.app

    def ready() -> bool:
        if isinstance(app.screen, ConnectDialog):
            return False
        pane = gatt_pane(app)
        conn = pane.connection
        if conn is None or (address is not None and conn.address.upper() != address.upper()):
            return False
        return bool(pane.query_one(GattTreeView).root.children)

    if not await wait_until(pilot, ready, steps=400):
        pane = gatt_pane(app)
        raise AssertionError(
            f"never connected to {address} with the GATT tree shown: screen {app.screen!r}, "
            f"pane on {pane.connection!r}, "
            f"{len(pane.query_one(GattTreeView).root.children)} services in the tree"
        )
    return gatt_tree(app)


def select_characteristic(
    tree: GattTreeView, uuid: str, *, notify: bool = False, animate: bool = True
) -> None:
    """Put the tree's cursor on the characteristic `uuid` (short like 2a19, or whole);
    with `notify`, the first such one that can notify."""
    wanted = uuid.lower()
    for node in tree._by_handle.values():  # noqa: SLF001 - test navigation
        data = node.data
        if data is None or data.kind != "characteristic":
            continue
        if wanted not in (data.short_uuid, data.uuid):
            continue
        if notify and "notify" not in data.properties:
            continue
        tree.move_cursor(node, animate=animate)
        return
    raise AssertionError(f"no {uuid} in the tree")


def palette_offers(app: Any, title: str) -> bool:
    """The command palette is open and its highlighted command is `title` (the palette
    searches in a worker: Enter before that picks nothing, or another command)."""
    screen = app.screen
    if not isinstance(screen, CommandPalette):
        return False
    options = screen.query_one(OptionList)
    if options.option_count == 0 or options.highlighted is None:
        return False
    return title in str(options.get_option_at_index(options.highlighted).prompt)


def table_of(app: BlebenchApp) -> DeviceTable:
    return app.screen.query_one(DeviceTable)


def cell_text(app: BlebenchApp, address: str, column: str) -> str:
    cell = table_of(app).get_cell(address, column)
    assert isinstance(cell, Text)
    return cell.plain


def screen_text(app: BlebenchApp) -> str:
    """Everything on screen as plain text (what a person reads)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)

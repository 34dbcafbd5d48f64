"""Helpers for the TUI tests: the App from `make_app` over a real session on the virtual
world, and bounded waits (a number of short pauses, never a timed assert)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from blebench.pairing.bonds import BondStore
from blebench.pairing.delegate import PairingDelegate
from blebench.pairing.lab import LabResult
from blebench.pairing.models import Bond, PairingOptions, PairingOutcome
from blebench.session.manager import SessionManager, SessionSettings
from blebench.session.models import ConnectionInfo
from blebench.session.pairing import run_lab
from blebench.sim.catalogue.base import VirtualPeripheral
from blebench.ui.app import BlebenchApp
from blebench.ui.gatt import GattPane
from blebench.ui.scan.table import DeviceTable
from blebench.ui.security import SecurityPane
from blebench.ui.security.pane import PairingSession
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
        session: PairingSession,
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
    """Pause in 50 ms steps until `condition()` holds, at most `steps` times."""
    for _ in range(steps):
        if condition():
            return True
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

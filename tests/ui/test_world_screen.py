"""The Virtual world screen (W) walked as a user does: a device switched off mid-link drops
the link in the GATT pane (supervision timeout, 0x08); a battery level set there is what
the next read gives; a value that does not fit is said in words; the palette reaches it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from textual.widgets import DataTable, Input

from blebench.session.manager import SessionManager
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from blebench.sim.catalogue.thermo_probe import ThermoProbe
from blebench.ui import settings as settings_mod
from blebench.ui.app import BlebenchApp
from blebench.ui.factory import make_app
from blebench.ui.world import WorldScreen
from tests.ui.app_harness import (
    SIZE,
    connected,
    gatt_pane,
    gatt_tree,
    opened_session,
    palette_offers,
    screen_text,
    select_characteristic,
    table_of,
    wait_until,
)

pytestmark = pytest.mark.slow

PULSE = PulseHrm.address.upper()
PROBE = ThermoProbe.address.upper()


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    async with opened_session((PulseHrm(), ThermoProbe())) as manager:
        yield manager


async def _connect(pilot: Any, app: BlebenchApp, address: str) -> None:
    table = table_of(app)
    assert await wait_until(pilot, lambda: address in table.rows)
    table.focus()
    table.move_cursor(row=table.get_row_index(address))
    await pilot.press("enter")
    await connected(pilot, address)


async def _world(pilot: Any, app: BlebenchApp, device: str) -> WorldScreen:
    """W, then the cursor on `device`'s row (its controls below)."""
    await pilot.press("W")
    assert await wait_until(pilot, lambda: isinstance(app.screen, WorldScreen))
    screen = app.screen
    assert isinstance(screen, WorldScreen)
    devices = screen.query_one("#world-devices", DataTable)
    assert await wait_until(pilot, lambda: device in [d.name for d in screen.devices])
    devices.move_cursor(row=[d.name for d in screen.devices].index(device))
    assert await wait_until(pilot, lambda: screen.controls_of == device)
    return screen


def _choose_control(screen: WorldScreen, name: str) -> None:
    device = screen.selected
    assert device is not None
    table = screen.query_one("#world-controls", DataTable)
    table.focus()
    table.move_cursor(row=[c.name for c in device.controls].index(name))


async def test_a_device_switched_off_mid_link_drops_the_link_in_the_gatt_pane(
    session: SessionManager,
) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        await _connect(pilot, app, PULSE)
        screen = await _world(pilot, app, "Pulse HRM")
        assert await wait_until(pilot, lambda: "Pulse HRM" in screen_text(app))
        await pilot.press("o")  # off
        assert await wait_until(pilot, lambda: "supervision timeout" in screen.last_result)
        assert await wait_until(pilot, lambda: "OFF" in screen_text(app))
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: not isinstance(app.screen, WorldScreen))
        pane = gatt_pane(app)
        assert await wait_until(pilot, lambda: "link lost" in screen_text(app), steps=100)
        assert pane.connection is not None and not pane.connection.is_connected
        assert "0x08" in screen_text(app)  # the supervision timeout, in the header

        screen = await _world(pilot, app, "Pulse HRM")
        await pilot.press("o")  # on again: it advertises, a new connect works
        assert await wait_until(pilot, lambda: "advertising again" in screen.last_result)


async def test_a_battery_level_set_in_the_world_is_what_a_read_gives(
    session: SessionManager,
) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        await _connect(pilot, app, PROBE)
        await pilot.press("W")  # it opens on the device the GATT pane shows
        assert await wait_until(pilot, lambda: isinstance(app.screen, WorldScreen))
        screen = app.screen
        assert isinstance(screen, WorldScreen)
        assert await wait_until(pilot, lambda: screen.controls_of == "Thermo Probe")
        _choose_control(screen, "set_battery")
        await pilot.press("enter")  # it takes a value: the field gets the focus
        values = screen.query_one("#world-values", Input)
        assert await wait_until(pilot, lambda: screen.focused is values)
        await pilot.press(*"150", "enter")
        assert await wait_until(pilot, lambda: "must be 0-100 %, not 150" in screen.last_result)
        values.value = ""
        await pilot.press(*"37", "enter")
        assert await wait_until(pilot, lambda: "set_battery(37) done" in screen.last_result)
        await pilot.press("escape", "escape")  # out of the field, then back to the workbench
        assert await wait_until(pilot, lambda: not isinstance(app.screen, WorldScreen))

        select_characteristic(gatt_tree(app), "2a19")
        await pilot.press("r")
        assert await wait_until(pilot, lambda: "37 %" in screen_text(app))


async def test_the_palette_and_a_distance_move(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"Virtual world")
        assert await wait_until(pilot, lambda: palette_offers(app, "Virtual world"))
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: isinstance(app.screen, WorldScreen))
        screen = app.screen
        assert isinstance(screen, WorldScreen)
        assert await wait_until(pilot, lambda: screen.selected is not None)
        first = screen.selected
        assert first is not None
        await pilot.press("minus")  # farther
        assert await wait_until(pilot, lambda: "m away now" in screen.last_result)
        after = {d.name: d.distance_m for d in session.world_devices()}
        assert after[first.name] > first.distance_m

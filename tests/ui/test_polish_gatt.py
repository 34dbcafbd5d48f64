"""GATT and Scan polish, end to end on the virtual world: Subscribe turns into
Unsubscribe (and does it), vendor UUIDs short in the tree and whole in the detail, the
Scan list marks the device we are connected to, a refused subscribe leaves no row in
the Streams table, read-all keeps what was read before a dropped link and says where it
dropped, and a beacon is refused at once, in words."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from textual.widgets import Button

from blebench.session.manager import SessionManager
from blebench.sim.catalogue.flaky_sensor import DROP_LINK, ERROR_CAROUSEL, FlakySensor
from blebench.sim.catalogue.hid_keyboard import HidKeyboard
from blebench.sim.catalogue.ibeacon import IBeacon
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from blebench.ui import settings as settings_mod
from blebench.ui.app import BlebenchApp
from blebench.ui.connect import ConnectDialog
from blebench.ui.factory import make_app
from blebench.ui.gatt.tree import GattTreeView
from blebench.ui.streams import StreamsPane
from blebench.ui.streams.stream_table import StreamTable
from tests.ui.app_harness import (
    SIZE,
    cell_text,
    connected,
    gatt_pane,
    opened_session,
    screen_text,
    select_characteristic,
    table_of,
    wait_until,
)

pytestmark = pytest.mark.slow

PULSE = PulseHrm.address.upper()
KEYBOARD = HidKeyboard.address.upper()
FLAKY = FlakySensor.address.upper()
BEACON = IBeacon.address.upper()


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    async with opened_session((PulseHrm(), HidKeyboard(), FlakySensor(), IBeacon())) as manager:
        manager.connections.connect_timeout = 3.0
        yield manager


async def connect(app: BlebenchApp, pilot: Any, address: str) -> GattTreeView:
    table = table_of(app)
    assert await wait_until(pilot, lambda: address in table.rows)
    table.focus()
    table.move_cursor(row=table.get_row_index(address))
    await pilot.press("enter")
    return await connected(pilot, address)


select = select_characteristic


def short(uuid: str) -> str:
    return f"{uuid.lower()}-0000-1000-8000-00805f9b34fb"


def notes(app: BlebenchApp) -> list[str]:
    return [n.message for n in app._notifications]  # noqa: SLF001


async def test_subscribe_reads_unsubscribe_while_subscribed_and_the_scan_list_says_linked(
    session: SessionManager,
) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        tree = await connect(app, pilot, PULSE)
        button = app.screen.query_one("#gatt-subscribe", Button)
        select(tree, short("00002a37"))
        assert await wait_until(pilot, lambda: str(button.label) == "Subscribe")
        await pilot.press("n")
        assert await wait_until(pilot, lambda: str(button.label) == "Unsubscribe")
        [stream] = session.streams.streams()
        assert stream.active
        # Another characteristic, then back: the label follows the selection.
        select(tree, short("00002a19"))
        assert await wait_until(pilot, lambda: str(button.label) == "Subscribe")
        select(tree, short("00002a37"))
        assert await wait_until(pilot, lambda: str(button.label) == "Unsubscribe")
        await pilot.click("#gatt-subscribe")
        assert await wait_until(pilot, lambda: str(button.label) == "Subscribe")
        assert not stream.active
        assert any(n.startswith("Unsubscribed from Heart Rate Measurement") for n in notes(app))
        # The Scan list marks the device we are connected to, apart from connectable.
        assert await wait_until(pilot, lambda: cell_text(app, PULSE, "linked") == "● yes")
        assert cell_text(app, PULSE, "connectable") == "yes"
        await pilot.press("1")
        assert "● yes" in screen_text(app)
        await pilot.press("2", "d")
        assert await wait_until(pilot, lambda: cell_text(app, PULSE, "linked") == "")
        assert cell_text(app, PULSE, "connectable") == "yes"


async def test_a_refused_subscribe_leaves_no_row_in_the_streams_table(
    session: SessionManager,
) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        tree = await connect(app, pilot, KEYBOARD)
        reports = [n for n in tree._by_handle.values()  # noqa: SLF001
                   if n.data is not None and n.data.short_uuid == "2a4d"
                   and "notify" in n.data.properties]
        tree.move_cursor(reports[0])
        await pilot.press("n")
        assert await wait_until(pilot, lambda: any("Subscribe failed" in n for n in notes(app)))
        await pilot.press("3")
        # Three pulls of the Streams pane from the session after the refusal: a row for
        # the refused stream would be there by now.
        pane = app.screen.query_one(StreamsPane)
        ticks = pane.ticks
        assert await wait_until(pilot, lambda: pane.ticks >= ticks + 3)
        assert app.screen.query_one(StreamTable).row_count == 0
        assert session.streams.streams() == []
        assert "closed" not in screen_text(app)


async def test_vendor_uuids_are_short_in_the_tree_and_read_all_keeps_what_came_before_a_drop(
    session: SessionManager,
) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        tree = await connect(app, pilot, FLAKY)
        shown = screen_text(app)
        carousel = next(line for line in shown.splitlines() if "b1e55e02…" in line)
        assert carousel.split("b1e55e02…")[1].split()[:2] == ["R", "W"]  # properties in view
        assert ERROR_CAROUSEL.lower() not in carousel
        select(tree, ERROR_CAROUSEL)
        assert await wait_until(pilot, lambda: ERROR_CAROUSEL.lower() in screen_text(app))
        pane = gatt_pane(app)
        await pilot.press("ctrl+r")
        drop = next(n.data.handle for n in tree._by_handle.values()  # noqa: SLF001
                    if n.data is not None and n.data.uuid == DROP_LINK.lower())
        assert await wait_until(pilot, lambda: any("link was lost" in n for n in notes(app)))
        said = next(n for n in notes(app) if "link was lost" in n)
        assert f"while reading b1e55e01-f1a6-4c2d-8e3b-5d9a0c7e1f20 (handle 0x{drop:04X})" in said
        # Every value read before the drop is kept: the device name, the long log, ...
        name = next(n.data.handle for n in tree._by_handle.values()  # noqa: SLF001
                    if n.data is not None and n.data.short_uuid == "2a00")
        assert pane.values[name][0] == b"Flaky Sensor"
        kept = [h for h, (data, _, _) in pane.values.items() if data is not None]
        assert len(kept) >= 5 and all(h < drop for h in kept)
        assert pane.values[drop][2] is not None  # the dropped read: its error in words
        assert await wait_until(pilot, lambda: "link lost" in screen_text(app))


async def test_a_beacon_is_refused_at_once_in_words(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        assert await wait_until(pilot, lambda: BEACON in table.rows
                                and table.rows_by_address[BEACON].connectable is False)
        table.focus()
        table.move_cursor(row=table.get_row_index(BEACON))
        await pilot.press("enter")
        assert await wait_until(
            pilot,
            lambda: any("broadcaster" in n and "decoded in the detail view" in n for n in notes(app)),
        )
        assert not isinstance(app.screen, ConnectDialog)  # refused before any dialog
        assert session.connections.all() == []

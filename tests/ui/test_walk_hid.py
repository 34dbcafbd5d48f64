"""The HID Keyboard as a new user meets it: connect from the list, the Report Map as
reports and usages, a report read before pairing refused in words that say how to pair
here, Just Works pairing from the Security pane, then the typed "hello blebench" shown as
keys and text in the GATT pane and the Streams log, without reading the Report Map first."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from textual.widgets import Input, Static

from blebench.session.manager import SessionManager
from blebench.sim.catalogue.hid_keyboard import HidKeyboard
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from blebench.ui import settings as settings_mod
from blebench.ui.factory import make_app
from blebench.ui.security.prompts import JustWorksPrompt
from blebench.ui.streams.log_view import LogView
from tests.ui.app_harness import (
    SIZE,
    connected,
    gatt_pane,
    gatt_tree,
    opened_session,
    screen_text,
    select_characteristic,
    table_of,
    wait_until,
)

pytestmark = pytest.mark.slow

PULSE = PulseHrm.address.upper()
KEYBOARD = HidKeyboard.address.upper()


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    async with opened_session((PulseHrm(), HidKeyboard())) as manager:
        yield manager


def _select(app: object, uuid16: str, *, notify: bool = False) -> None:
    select_characteristic(gatt_tree(app), uuid16, notify=notify)


def _node_info(app: object) -> str:
    from textual.app import App

    assert isinstance(app, App)
    return str(app.screen.query_one("#gatt-node", Static).render())


async def _connect(app: object, pilot: object, address: str) -> None:
    from textual.app import App
    from textual.pilot import Pilot

    assert isinstance(app, App) and isinstance(pilot, Pilot)
    await pilot.press("1")
    table = table_of(app)  # type: ignore[arg-type]
    assert await wait_until(pilot, lambda: address in table.rows)
    table.focus()
    table.move_cursor(row=table.get_row_index(address))
    await pilot.press("enter")
    tree = await connected(pilot, address)
    assert await wait_until(pilot, lambda: tree.has_focus)


async def test_keyboard_types_hello_blebench_as_keys(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        # A first device, a characteristic selected: the next connection must not keep it.
        await _connect(app, pilot, PULSE)
        _select(app, "2a37")
        await pilot.pause()
        assert "Heart Rate Measurement" in _node_info(app)
        await _connect(app, pilot, KEYBOARD)
        assert "Heart Rate Measurement" not in _node_info(app)
        assert "Heart Rate Measurement" not in screen_text(app)

        # The Report Map as reports and usages.
        _select(app, "2a4b")
        await pilot.press("r")
        assert await wait_until(pilot, lambda: "input #1" in screen_text(app))
        assert "Keyboard/Keypad" in screen_text(app)

        # A report before pairing: refused in words, with how to pair from here.
        context = gatt_pane(app).hid
        assert context is not None
        context.forget_report_map()  # as if the map was never read
        _select(app, "2a4d", notify=True)
        await pilot.press("r")
        assert await wait_until(pilot, lambda: "Insufficient Encryption" in screen_text(app))
        assert "P pairs with this device" in screen_text(app)

        # Pair from the Security pane: P pairs with the device the GATT pane shows (two
        # are connected), Just Works since the keyboard can neither show nor type.
        await pilot.press("4")
        await pilot.pause()
        assert "P pairs with HID Keyboard" in screen_text(app)
        await pilot.press("P")
        assert await wait_until(pilot, lambda: isinstance(app.screen, JustWorksPrompt))
        await pilot.press("y")
        assert await wait_until(pilot, lambda: "security level 2" in screen_text(app), steps=300)
        assert "bonded" in screen_text(app)
        # The default stays a default: the field is left for a device typed by hand.
        assert app.screen.query_one("#pair-target", Input).value == ""

        # Subscribe to the input report: the keys and the text typed show up.
        await pilot.press("2")
        await pilot.pause()
        _select(app, "2a4d", notify=True)
        await pilot.press("n")
        keys = app.screen.query_one("#gatt-keys", Static)
        assert await wait_until(
            pilot, lambda: "hello blebench⏎" in str(keys.render()), steps=300
        ), str(keys.render())
        assert keys.display
        assert "typed: hello blebench⏎" in screen_text(app)
        # The Streams log: each report as the key it holds, not only bytes.
        await pilot.press("3")
        log = app.screen.query_one(LogView)
        assert await wait_until(pilot, lambda: "keys=H, text=h" in screen_text(app))
        assert log.has_focus
        assert "keys=Enter, text=⏎" in screen_text(app)


async def test_subscribe_to_a_descriptor_says_what_to_pick(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        await _connect(app, pilot, PULSE)
        tree = gatt_tree(app)
        cccd = next(
            n for n in tree._by_handle.values()  # noqa: SLF001 - test navigation
            if n.data is not None and n.data.kind == "descriptor"
        )
        tree.move_cursor(cccd)
        await pilot.press("n")
        assert await wait_until(
            pilot,
            lambda: any("marked N (notify)" in n.message for n in app._notifications),  # noqa: SLF001
        )
        assert not any("blebench gatt" in n.message for n in app._notifications)  # noqa: SLF001

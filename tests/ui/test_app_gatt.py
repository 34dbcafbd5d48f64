"""Connect from the scan list, browse GATT, read, write, subscribe; failures in words."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from textual.widgets import Input, TabbedContent

from blebench.session.manager import SessionManager
from blebench.sim.catalogue.hid_keyboard import HidKeyboard
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from blebench.ui import settings as settings_mod
from blebench.ui.app import BlebenchApp
from blebench.ui.connect import ConnectDialog
from blebench.ui.factory import make_app
from tests.ui.app_harness import (
    HOSTILE_DEVICES,
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
NOT_CONNECTABLE = "C4:00:00:00:00:02"


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    async with opened_session((PulseHrm(), HidKeyboard()), sim_devices=HOSTILE_DEVICES) as manager:
        manager.connections.connect_timeout = 2.0
        yield manager


def _select(app: BlebenchApp, uuid16: str) -> None:
    select_characteristic(gatt_tree(app), uuid16)


async def test_connect_browse_read_write_subscribe(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        assert await wait_until(pilot, lambda: PULSE in table.rows)
        table.focus()
        table.move_cursor(row=table.get_row_index(PULSE))
        await pilot.press("enter")
        await connected(pilot, PULSE)
        assert app.screen.query_one("#panes", TabbedContent).active == "gatt"
        # The tree is drawn once discovery's result reaches the pane: wait for it, not a frame.
        names = ("Heart Rate Measurement 2a37", "Battery Level 2a19", "Body Sensor Location")
        assert await wait_until(pilot, lambda: all(n in screen_text(app) for n in names)), (
            screen_text(app)
        )
        # The status line follows on its own timer (4 Hz).
        assert await wait_until(pilot, lambda: "⇄ connected: Pulse HRM" in screen_text(app))
        _select(app, "2a19")
        await pilot.press("r")
        assert await wait_until(pilot, lambda: "Battery Level" in screen_text(app) and "%" in screen_text(app))
        # A write the characteristic refuses: said in words with the next step.
        _select(app, "2a38")
        app.screen.query_one("#editor-value", Input).value = "01"
        await pilot.press("w")
        assert await wait_until(pilot, lambda: any("does not allow write" in n.message for n in app._notifications))  # noqa: SLF001
        # A typo in the value is refused before anything is sent.
        _select(app, "2a39")
        app.screen.query_one("#editor-value", Input).value = "0g"
        await pilot.press("w", "enter")  # w: into the editor; Enter writes
        assert await wait_until(pilot, lambda: any(n.title == "Value not written" for n in app._notifications))  # noqa: SLF001
        # Subscribe: the stream lands in the session, where the Streams pane shows it.
        gatt_tree(app).focus()  # the typo put the cursor in the editor
        _select(app, "2a37")
        await pilot.press("n")
        assert await wait_until(pilot, lambda: len(session.streams.streams()) == 1)
        assert await wait_until(pilot, lambda: "bpm" in screen_text(app))
        await pilot.press("d")
        assert await wait_until(pilot, lambda: not any(c.is_connected for c in session.connections.all()))


async def test_hid_report_map_and_refused_report(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        assert await wait_until(pilot, lambda: KEYBOARD in table.rows)
        table.focus()
        table.move_cursor(row=table.get_row_index(KEYBOARD))
        await pilot.press("c")
        await connected(pilot, KEYBOARD)
        _select(app, "2a4b")
        await pilot.press("r")
        assert await wait_until(pilot, lambda: "Left Control … Right GUI" in screen_text(app))
        shown = screen_text(app)
        assert "input #1" in shown and "output #1" in shown and "LED: Num Lock" in shown
        _select(app, "2a4d")
        await pilot.press("r")
        assert await wait_until(pilot, lambda: "Insufficient" in screen_text(app))
        assert "Next:" in screen_text(app)


async def test_connect_failure_is_explained_with_a_next_step(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        assert await wait_until(pilot, lambda: NOT_CONNECTABLE in table.rows)
        # The list refuses a non-connectable device before trying.
        table.focus()
        table.move_cursor(row=table.get_row_index(NOT_CONNECTABLE))
        await pilot.press("enter")
        assert any("does not accept connections" in n.message for n in app._notifications)  # noqa: SLF001
        # Forced through the dialog anyway, the radio's refusal is told in words.
        gatt = gatt_pane(app)
        dialog = ConnectDialog(
            None,
            NOT_CONNECTABLE,
            lambda progress: gatt.connect(NOT_CONNECTABLE, progress),
            gatt.explain_failure,
        )
        await app.push_screen(dialog)
        assert await wait_until(pilot, lambda: dialog.failure is not None, steps=400)
        assert dialog.failure is not None
        assert dialog.failure.next_step
        assert "Next:" in screen_text(app)
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: not isinstance(app.screen, ConnectDialog))

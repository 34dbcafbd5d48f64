"""The Security pane's "Pair with" line follows the session's connections: a pairing that
connects the Smart Lock by name (never through the Scan pane) shows on it at once, while
the passkey modal is up, and a disconnect takes it back to "no device connected"."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from textual.widgets import Input, Static

from blebench.session.manager import SessionManager
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from blebench.sim.catalogue.smart_lock import SmartLock
from blebench.sim.catalogue.uart_bridge import UartBridge
from blebench.ui import settings as settings_mod
from blebench.ui.factory import make_app
from blebench.ui.security.prompts import PasskeyEntryPrompt
from blebench.ui.status import StatusBar
from tests.ui.app_harness import SIZE, connected, opened_session, table_of, wait_until

pytestmark = pytest.mark.slow

LOCK = SmartLock.address.upper()
PULSE = PulseHrm.address.upper()


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    async with opened_session((SmartLock(),)) as manager:
        yield manager


async def test_pair_with_line_follows_the_connection(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        pair_with = app.screen.query_one("#pair-current", Static)

        def says() -> str:
            return str(pair_with.render())

        assert await wait_until(pilot, lambda: "no device connected" in says())
        field = app.screen.query_one("#pair-target", Input)
        field.value = "Smart Lock"
        assert await wait_until(pilot, lambda: "P pairs with Smart Lock (typed" in says()), says()
        await pilot.click("#pair-button")
        # The pairing connects by name; the lock then shows a passkey to type.
        assert await wait_until(pilot, lambda: isinstance(app.screen, PasskeyEntryPrompt))
        status = app.query_one(StatusBar)
        assert await wait_until(pilot, lambda: "Smart Lock" in status.info.connection)
        assert await wait_until(pilot, lambda: "P pairs with Smart Lock" in says()), says()
        await pilot.press(*"123456", "enter")
        await app.workers.wait_for_complete()
        # Paired: the typed target is used up, so no leftover text outranks the next default,
        # and the line names the connected lock with its address.
        assert field.value == ""
        assert await wait_until(pilot, lambda: LOCK in says()), says()
        # Dropped from the session's side (as when the device goes away): back to none.
        await session.connections.disconnect(LOCK)
        assert await wait_until(pilot, lambda: "no device connected" in says()), says()


async def test_a_typed_target_shows_in_the_line_at_once(session: SessionManager) -> None:
    """Review 3.3: text left in "or another" won over the device the line named. The line
    names what P pairs with: the typed text as soon as it is typed, the default beside it."""
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        pair_with = app.screen.query_one("#pair-current", Static)

        def says() -> str:
            return str(pair_with.render())

        assert await wait_until(pilot, lambda: "no device connected" in says())
        field = app.screen.query_one("#pair-target", Input)
        field.focus()
        await pilot.press(*"lock")
        assert await wait_until(pilot, lambda: "P pairs with lock (typed below)" in says()), says()
        await pilot.press("backspace", "backspace", "backspace", "backspace")
        assert await wait_until(pilot, lambda: "no device connected" in says()), says()


async def test_the_result_names_the_device_paired_not_the_one_the_line_names_after() -> None:
    """Walked in tmux: with the Pulse HRM on the GATT pane, "uart" typed and Pair gave
    "✓ LE legacy pairing, just works ..." under "P pairs with Pulse HRM" (the field empties
    once paired): it read as if the HRM was paired. The result names the device."""
    async with opened_session((PulseHrm(), UartBridge())) as session:
        settings = settings_mod.load()
        settings.pairing.io = "no-input-no-output"  # Just Works: no prompt to answer
        settings.pairing.mitm = False
        app = make_app(settings, session)
        async with app.run_test(size=SIZE) as pilot:
            table = table_of(app)
            assert await wait_until(pilot, lambda: PULSE in table.rows_by_address)
            table.move_cursor(row=table.get_row_index(PULSE))
            await pilot.press("enter")
            await connected(pilot, PULSE)
            await pilot.press("4")
            pair_with = app.screen.query_one("#pair-current", Static)
            assert await wait_until(pilot, lambda: "P pairs with Pulse HRM" in str(pair_with.render()))
            app.screen.query_one("#pair-target", Input).focus()
            await pilot.press(*"uart", "enter")
            result = app.screen.query_one("#pair-result", Static)
            assert await wait_until(pilot, lambda: "✓" in str(result.render()), steps=400)
            assert str(result.render()).startswith(
                f"✓ Paired with UART Bridge ({UartBridge.address}): LE Secure Connections, just works"
            )
            assert "P pairs with Pulse HRM" in str(pair_with.render())

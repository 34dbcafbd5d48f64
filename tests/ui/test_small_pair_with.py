"""The Security pane's "Pair with" line follows the session's connections: a pairing that
connects the Smart Lock by name (never through the Scan pane) shows on it at once, while
the passkey modal is up, and a disconnect takes it back to "no device connected"."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from textual.widgets import Input, Static

from blebench.session.manager import SessionManager
from blebench.sim.catalogue.smart_lock import SmartLock
from blebench.ui import settings as settings_mod
from blebench.ui.factory import make_app
from blebench.ui.security.prompts import PasskeyEntryPrompt
from blebench.ui.status import StatusBar
from tests.ui.app_harness import SIZE, opened_session, wait_until

pytestmark = pytest.mark.slow

LOCK = SmartLock.address.upper()


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

"""The guided re-pair in the Security pane (field note 001): after the virtual Smart Lock
forgot its bond, Pair finds the bond stale, a dialog offers to pair again, and yes (with
the lock's passkey typed in the prompt) makes a new bond; "not now" leaves it in words."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from blebench.session.manager import SessionManager
from blebench.sim.catalogue.smart_lock import SmartLock
from blebench.ui.security import SecurityPane
from blebench.ui.security.prompts import PasskeyEntryPrompt, RepairPrompt
from tests.ui.app_harness import SIZE, SecurityHost, scanning_session, wait_until
from tests.ui.test_security_pair_sim import _pair

pytestmark = pytest.mark.slow


@pytest.fixture
async def lock_session() -> AsyncIterator[SessionManager]:
    async with scanning_session(SmartLock()) as manager:
        yield manager


async def _wait_for_screen(app: SecurityHost, pilot: Pilot[Any], kind: type) -> None:
    # Connecting and encrypting take a moment.
    assert await wait_until(pilot, lambda: isinstance(app.screen, kind)), f"no {kind.__name__}"


async def _result(app: SecurityHost, pilot: Pilot[Any]) -> str:
    await app.workers.wait_for_complete()
    await pilot.pause()
    return str(app.query_one("#pair-result", Static).render())


async def test_stale_bond_offers_a_repair_dialog(lock_session: SessionManager) -> None:
    session = lock_session
    app = SecurityHost(session)
    async with app.run_test(size=SIZE) as pilot:
        assert (await _pair(app, pilot, "123456")).startswith("✓")
        await session.connections.disconnect("Smart Lock")
        assert session.world is not None
        lock = session.world.member("Smart Lock").peripheral
        assert isinstance(lock, SmartLock) and await lock.forget_bonds() == 1

        app.query_one("#pair-target", Input).value = "Smart Lock"
        await pilot.click("#pair-button")
        await _wait_for_screen(app, pilot, RepairPrompt)
        await pilot.press("escape")  # not now: the error stays, in words
        text = await _result(app, pilot)
        assert "no longer has the bond blebench kept" in text
        assert app.query_one(SecurityPane).last_outcome is None

        await pilot.click("#pair-button")
        await _wait_for_screen(app, pilot, RepairPrompt)
        await pilot.press("y")
        await _wait_for_screen(app, pilot, PasskeyEntryPrompt)
        await pilot.press(*"123456", "enter")
        text = await _result(app, pilot)
        pane = app.query_one(SecurityPane)
        assert pane.last_outcome is not None and pane.last_outcome.ok, pane.last_error
        assert text.startswith("✓") and "security level 4" in text
    fresh = session.bonds.get(SmartLock.address)
    assert fresh is not None and fresh.has_ltk

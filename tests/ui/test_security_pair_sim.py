"""Pairing from the Security pane against the virtual world: the Smart Lock's passkey is
typed in the modal, over real SMP, and the bond lands in the bond manager."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import DataTable, Input, Static

from blebench.pairing.bonds import BondStore
from blebench.session.manager import SessionManager
from blebench.sim.catalogue.smart_lock import SmartLock
from blebench.ui.security import SecurityPane
from blebench.ui.security.bonds import BondManager
from blebench.ui.security.prompts import PasskeyEntryPrompt
from tests.ui.app_harness import SIZE, SecurityHost, scanning_session, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    async with scanning_session(SmartLock()) as manager:
        yield manager


async def _pair(app: SecurityHost, pilot: object, passkey: str) -> str:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    app.query_one("#pair-target", Input).value = "Smart Lock"
    await pilot.click("#pair-button")
    await pilot.wait_for_scheduled_animations()
    # Connect and discovery, then SMP asks for the passkey.
    prompted = await wait_until(pilot, lambda: isinstance(app.screen, PasskeyEntryPrompt))
    assert prompted, "no passkey prompt came up"
    await pilot.press(*passkey, "enter")
    await app.workers.wait_for_complete()
    await pilot.pause()
    return str(app.query_one("#pair-result", Static).render())


async def test_pair_with_the_smart_lock_typing_its_passkey(
    session: SessionManager, blebench_home: Path
) -> None:
    # Our side as the issue states it: KeyboardDisplay + MITM + SC + bonding (defaults).
    app = SecurityHost(session)
    async with app.run_test(size=SIZE) as pilot:
        result = await _pair(app, pilot, "123456")
        pane = app.query_one(SecurityPane)
        assert pane.last_outcome is not None, pane.last_error
        assert result.startswith(f"✓ Paired with Smart Lock ({SmartLock.address}): LE Secure Connections, passkey entry")
        assert "security level 4" in result and "bonded" in result
        table: DataTable[Text] = app.query_one(BondManager).query_one(DataTable)
        assert table.row_count == 1
        assert str(table.get_row_at(0)[0]) == SmartLock.address
    assert [b.address for b in BondStore().bonds()] == [SmartLock.address]
    # The next link encrypts with that bond and says so: SC, authenticated (level 4).
    await session.disconnect(SmartLock.address)
    info = await session.connect("Smart Lock", timeout=5)
    assert info.encrypted and info.authenticated and info.secure_connections
    assert info.encryption_key_size == 16


async def test_a_wrong_passkey_fails_in_words(session: SessionManager) -> None:
    app = SecurityHost(session)
    async with app.run_test(size=SIZE) as pilot:
        result = await _pair(app, pilot, "654321")
        assert result.startswith("✗")
        assert "0x04 Confirm Value Failed" in result

"""Issue 11 item 5 / review UX 4.4: the Connect dialog that finds a stale bond offers
"Pair again" in the app (not a CLI command), and it re-pairs with the options of the first
pairing: the Security pane shows the outcome and the new bond encrypts the next link."""

from __future__ import annotations

import pytest
from textual.widgets import Button, Static

from blebench.pairing.delegate import ScriptedDelegate
from blebench.pairing.models import IoCapability, PairingOptions
from blebench.sim.catalogue.smart_lock import SmartLock
from blebench.ui import settings as settings_mod
from blebench.ui.connect import ConnectDialog
from blebench.ui.factory import make_app
from blebench.ui.security import SecurityPane
from blebench.ui.security.prompts import PasskeyEntryPrompt
from tests.ui.app_harness import SIZE, scanning_session, table_of, wait_until

pytestmark = pytest.mark.slow

FIRST = PairingOptions(io=IoCapability.KEYBOARD_ONLY, mitm=True, sc=True, bonding=True)


async def test_a_stale_bond_at_connect_offers_pair_again_with_the_first_pairings_options() -> None:
    lock = SmartLock()
    async with scanning_session(lock) as session:
        # The first pairing (keyboard-only, MITM, SC), then the lock forgets it.
        first = await session.pair("Smart Lock", FIRST, ScriptedDelegate(passkey=123456), timeout=10)
        assert first.ok, first.failure
        await session.disconnect(SmartLock.address)
        assert await lock.forget_bonds() == 1

        app = make_app(settings_mod.load(), session)
        async with app.run_test(size=SIZE) as pilot:
            table = table_of(app)
            assert await wait_until(pilot, lambda: SmartLock.address in table.rows, steps=400)
            table.focus()
            table.move_cursor(row=table.get_row_index(SmartLock.address))
            await pilot.press("enter")

            def offered() -> bool:
                screen = app.screen
                return isinstance(screen, ConnectDialog) and screen.query_one(
                    "#pair-again", Button).display  # fmt: skip

            assert await wait_until(pilot, offered, steps=400)
            dialog = app.screen
            said = str(dialog.query_one("#dialog-next", Static).render())
            assert "Pair again deletes the stale bond" in said and "blebench pair" not in said
            assert app.focused is dialog.query_one("#pair-again", Button)
            await pilot.press("enter")  # Pair again

            assert await wait_until(pilot, lambda: isinstance(app.screen, PasskeyEntryPrompt), 400)
            await pilot.press(*"123456", "enter")
            pane = app.query_one(SecurityPane)
            result = pane.query_one("#pair-result", Static)
            assert await wait_until(pilot, lambda: str(result.render()).startswith(("✓", "✗")), 400)
            assert str(result.render()).startswith("✓"), str(result.render())
            assert pane.last_outcome is not None and pane.last_outcome.authenticated
            assert app.screen.query_one("#panes").active == "security"
        bond = session.bonds.get(SmartLock.address)
        assert bond is not None and bond.options is not None
        assert bond.options.io is IoCapability.KEYBOARD_ONLY  # the first pairing's, not the pane's

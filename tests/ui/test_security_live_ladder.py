"""Issue 11 item 11: a live PDU ladder for real pairing attempts on a Bumble radio (the
virtual world's central here), in the Security pane's ladder tab, as the lab shows for
simulated ones: each PDU as it goes, with what the peer actually sent, then the outcome."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.widgets import Checkbox, DataTable, Select, Static

from blebench.sim.catalogue.smart_lock import SmartLock
from blebench.ui.security import SecurityPane
from blebench.ui.security.ladder import LadderView
from blebench.ui.settings import Settings
from tests.integration.faults.test_pairing_link_drop import dropper
from tests.ui.app_harness import SIZE, SecurityHost, scanning_session, wait_until
from tests.ui.test_security_pair_sim import _pair

pytestmark = pytest.mark.slow


def rows(view: LadderView) -> list[tuple[str, str, str]]:
    table: DataTable[Text] = view.query_one(DataTable)
    out = []
    for key in table.rows:
        _ms, direction, pdu, fields = table.get_row(key)
        out.append((str(direction), str(pdu), str(fields)))
    return out


async def test_pairing_the_smart_lock_shows_the_pdus_each_side_sent() -> None:
    async with scanning_session(SmartLock()) as session:
        app = SecurityHost(session, Settings())
        async with app.run_test(size=SIZE) as pilot:
            result = await _pair(app, pilot, "123456")
            assert result.startswith("✓"), result
            view = app.query_one(LadderView)
            ladder = rows(view)
            names = [pdu for _d, pdu, _f in ladder]
            assert names[:2] == ["Pairing Request", "Pairing Response"]
            assert "Pairing Public Key" in names and "Pairing DHKey Check" in names
            assert "Encryption started" in names
            # The peer's own Pairing Response, as it sent it: the lock displays its passkey.
            direction, _pdu, fields = ladder[1]
            assert "◄" in direction and "io=display-only" in fields and "mitm" in fields
            assert "live: pairing with Smart Lock" in str(view.query_one("#lab-caption", Static).render())
            assert str(view.query_one("#lab-compare", Static).render()).startswith("✓")


async def test_a_peer_that_drops_the_link_leaves_the_ladder_up_to_where_it_stopped() -> None:
    async with scanning_session(dropper("public-key")) as session:
        await session.connect("Drop Lock", timeout=5)
        app = SecurityHost(session, Settings())
        async with app.run_test(size=SIZE) as pilot:
            pane = app.query_one(SecurityPane)
            pane.query_one("#our-io", Select).value = "no-input-no-output"
            pane.query_one("#our-mitm", Checkbox).value = False
            await pilot.pause()
            await pilot.click("#pair-button")
            view = app.query_one(LadderView)
            compare = view.query_one("#lab-compare", Static)
            assert await wait_until(pilot, lambda: str(compare.render()).startswith("✗"))
            names = [pdu for _d, pdu, _f in rows(view)]
            assert names == ["Pairing Request", "Pairing Response", "Pairing Public Key"], names
            assert "disconnected during pairing" in str(compare.render())

"""One bond store per process: the Security pane shows and deletes the session's own bonds
(issue 10, item 3). A bond deleted in the Bonds tab is gone from the session: it is not used
to encrypt, not written back, and the registry no longer shows the device as bonded."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.widgets import DataTable

from blebench.pairing.bonds import BondStore
from blebench.pairing.delegate import ScriptedDelegate
from blebench.pairing.models import IoCapability, PairingOptions
from blebench.sim.catalogue.zv_camera import ZvCamera
from blebench.ui.security import SecurityPane
from blebench.ui.security.bonds import BondManager
from tests.ui.app_harness import SIZE, SecurityHost, scanning_session, wait_until

pytestmark = pytest.mark.slow

CAMERA = ZvCamera.address
LEGACY_JUST_WORKS = PairingOptions(io=IoCapability.NO_INPUT_NO_OUTPUT, sc=False, bonding=True)


async def test_a_bond_deleted_in_the_bonds_tab_is_gone_from_the_session() -> None:
    async with scanning_session(ZvCamera()) as session:
        outcome = await session.pair("ZV Camera", LEGACY_JUST_WORKS, ScriptedDelegate())
        assert outcome.ok and outcome.bonded, outcome.failure
        await session.disconnect(CAMERA)

        app = SecurityHost(session)  # no store given: the pane takes the session's
        async with app.run_test(size=SIZE) as pilot:
            pane = app.query_one(SecurityPane)
            assert pane.bond_store is session.bonds
            assert await wait_until(pilot, lambda: (r := session.device(CAMERA)) is not None
                                    and r.bonded)
            pane.query_one("#security-tabs").active = "tab-bonds"  # type: ignore[attr-defined]
            await pilot.pause()
            table: DataTable[Text] = app.query_one(BondManager).query_one(DataTable)
            assert table.row_count == 1 and str(table.get_row_at(0)[0]) == CAMERA
            await pilot.click("#bonds-delete")
            await pilot.pause()
            await pilot.click("#confirm-yes")
            assert await wait_until(pilot, lambda: table.row_count == 0)

            # Gone from the session's store, and from the file it writes.
            assert session.bonds.get(CAMERA) is None
            assert BondStore(session.bonds.path).bonds() == []
            # The registry no longer shows the camera as bonded (its next report says so).
            assert await wait_until(pilot, lambda: (r := session.device(CAMERA)) is not None
                                    and not r.bonded)
            record = session.device(CAMERA)
            assert record is not None and record.bond_name is None

            # Not used: the next connection does not encrypt (no LTK left to try).
            info = await session.connect("ZV Camera", timeout=5)
            assert info.encrypted is False
            await session.disconnect(CAMERA)
            # Not written back by the session (the connection touched no bond).
            assert BondStore(session.bonds.path).bonds() == []
            assert session.bonds.annotate(CAMERA, name="ZV Camera") is None
            assert BondStore(session.bonds.path).bonds() == []

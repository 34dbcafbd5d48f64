"""The ZV Camera story in the Security pane, as the issue's acceptance states it: Secure
Connections pairing times out, SC off, Pair again (on a new link: Vol 3 Part H 3.4 allows
no more SMP on one where SMP timed out), then disconnect and connect: the link encrypts
with the bond (no 0x06), because the camera kept it too."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, Select, Static

from blebench.sim.catalogue.zv_camera import ZvCamera
from blebench.ui.security import SecurityPane
from blebench.ui.settings import Settings
from tests.ui.app_harness import SIZE, SecurityHost, scanning_session, wait_until

pytestmark = pytest.mark.slow


async def test_sc_times_out_then_legacy_on_the_same_link_bonds_and_the_next_link_encrypts() -> None:
    camera = ZvCamera()
    async with scanning_session(camera) as session:
        await session.connect("ZV Camera", timeout=5)
        app = SecurityHost(session, Settings())
        async with app.run_test(size=SIZE) as pilot:
            pane = app.query_one(SecurityPane)
            pane.pair_timeout = 0.5  # the spec's 30 s, shortened
            pane.query_one("#our-io", Select).value = "no-input-no-output"
            pane.query_one("#our-mitm", Checkbox).value = False
            pane.query_one("#our-sc", Checkbox).value = True
            await pilot.pause()
            assert "P pairs with" in str(pane.query_one("#pair-current", Static).render())

            await pilot.click("#pair-button")
            result = pane.query_one("#pair-result", Static)
            assert await wait_until(pilot, lambda: "did not answer" in str(result.render()))
            assert "refused" not in str(result.render()).splitlines()[0]
            assert camera.security is not None and camera.security.ignored_requests == 1

            pane.query_one("#our-sc", Checkbox).value = False  # SC off
            pane.pair_timeout = 5.0  # a legacy pairing that answers: room for a loaded machine
            await pilot.pause()
            await pilot.click("#pair-button")
            # A new link first (Vol 3 Part H 3.4: no SMP after a timeout on the old one).
            assert await wait_until(pilot, lambda: str(result.render()).startswith("✓"), 600), str(result.render())
            assert "LE legacy pairing, just works" in str(result.render())
            assert "bonded" in str(result.render())

        assert session.bonds.get(ZvCamera.address) is not None
        kept = [name for name, _ in await camera.bumble.keystore.get_all()]
        assert session.radio is not None and session.radio.identity in kept

        await session.disconnect(ZvCamera.address)
        info = await session.connect("ZV Camera", timeout=5)  # no StaleBondError (0x06)
        assert info.encrypted is True
        # ... with the bond's own security (Bumble calls every LE encryption SC, authenticated).
        assert info.authenticated is False and info.secure_connections is False
        assert info.encryption_key_size == 16  # from the bond: the controller sends V1 events

"""Issue 17 item 1 / issue 11 item 5 in the Security pane: every pairing attempt ends with
an outcome (a peer that drops the link under SMP included), and while SMP waits the pane
counts down the seconds the device has left to answer."""

from __future__ import annotations

import re

import pytest
from textual.widgets import Checkbox, Select, Static

from blebench.sim.catalogue.zv_camera import ZvCamera
from blebench.ui.security import SecurityPane
from blebench.ui.settings import Settings
from tests.integration.faults.test_pairing_link_drop import dropper
from tests.ui.app_harness import SIZE, SecurityHost, scanning_session, wait_until

pytestmark = pytest.mark.slow


async def test_a_peer_that_drops_the_link_at_the_public_key_ends_the_attempt_in_words() -> None:
    async with scanning_session(dropper("public-key")) as session:
        await session.connect("Drop Lock", timeout=5)
        app = SecurityHost(session, Settings())
        async with app.run_test(size=SIZE) as pilot:
            pane = app.query_one(SecurityPane)
            pane.query_one("#our-io", Select).value = "no-input-no-output"
            pane.query_one("#our-mitm", Checkbox).value = False
            await pilot.pause()
            await pilot.click("#pair-button")
            result = pane.query_one("#pair-result", Static)
            assert await wait_until(pilot, lambda: str(result.render()).startswith("✗"))
            text = str(result.render())
            assert "Drop Lock disconnected during pairing, after the Pairing Public Key was sent" in text
            assert "Remote User Terminated Connection (HCI 0x13)" in text
            assert "Next: the device ended the link while pairing" in text
            assert pane.query_one("#pair-button").disabled is False


async def test_a_countdown_while_the_device_does_not_answer_then_did_not_answer() -> None:
    camera = ZvCamera()  # ignores a Secure Connections request
    async with scanning_session(camera) as session:
        await session.connect("ZV Camera", timeout=5)
        settings = Settings()
        settings.pairing.smp_timeout_s = 3.0  # the setting the pane waits for
        app = SecurityHost(session, settings)
        async with app.run_test(size=SIZE) as pilot:
            pane = app.query_one(SecurityPane)
            pane.query_one("#our-io", Select).value = "no-input-no-output"
            pane.query_one("#our-mitm", Checkbox).value = False
            await pilot.pause()
            await pilot.click("#pair-button")
            result = pane.query_one("#pair-result", Static)
            seen: set[int] = set()

            def counting() -> bool:
                found = re.search(r"the device has (\d+) s to answer", str(result.render()))
                if found:
                    seen.add(int(found.group(1)))
                return str(result.render()).startswith("✗")

            assert await wait_until(pilot, counting, steps=600)
            assert 3 in seen and len(seen) >= 2, seen  # it counted down from the setting
            first = str(result.render()).splitlines()[0]
            assert "did not answer" in first and "refused" not in first
            assert "within 3 s" in str(result.render())

"""A pairing the Smart Lock refuses, from the Security pane: the result says what was
attempted (our options, Secure Connections as asked) and who refused it with what reason,
never "LE legacy pairing" for a request that set SC."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from textual.widgets import Input, Static

from blebench.session.manager import SessionManager
from blebench.sim.catalogue.smart_lock import SmartLock
from blebench.ui import settings as settings_module
from blebench.ui.security import SecurityPane
from tests.ui.app_harness import SIZE, SecurityHost, scanning_session

pytestmark = pytest.mark.slow


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    async with scanning_session(SmartLock()) as manager:
        yield manager


def no_mitm_host(session: SessionManager) -> SecurityHost:
    settings = settings_module.Settings()
    # No way to show or type a passkey, no MITM: Just Works, which the lock refuses.
    settings.pairing.io = "no-input-no-output"
    settings.pairing.mitm = False
    return SecurityHost(session, settings)


async def test_a_refused_pairing_says_what_was_tried_and_why(session: SessionManager) -> None:
    app = no_mitm_host(session)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(SecurityPane)
        app.query_one("#pair-target", Input).value = "Smart Lock"
        await pilot.click("#pair-button")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert pane.last_outcome is not None, pane.last_error
        result = str(app.query_one("#pair-result", Static).render())
        lines = result.splitlines()
        assert lines[0] == (f"✗ Pairing with Smart Lock ({SmartLock.address}) refused by the device (responder): "
                            "0x03 Authentication Requirements")
        assert lines[1] == ("we offered NoInputNoOutput, SC, bonding "
                            "(LE Secure Connections)")
        assert "legacy" not in result
        assert "The peer wants MITM" in result  # the reason in words, with what to change

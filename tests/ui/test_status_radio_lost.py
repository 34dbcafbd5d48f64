"""Issue 17 item 1 in the TUI: a controller that goes away mid-scan (its TCP HCI server
killed) is said on the status line, with how to reopen it, instead of "scanning active"."""

from __future__ import annotations

from pathlib import Path

import pytest

from blebench.session.manager import SessionManager, SessionSettings
from blebench.ui import settings as settings_mod
from blebench.ui.factory import make_app
from blebench.ui.status import StatusBar
from tests.integration.faults.test_pairing_link_drop import start_dropping_peer
from tests.integration.foreign.test_foreign_peer import run_controllers
from tests.ui.app_harness import SIZE, table_of, wait_until

pytestmark = pytest.mark.slow


async def test_the_status_line_says_the_radio_is_gone(tmp_path: Path) -> None:
    controllers = next(gen := run_controllers())
    peer = start_dropping_peer(controllers, tmp_path / "peer.log", "pairing-request",
                               "C6:22:33:44:55:41")
    try:
        peer.wait_for("ready")
        session = await SessionManager.open(SessionSettings(transport=controllers.transport))
        try:
            app = make_app(settings_mod.load(), session)
            async with app.run_test(size=SIZE) as pilot:
                assert await wait_until(pilot, lambda: len(table_of(app).rows) >= 1, steps=400)
                bar = app.query_one(StatusBar)
                assert "scanning" in str(bar.query_one("#status-scan").render())
                controllers.process.kill()
                assert await wait_until(pilot, lambda: bar.info.radio_lost is not None, 400)
                scan = bar.query_one("#status-scan")
                said = str(scan.render())
                assert said.startswith("✗ radio lost (ctrl+o reopens it): ")
                assert said.endswith("the controller went away (its HCI transport closed)")
                # The key is on screen at this size (the reason may be cut, never the key).
                # (Waited for: the line is laid out again after the words change.)
                key = "✗ radio lost (ctrl+o reopens it)"

                def key_on_screen() -> bool:
                    end = scan.region.x + len(key)
                    return end <= min(scan.region.right, app.size.width)

                assert await wait_until(pilot, key_on_screen, 100), (scan.region, app.size)
                assert "scanning active" not in said
                assert len(table_of(app).rows) >= 1  # what was heard stays listed
                await pilot.press("q")
        finally:
            await session.close()
    finally:
        peer.stop()
        gen.close()

"""Arrow keys and Enter in the Scan list before any device was heard (scan not started):
the list stays empty and the App keeps running. Down on the empty list used to crash the
App (Textual highlights no row there and sends no row key)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from blebench.session.manager import SessionManager
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from blebench.ui.factory import make_app
from blebench.ui.scan.table import DeviceTable
from blebench.ui.settings import Settings
from tests.ui.app_harness import SIZE, opened_session, wait_until


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    async with opened_session((PulseHrm(),)) as manager:
        yield manager


async def test_keys_in_the_empty_scan_list_leave_the_app_running(
        session: SessionManager) -> None:
    app = make_app(Settings(), session, scan_on_start=False)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one("#devices", DeviceTable)
        table.focus()
        assert await wait_until(pilot, lambda: app.focused is table)
        assert table.row_count == 0
        for key in ("down", "up", "down", "enter", "end", "home"):
            await pilot.press(key)
        await pilot.pause()
        assert app.is_running, "a key in the empty list closed the App"
        assert app.return_code is None
        assert table.row_count == 0

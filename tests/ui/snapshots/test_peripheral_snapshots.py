"""Snapshots of the Peripheral pane serving a device in the virtual world, at 80x24 and
160x45: the file (the --sim-devices file, a path relative to the checkout so the picture
is the same everywhere), the served characteristics, a value set from the pane, the log
(its times pinned)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from blebench.session.manager import SessionManager
from blebench.ui.app import BlebenchApp
from blebench.ui.factory import make_app
from blebench.ui.peripheral import PeripheralPane
from blebench.ui.peripheral.chars_table import CharacteristicsTable
from blebench.ui.settings import Settings
from tests.ui.app_harness import screen_text, wait_until
from tests.ui.snapshots.conftest import THEME, SnapshotCheck
from tests.ui.snapshots.fixed_world import open_world

pytestmark = pytest.mark.snapshot

DEVICE_FILE = Path("tests/ui/data/peripheral_bench.toml")


def app_for(session: SessionManager) -> BlebenchApp:
    settings = Settings()
    settings.ui.theme = THEME
    app = make_app(settings, session, scan_on_start=False)
    app.animation_level = "none"
    return app


async def serve(pilot: Pilot[Any], app: BlebenchApp) -> None:
    await pilot.press("5")
    pane = app.screen.query_one(PeripheralPane)
    pane.stamp = lambda _at: "12:00:00.000"
    table = pane.query_one(CharacteristicsTable)
    assert await wait_until(pilot, lambda: table.has_focus)
    await pilot.press("s")
    assert await wait_until(pilot, lambda: table.row_count == 3), screen_text(app)
    table.move_cursor(row=0)
    await pilot.press("e")  # into the value field, which holds the value now (64)
    field = pane.query_one("#periph-value", Input)
    assert await wait_until(pilot, lambda: field.has_focus and field.value == "64")
    await pilot.press("backspace", "backspace", *"2a", "enter")  # Enter sets the value
    assert await wait_until(pilot, lambda: "2a  42 %" in screen_text(app)), screen_text(app)
    await pilot.press("escape")
    assert await wait_until(pilot, lambda: table.has_focus)


@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])
async def test_serving(size: tuple[int, int], svg_snapshot: SnapshotCheck) -> None:
    session, _clock = await open_world([], [], sim_devices=DEVICE_FILE)
    try:
        app = app_for(session)
        async with app.run_test(size=size) as pilot:
            await serve(pilot, app)
            assert await svg_snapshot(pilot)
            await session.peripheral.stop()
    finally:
        await session.close()

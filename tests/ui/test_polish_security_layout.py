"""The Security pane's left column fits: every control inside the column (nothing crosses
the divider into the matrix), one row each, and Pair in view without scrolling, from a
100x30 terminal to 200x60."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Select

from blebench.session.manager import SessionManager
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from blebench.ui import settings as settings_mod
from blebench.ui.factory import make_app
from blebench.ui.security import SecurityPane
from tests.ui.app_harness import opened_session, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    async with opened_session((PulseHrm(),)) as manager:
        yield manager


@pytest.mark.parametrize("size", [(100, 30), (160, 45), (200, 60)])
async def test_pair_is_in_view_and_no_control_crosses_the_divider(
    session: SessionManager, size: tuple[int, int]
) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=size) as pilot:
        await pilot.press("4")
        pane = app.screen.query_one(SecurityPane)
        column = pane.query_one("#security-options")
        button = pane.query_one("#pair-button", Button)
        assert await wait_until(pilot, lambda: button.region.area > 0)
        inside = column.content_region  # the column without its border (the divider)
        controls: list[Widget] = [*column.query(Select), *column.query(Checkbox),
                                  *column.query(Input), button]
        for control in controls:
            region = control.region
            assert inside.x <= region.x and region.right <= inside.right, control
            assert region.height == 1, control  # compact: no tall borders to spill
        # Pair is on screen as it opens: the widget under its middle is the button itself.
        region = button.region
        middle = (region.x + region.width // 2, region.y + region.height // 2)
        assert app.screen.get_widget_at(*middle)[0] is button
        assert column.scroll_y == 0

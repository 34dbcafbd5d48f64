"""The Security pane's pairing matrix at 80x24, as a user meets it: every column of the
grid on screen (none behind sideways scrolling), the current combination marked, the
cell under the cursor explained (its first lines in view, the rest reachable by scrolling
the tab)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from textual.widgets import DataTable, Static

from blebench.session.manager import SessionManager
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from blebench.ui import settings as settings_mod
from blebench.ui.factory import make_app
from blebench.ui.security.matrix_view import MatrixView
from tests.ui.app_harness import opened_session, screen_text, wait_until


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    async with opened_session((PulseHrm(),)) as manager:
        yield manager


async def test_the_matrix_fits_80x24_and_its_whole_explanation_is_reachable(
    session: SessionManager,
) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        view = app.screen.query_one(MatrixView)
        table = view.query_one(DataTable)
        assert await wait_until(pilot, lambda: table.region.width > 0 and table.row_count == 5)
        # Every column within the table: nothing to scroll sideways, no header cut.
        assert table.virtual_size.width <= table.size.width
        header = next(line for line in screen_text(app).splitlines() if "DYN" in line)
        for name in ("DO", "DYN", "KO", "NIO", "KD"):
            assert re.search(rf"[ ▼]{name}( |$)", header.split("│", 1)[1]), header
        # The current combination (ours KeyboardDisplay, the peer DisplayOnly) is marked.
        assert "▼DO" in header and any("▶KD" in line for line in screen_text(app).splitlines())
        # Tab into the grid (as a user does): the current cell's explanation is on screen.
        for _ in range(30):
            if app.focused is table:
                break
            await pilot.press("tab")
        assert app.focused is table
        assert await wait_until(pilot, lambda: "KeyboardDisplay × DisplayOnly" in screen_text(app))
        await pilot.press("up")  # from KeyboardDisplay x DisplayOnly to NoInputNoOutput's row
        assert await wait_until(
            pilot, lambda: "NoInputNoOutput × DisplayOnly" in screen_text(app)
        )
        # The explanation's last line, below, is reachable: shift+Tab to the tab's scroll
        # (just before the grid in the focus order) and End shows it.
        explain = view.query_one("#matrix-explain", Static)
        assert explain.region.bottom > view.region.bottom  # cut at first
        await pilot.press("shift+tab")
        assert app.focused is view
        await pilot.press("end")
        assert await wait_until(
            pilot, lambda: view.scroll_y > 0 and explain.region.bottom <= view.region.bottom
        )

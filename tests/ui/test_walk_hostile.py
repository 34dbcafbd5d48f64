"""A device named `[bold red]PWN[/]` + an OSC title sequence, connected from the list: the
name is shown literally in the status line, the GATT header and the Security pane's
"P pairs with" line, and no escape character reaches the screen."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from blebench.session.manager import SessionManager
from blebench.ui import settings as settings_mod
from blebench.ui.factory import make_app
from tests.ui.app_harness import (
    HOSTILE_DEVICES,
    SIZE,
    gatt_pane,
    opened_session,
    screen_text,
    table_of,
    wait_until,
)

pytestmark = pytest.mark.slow

HOSTILE = "C4:00:00:00:00:01"
SHOWN = r"[bold red]PWN[/]\x1b]0;pwned\x07"


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    async with opened_session(sim_devices=HOSTILE_DEVICES) as manager:
        yield manager


async def test_hostile_name_is_literal_in_every_pane(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        assert await wait_until(pilot, lambda: HOSTILE in table.rows)
        table.move_cursor(row=table.get_row_index(HOSTILE))
        await pilot.press("enter")
        gatt = gatt_pane(app)
        assert await wait_until(pilot, lambda: gatt.connection is not None)
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert SHOWN in lines[0]  # the status line's connection
        assert any(line.lstrip().startswith("⇄ " + SHOWN) for line in lines)  # GATT header
        await pilot.press("4")
        await pilot.pause()
        shown = screen_text(app)
        assert "P pairs with" in shown
        assert "[bold" in shown and r"pwned\x07" in shown.replace("\n", "").replace(" ", "")
        assert "\x1b" not in shown and "\x07" not in shown

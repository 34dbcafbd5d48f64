"""A key typed right after a pane key (1-4) goes to the pane just shown.

Showing a pane hands the focus over after the next refresh (the new pane is laid out
first). Keys typed meanwhile, as a quick typist or a terminal under load delivers them
(queued together), used to find no focus and nothing bound: `3` then `p` showed the
Streams pane without pausing its log, `1` then `/` the Scan pane without its filter."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from textual import events
from textual.widgets import Input, TabbedContent

from blebench.session.manager import SessionManager
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from blebench.ui.factory import make_app
from blebench.ui.settings import Settings
from blebench.ui.streams.log_view import LogView
from tests.ui.app_harness import SIZE, opened_session, wait_until


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    async with opened_session((PulseHrm(),)) as manager:
        yield manager


def _burst(app: object, *keys: str) -> None:
    """Keys queued at once, as the terminal's input thread hands them to the App."""
    from textual.app import App

    assert isinstance(app, App)
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app.post_message(event)


async def test_key_right_after_a_pane_key_reaches_the_new_pane(session: SessionManager) -> None:
    app = make_app(Settings(), session, scan_on_start=False)
    async with app.run_test(size=SIZE) as pilot:
        tabs = app.screen.query_one("#panes", TabbedContent)
        log = app.screen.query_one(LogView)
        assert await wait_until(pilot, lambda: app.focused is not None)
        _burst(app, "3", "p")  # the Streams pane, then its "Pause log"
        assert await wait_until(pilot, lambda: log.paused), "the p was lost"
        assert tabs.active == "streams"
        assert app.focused is log

        _burst(app, "1", "slash")  # back to Scan, then its filter field
        field = app.screen.query_one("#filter-text", Input)
        assert await wait_until(pilot, lambda: app.focused is field), "the / was lost"
        assert tabs.active == "scan"

        # Typed on into that field: the keys after the pane key keep their order.
        _burst(app, "escape", "3", "1", "slash", "a", "b")
        assert await wait_until(pilot, lambda: field.value == "ab")
        assert tabs.active == "scan"

"""The command palette as a new user reads it: every pane's actions (the Security pane's
lab and bond buttons too), no Textual housekeeping (focus next, copy), a pane's command
shows its pane, and a theme chosen there is saved in the config file."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from textual.command import CommandPalette
from textual.widgets import TabbedContent

from blebench import paths
from blebench.session.manager import SessionManager
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from blebench.ui import settings as settings_mod
from blebench.ui.factory import make_app
from blebench.ui.security.pane import SecurityPane
from tests.ui.app_harness import SIZE, opened_session, palette_offers, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    async with opened_session((PulseHrm(),)) as manager:
        yield manager


async def test_palette_lists_every_action_and_runs_them_in_their_pane(
    session: SessionManager,
) -> None:
    app = make_app(settings_mod.load(), session, scan_on_start=False)
    async with app.run_test(size=SIZE) as pilot:
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        titles = set(commands)
        for wanted in (
            "Scan: Connect", "Scan: Active/passive", "GATT: Read", "GATT: Read all",
            "Streams: Export", "Streams: Console", "Security: Pair",
            "Security: Run the current combination in the pairing lab",
            "Security: Export the bonds with their keys…", "Security: Delete the selected bond…",
            "Go: Streams", "Go: btsnoop capture on/off", "Theme: blebench-light",
        ):
            assert wanted in titles, wanted
        for unwanted in ("Focus Next", "Focus Previous", "Copy selected text", "Leave the field"):
            assert not any(unwanted in title for title in titles), unwanted

        # A pane's command shows its pane: the user sees what it did.
        tabs = app.screen.query_one("#panes", TabbedContent)
        assert tabs.active == "scan"
        await commands["GATT: Read"].callback()
        await pilot.pause()
        assert tabs.active == "gatt"
        assert any("Connect to a device first" in n.message for n in app._notifications)  # noqa: SLF001

        commands["Security: Run the current combination in the pairing lab"].callback()
        await pilot.pause()
        assert tabs.active == "security"
        security = app.screen.query_one(SecurityPane)
        assert security.query_one("#security-tabs", TabbedContent).active == "tab-lab"
        assert await wait_until(pilot, lambda: "pairing in the lab" not in str(
            security.query_one("#lab-compare").render()), steps=300)


async def test_theme_from_the_palette_is_saved(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session, scan_on_start=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        assert await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"Theme: blebench-light")
        assert await wait_until(pilot, lambda: palette_offers(app, "Theme: blebench-light"))
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: app.theme == "blebench-light")
        assert not isinstance(app.screen, CommandPalette)
    assert 'theme = "blebench-light"' in paths.config_file().read_text()
    assert settings_mod.load().ui.theme == "blebench-light"

"""The App over the virtual world: panes, the live device list, filters, the scan mode,
the advertising detail, hostile names shown literally, the palette and themes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from textual.widgets import Input, TabbedContent

from blebench.session.manager import SessionManager
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from blebench.sim.catalogue.uart_bridge import UartBridge
from blebench.ui import settings as settings_mod
from blebench.ui.factory import make_app
from blebench.ui.scan.pane import ScanPane
from blebench.ui.status import StatusBar
from tests.ui.app_harness import (
    HOSTILE_DEVICES,
    SIZE,
    cell_text,
    opened_session,
    screen_text,
    table_of,
    wait_until,
)

pytestmark = pytest.mark.slow

PULSE = PulseHrm.address.upper()
PWN = "C4:00:00:00:00:01"
CLOSING_TAG = "C4:00:00:00:00:02"


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    async with opened_session((PulseHrm(), UartBridge()), sim_devices=HOSTILE_DEVICES) as manager:
        yield manager


async def test_devices_panes_and_status(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: len(table_of(app).rows) >= 4)
        tabs = app.screen.query_one("#panes", TabbedContent)
        labels = [str(tab.label) for tab in tabs.query_one("#panes Tabs").query("Tab")]
        assert labels == ["Scan", "GATT", "Streams", "Security", "Peripheral"]
        assert cell_text(app, PULSE, "name") == "Pulse HRM"
        assert cell_text(app, PULSE, "type") == "public"
        assert cell_text(app, PULSE, "connectable") == "yes"
        assert cell_text(app, PULSE, "rssi").endswith("dBm")
        assert await wait_until(pilot, lambda: "4 devices" in screen_text(app))
        status = app.screen.query_one(StatusBar)
        assert status.info.virtual and status.info.scanning == "active"
        await pilot.press("q")
    assert app.return_code == 0  # None: `q` did not quit (run_test shut the App down)


async def test_hostile_names_are_shown_literally(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_until(
            pilot, lambda: PWN in table_of(app).rows and CLOSING_TAG in table_of(app).rows
        )
        assert cell_text(app, CLOSING_TAG, "name").startswith("[/]")
        assert cell_text(app, PWN, "name").startswith("[bold red]PWN[/]\\x1b]0;pwn")
        # The detail view of the same device, from the list.
        table = table_of(app)
        table.focus()
        table.move_cursor(row=table.get_row_index(PWN))
        # Wait for the detail's own line: the list row shows part of the name too, so a
        # looser wait could look before the detail view has followed the cursor.
        literal = "name: [bold red]PWN[/]\\x1b]0;pwned\\x07"
        assert await wait_until(pilot, lambda: literal in screen_text(app))
        shown = screen_text(app)
        assert literal in shown
        assert "\x1b" not in shown and "\x07" not in shown
        assert app.title == "blebench"


async def test_filters_sort_and_passive_mode(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        assert await wait_until(pilot, lambda: len(table.rows) >= 4)
        await pilot.press("slash")
        await pilot.press(*"pulse")
        assert list(table.rows) == [PULSE]
        assert "1 shown · 4 now, 4 seen" in screen_text(app)
        await pilot.press("enter", "x")  # back to the list, clear the filters
        assert len(table.rows) == 4
        filters = app.screen.query_one("#filter-uuid", Input)
        filters.value = "180d"
        await pilot.pause()
        # The heart rate service: Pulse HRM's, and the one in the hostile device's response.
        assert {key.value for key in table.rows} == {PULSE, CLOSING_TAG}
        filters.value = ""
        app.screen.query_one("#filter-rssi", Input).value = "abc"
        await pilot.pause()
        assert len(table.rows) == 4  # a bad minimum RSSI is refused, not applied
        app.screen.query_one("#filter-rssi", Input).value = ""
        table.focus()
        await pilot.press("a")
        pane = app.screen.query_one(ScanPane)
        assert pane.scanning == "passive"
        assert await wait_until(pilot, lambda: session.scan_active is False)
        assert settings_mod.load().scan.mode == "passive"  # persisted
        await pilot.press("o")
        assert settings_mod.load().scan.sort == "name"


async def test_scan_response_side_by_side(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        assert await wait_until(
            pilot,
            lambda: PULSE in table.rows and cell_text(app, PULSE, "name") == "Pulse HRM",
        )
        table.focus()
        table.move_cursor(row=table.get_row_index(PULSE))

        def name_in_scan_response() -> bool:
            # Waits for the state asserted, not for a time: the detail shown first may be
            # another device's (a hostile one has its name in the ADV, on the left).
            shown = screen_text(app)
            lines = shown.splitlines()
            summary = next((i for i, line in enumerate(lines) if "Pulse HRM  A0:" in line), None)
            names = [line for line in lines if "Complete Local Name" in line]
            return (summary is not None and "Advertising data" in shown
                    and "Scan response" in shown and len(names) == 1
                    # Both payloads on the same lines: the name is in the SCAN_RSP, right.
                    and names[0].index("Complete Local Name") > len(names[0]) // 2)

        assert await wait_until(pilot, name_in_scan_response)
        # A malformed structure is marked, the valid ones around it still decoded. Closing Tag
        # advertises more slowly than Pulse HRM: its row may not be there yet.
        assert await wait_until(pilot, lambda: CLOSING_TAG in table.rows)
        table.move_cursor(row=table.get_row_index(CLOSING_TAG))
        assert await wait_until(
            pilot,
            lambda: "runs past the end" in screen_text(app)
            and "1 malformed structure" in screen_text(app),
        )


async def test_palette_lists_actions_and_switches_theme(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for wanted in (
            "Scan: Active/passive",
            "Scan: Connect",
            "GATT: Read",
            "GATT: Subscribe",
            "Go: GATT",
            "Theme: blebench-light",
        ):
            assert wanted in titles, wanted
        command = next(
            c for c in app.get_system_commands(app.screen) if c.title == "Theme: blebench-light"
        )
        command.callback()
        await pilot.pause()
        assert app.theme == "blebench-light"
        assert settings_mod.load().ui.theme == "blebench-light"
        go = next(c for c in app.get_system_commands(app.screen) if c.title == "Go: GATT")
        await go.callback()
        assert app.screen.query_one(TabbedContent).active == "gatt"


async def test_problems_with_user_files_are_shown_once(session: SessionManager) -> None:
    from blebench import paths

    paths.user_themes_dir().mkdir(parents=True)
    (paths.user_themes_dir() / "bad.toml").write_text('name = "bad"\nprimary = "nope"\n')
    paths.config_file().parent.mkdir(parents=True)
    paths.config_file().write_text('[ui]\ntheme = "gone"\n')
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        notes = list(app._notifications)  # noqa: SLF001 - what the user was shown
        assert len(notes) == 1
        message = notes[0].message
        assert "bad.toml: primary: 'nope' is not a colour" in message
        assert "theme 'gone'" in message
        assert app.theme == "blebench-dark"

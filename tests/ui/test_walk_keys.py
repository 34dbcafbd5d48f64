"""Keys as a new user presses them: 1-4 switch panes from wherever the focus is, the pane
shown gets the focus (so its keys and footer work at once, and come back where they were),
Escape leaves a text field, and no pane binds a key the App or the screen already uses."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from textual.widget import Widget
from textual.widgets import Footer, Input, TabbedContent

from blebench.session.manager import SessionManager
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from blebench.ui import settings as settings_mod
from blebench.ui.factory import make_app
from blebench.ui.main_screen import PANES, MainScreen
from tests.ui.app_harness import SIZE, opened_session, screen_text, wait_until

pytestmark = pytest.mark.slow

DIGIT = {spec.id: spec.key for spec in PANES}
HOME_FOCUS = {spec.id: spec.home_focus for spec in PANES}


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    # The keys need no device on the air: a quiet world keeps these tests quick.
    async with opened_session((PulseHrm(),)) as manager:
        yield manager


async def test_digits_switch_panes_from_every_widget(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session, scan_on_start=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        tabs = screen.query_one("#panes", TabbedContent)
        for pane in DIGIT:
            await pilot.press(DIGIT[pane])
            await pilot.pause()
            chain = [w for w in screen.focus_chain if screen.pane_of(w) == pane]
            # The pane's first and last focusable widgets that are not text fields (a
            # table, a Select, a Checkbox, a scroll box, a button).
            plain = [w for w in chain if not isinstance(w, Input)]
            targets = [plain[0], plain[-1]] if len(plain) > 1 else plain
            if pane == "security":
                targets.append(screen.query_one("#our-mitm"))  # where the walk got stuck
            assert targets, f"nothing to focus in {pane}"
            other = "scan" if pane != "scan" else "streams"
            for widget in targets:
                assert isinstance(widget, Widget)
                tabs.active = pane
                widget.focus()
                await pilot.pause()
                await pilot.press(DIGIT[other])
                # Was: focus handed to a sibling in the hidden pane, which pulled its tab
                # back (from a Checkbox, a Select, a scroll box...): the key did nothing.
                assert tabs.active == other, f"{DIGIT[other]} from {widget!r} stayed on {pane}"
                focused = app.focused
                assert focused is not None and screen.pane_of(focused) == other


async def test_pane_shown_gets_the_focus_and_footer_keys(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session, scan_on_start=False)
    async with app.run_test(size=SIZE) as pilot:
        for pane in ("gatt", "streams", "security", "scan"):
            await pilot.press(DIGIT[pane])
            await pilot.pause()
            focused = app.focused
            assert focused is not None and f"#{focused.id}" == HOME_FOCUS[pane], pane
        # The Scan pane's keys are in the footer and work: Enter on the list connects.
        footer = screen_text(app).splitlines()[-1]
        assert "Connect" in footer and "Sort" in footer
        # Where the focus was in a pane is where it comes back.
        await pilot.press("3")
        # The pane gives its home widget the focus once shown (after a refresh): wait for
        # that before moving the focus, or it lands after the move (seen pinned to one
        # core under coverage).
        assert await wait_until(
            pilot, lambda: app.focused is not None and f"#{app.focused.id}" == HOME_FOCUS["streams"]
        )
        app.screen.query_one("#stream-table").focus()
        assert await wait_until(pilot, lambda: app.focused is not None and app.focused.id == "stream-table")
        await pilot.press("1", "3")
        assert await wait_until(pilot, lambda: app.focused is not None and app.focused.id == "stream-table")
        assert app.screen.query(Footer)


async def test_escape_leaves_a_text_field(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session, scan_on_start=False)
    async with app.run_test(size=SIZE) as pilot:
        tabs = app.screen.query_one("#panes", TabbedContent)
        fields = {
            "scan": "#filter-company",
            "gatt": "#editor-value",
            "streams": "#console-request",
            "security": "#pair-target",
        }
        for pane, field in fields.items():
            tabs.active = pane
            await pilot.pause()
            app.screen.query_one(field, Input).focus()
            await pilot.pause()
            # In a field, digits are text: "2" is typed, the pane stays.
            await pilot.press("2")
            await pilot.pause()
            assert tabs.active == pane
            assert app.screen.query_one(field, Input).value.endswith("2")
            if pane != "streams":  # there Escape is the pane's own "back to the log"
                assert "Leave the field" in screen_text(app).splitlines()[-1]
            await pilot.press("escape")
            await pilot.pause()
            focused = app.focused
            assert focused is not None and f"#{focused.id}" == HOME_FOCUS[pane], pane
            assert "Leave the field" not in screen_text(app).splitlines()[-1]
            app.screen.query_one(field, Input).value = ""


async def test_no_pane_binds_a_global_key(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session, scan_on_start=False)
    async with app.run_test(size=SIZE):
        screen = app.screen
        assert isinstance(screen, MainScreen)
        global_keys = set(app._bindings.key_to_bindings) | {"1", "2", "3", "4", "tab", "shift+tab"}
        global_keys |= {"ctrl+p", "ctrl+q", "ctrl+c", "q"}
        for pane in DIGIT:
            node = screen.query_one(f"#{pane}-pane")
            for widget in [node, *node.query("*")]:
                for key in widget._bindings.key_to_bindings:
                    # Stock widgets' own keys (Input's ctrl+c copy...) are theirs to keep.
                    if type(widget).__module__.startswith("textual."):
                        continue
                    assert key not in global_keys, f"{type(widget).__name__} binds {key}"


async def test_short_terminal_keeps_room_for_the_device_list(session: SessionManager) -> None:
    from blebench.ui.scan.detail import AdvertisementDetail
    from blebench.ui.scan.table import DeviceTable

    app = make_app(settings_mod.load(), session, scan_on_start=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DeviceTable)
        detail = app.screen.query_one(AdvertisementDetail)
        # Was 6 rows of devices under a detail taking 55% of the pane.
        assert table.size.height >= 10
        assert detail.size.height >= 8
        await pilot.resize_terminal(200, 60)
        await pilot.pause()
        assert app.screen.query_one(AdvertisementDetail).size.height > 20

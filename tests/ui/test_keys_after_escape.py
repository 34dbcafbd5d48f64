"""A key typed right after Escape goes to the pane, not to the text field left.

A terminal delivers keys as fast as they are typed, and under load they wait in the App's
queue together; tmux (and a quick typist) even send Escape and the next key in one read,
which Textual's own parser reads as Alt+key. Either way the user pressed Escape, then a
pane key, and expects the pane key to act (the review's `p` appended to the console
request, `1/` typed into the pair field)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from textual import events
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.pilot import Pilot
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


def terminal_keys(typed: str) -> list[events.Key]:
    """The keys Textual makes of bytes read from the terminal in one go."""
    parser = XTermParser()
    keys = [e for e in parser.feed(typed) if isinstance(e, events.Key)]
    keys += [e for e in parser.feed("") if isinstance(e, events.Key)]  # no more bytes
    return keys


async def _in_console_request(app: App[int], pilot: Pilot[int]) -> Input:
    await pilot.press("3", "i")
    request = app.screen.query_one("#console-request", Input)
    assert await wait_until(pilot, lambda: app.focused is request)
    await pilot.press(*"55aa")
    assert request.value == "55aa"
    return request


def _burst(app: App[int], keys: list[events.Key]) -> None:
    """Keys queued at once, as the terminal's input thread hands them to the App."""
    for key in keys:
        key.set_sender(app)
        app.post_message(key)


async def test_pane_key_right_after_escape_switches_the_pane(session: SessionManager) -> None:
    app = make_app(Settings(), session, scan_on_start=False)
    async with app.run_test(size=SIZE) as pilot:
        request = await _in_console_request(app, pilot)
        _burst(app, [events.Key("escape", "\x1b"), events.Key("1", "1")])
        tabs = app.screen.query_one("#panes", TabbedContent)
        assert await wait_until(pilot, lambda: tabs.active == "scan")
        assert request.value == "55aa", "the 1 went into the field"


async def test_escape_and_key_in_one_read_is_escape_then_the_key(session: SessionManager) -> None:
    # ESC p within the terminal's escape delay: Textual reads it as Alt+p.
    keys = terminal_keys("\x1bp")
    assert [k.key for k in keys] == ["alt+p"]
    app = make_app(Settings(), session, scan_on_start=False)
    async with app.run_test(size=SIZE) as pilot:
        request = await _in_console_request(app, pilot)
        log = app.screen.query_one(LogView)
        assert not log.paused
        _burst(app, keys)
        assert await wait_until(pilot, lambda: log.paused)  # p: the Streams pane's "Pause log"
        assert app.focused is log
        assert request.value == "55aa", "the p went into the field"


async def test_escape_and_a_digit_in_one_read_switches_the_pane(session: SessionManager) -> None:
    # tmux's `send-keys Escape 1` (and a quick typist under its escape-time): ESC 1 in one
    # read. Textual alone made it '¡' (macOS's Option+1) and the field took it.
    app = make_app(Settings(), session, scan_on_start=False)
    keys = terminal_keys("\x1b1")
    assert [k.key for k in keys] == ["alt+1"]
    async with app.run_test(size=SIZE) as pilot:
        request = await _in_console_request(app, pilot)
        _burst(app, keys)
        tabs = app.screen.query_one("#panes", TabbedContent)
        assert await wait_until(pilot, lambda: tabs.active == "scan")
        assert request.value == "55aa"


async def test_keys_typed_after_escape_keep_their_order(session: SessionManager) -> None:
    # Escape, 4 (Security), then 3 (back to Streams): the last pane typed is the one shown,
    # and neither digit is in the field.
    app = make_app(Settings(), session, scan_on_start=False)
    async with app.run_test(size=SIZE) as pilot:
        request = await _in_console_request(app, pilot)
        _burst(app, [events.Key("escape", "\x1b"), events.Key("4", "4"), events.Key("3", "3")])
        tabs = app.screen.query_one("#panes", TabbedContent)
        # The focus leaves the field only once the Escape is handled; the digits typed
        # after it must not have gone into the field meanwhile.
        assert await wait_until(pilot, lambda: app.focused not in (None, request))
        assert request.value == "55aa"
        await pilot.pause()
        assert await wait_until(pilot, lambda: tabs.active == "streams" and app.focused not in (None, request))
        assert request.value == "55aa"

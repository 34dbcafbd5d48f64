"""The pairing prompts: each delegate question is a modal the user answers with keys."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult
from textual.widgets import Static

from blebench.ui.security.prompts import (
    JustWorksPrompt,
    NumericComparisonPrompt,
    PasskeyDisplayPrompt,
    PasskeyEntryPrompt,
    TuiPairingDelegate,
)

SIZE = (100, 30)
HOSTILE = "[bold red]PWN[/]\x1b]0;pwned\x07"


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("host")


async def test_passkey_entry_returns_the_typed_number() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        delegate = TuiPairingDelegate(app)
        answer = asyncio.ensure_future(delegate.request_passkey("Smart Lock"))
        await pilot.pause()
        assert isinstance(app.screen, PasskeyEntryPrompt)
        await pilot.press(*"123456", "enter")
        assert await answer == 123456
        assert not isinstance(app.screen, PasskeyEntryPrompt)


async def test_passkey_entry_refuses_letters_and_escape_cancels() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        delegate = TuiPairingDelegate(app)
        answer = asyncio.ensure_future(delegate.request_passkey("Smart Lock"))
        await pilot.pause()
        await pilot.press(*"12ab", "enter")
        await pilot.pause()
        # Letters never reach the field; a too-short passkey still parses (leading zeros).
        assert answer.done() and answer.result() == 12
        answer = asyncio.ensure_future(delegate.request_passkey("Smart Lock"))
        await pilot.pause()
        await pilot.press("escape")
        assert await answer is None
        assert delegate.asked == [("request_passkey", 12), ("request_passkey", None)]


async def test_numeric_comparison_shows_the_number_and_takes_yes_or_no() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        delegate = TuiPairingDelegate(app)
        answer = asyncio.ensure_future(delegate.confirm_numeric("Watch", 42))
        await pilot.pause()
        assert isinstance(app.screen, NumericComparisonPrompt)
        assert str(app.screen.query_one("#prompt-number", Static).render()) == "000042"
        await pilot.press("y")
        assert await answer is True
        answer = asyncio.ensure_future(delegate.confirm_numeric("Watch", 999999))
        await pilot.pause()
        await pilot.click("#prompt-no")
        assert await answer is False


async def test_just_works_needs_consent() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        delegate = TuiPairingDelegate(app)
        answer = asyncio.ensure_future(delegate.confirm_just_works("Tag"))
        await pilot.pause()
        assert isinstance(app.screen, JustWorksPrompt)
        await pilot.press("escape")
        assert await answer is False


async def test_passkey_display_does_not_block_and_closes_when_pairing_ends() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        delegate = TuiPairingDelegate(app)
        await asyncio.wait_for(delegate.display_passkey("Keyboard", 7), 2.0)
        await pilot.pause()
        assert isinstance(app.screen, PasskeyDisplayPrompt)
        assert str(app.screen.query_one("#prompt-number", Static).render()) == "000007"
        await delegate.keypress("Keyboard", "digit-entered")
        await pilot.pause()
        assert "digit entered" in str(app.screen.query_one("#prompt-keys", Static).render())
        delegate.close()
        await pilot.pause()
        assert not isinstance(app.screen, PasskeyDisplayPrompt)


async def test_a_hostile_peer_name_is_shown_literally() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        delegate = TuiPairingDelegate(app)
        answer = asyncio.ensure_future(delegate.confirm_just_works(HOSTILE))
        await pilot.pause()
        texts = [str(w.render()) for w in app.screen.query(Static)]
        assert any("[bold red]PWN[/]\\x1b]0;pwned\\x07" in t for t in texts)
        assert not any("\x1b" in t for t in texts)
        await pilot.press("escape")
        await answer

"""The CLI's pairing prompts (`commands/prompts.py`): what a person at the terminal sees and
what their answers give; a closed stdin cancels in words; no input here asks nobody."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

from blebench.commands.prompts import JUST_WORKS_ACCEPTED, TerminalDelegate
from blebench.pairing.delegate import PairingDelegate
from blebench.pairing.models import IoCapability

PEER = "Smart Lock (C7:42:9B:D0:66:1E)"


def typed(*lines: str) -> Callable[[str], str]:
    """A reader that answers with these lines, then as a closed stdin does."""
    answers: Iterator[str] = iter(lines)

    def read(_prompt: str) -> str:
        try:
            return next(answers)
        except StopIteration:
            raise EOFError from None

    return read


def delegate(*lines: str, **kwargs: object) -> tuple[TerminalDelegate, io.StringIO]:
    out = io.StringIO()
    return TerminalDelegate(out=out, reader=typed(*lines), **kwargs), out  # type: ignore[arg-type]


def test_it_is_a_pairing_delegate() -> None:
    assert isinstance(TerminalDelegate(), PairingDelegate)


async def test_just_works_with_no_input_asks_nobody() -> None:
    prompts, out = delegate(io=IoCapability.NO_INPUT_NO_OUTPUT)  # nothing to read
    assert await prompts.confirm_just_works(PEER) is True
    assert out.getvalue().strip() == JUST_WORKS_ACCEPTED
    assert "[y/n]" not in out.getvalue()


async def test_just_works_is_asked_with_an_input_and_a_bad_answer_asked_again() -> None:
    prompts, out = delegate("maybe", "y", io=IoCapability.KEYBOARD_DISPLAY)
    assert await prompts.confirm_just_works(PEER) is True
    text = out.getvalue()
    assert text.count("using Just Works (no MITM protection)? [y/n]") == 2
    assert "Please answer y or n." in text


async def test_preset_answers_skip_the_prompts_and_say_so() -> None:
    prompts, out = delegate(confirm=False, passkey=123456)
    assert await prompts.confirm_just_works(PEER) is False
    assert await prompts.confirm_numeric(PEER, 42) is False
    assert await prompts.request_passkey(PEER) == 123456
    text = out.getvalue()
    assert "Just Works pairing with Smart Lock (C7:42:9B:D0:66:1E): refused (--confirm)." in text
    assert "000042, rejected (--confirm)" in text
    assert "Typing passkey 123456" in text


async def test_numeric_comparison_is_asked() -> None:
    prompts, out = delegate("yes")
    assert await prompts.confirm_numeric(PEER, 7) is True
    assert "show 000007? [y/n]" in out.getvalue()


async def test_a_passkey_is_retyped_until_it_is_one() -> None:
    prompts, out = delegate("12x", " 654 321 ")
    assert await prompts.request_passkey(PEER) == 654321
    assert "a passkey is 1 to 6 digits" in out.getvalue()


async def test_an_empty_passkey_cancels_and_three_bad_ones_give_up() -> None:
    empty, _ = delegate("")
    assert await empty.request_passkey(PEER) is None
    bad, out = delegate("x", "y", "z", "123456")
    assert await bad.request_passkey(PEER) is None
    assert out.getvalue().count("a passkey is 1 to 6 digits") == 3


async def test_a_closed_stdin_cancels_in_words() -> None:
    prompts, out = delegate()  # EOF at once
    assert await prompts.confirm_numeric(PEER, 1) is False
    assert "no answer: stdin is closed; give it with --passkey N or --confirm yes|no" in out.getvalue()
    assert await prompts.request_passkey(PEER) is None


async def test_displayed_passkeys_and_keypresses_are_shown_with_the_peer_escaped() -> None:
    prompts, out = delegate()
    await prompts.display_passkey("Lock\x1b[2J", 1234)
    await prompts.keypress(PEER, "digit-entered")
    text = out.getvalue()
    assert "Type this passkey on Lock\\x1b[2J: 001234" in text
    assert "\x1b" not in text
    assert f"  {PEER}: digit entered" in text

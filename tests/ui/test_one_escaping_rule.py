"""The CLI (`decode.text.printable`) and the TUI (`ui.safe_text`) show a string from the air
by one rule: U+200B and U+FEFF, bidi marks, controls and line separators escaped alike."""

from __future__ import annotations

import pytest

from blebench.decode.text import printable
from blebench.ui.safe_text import ESCAPE_STYLE, safe_plain, safe_text

HOSTILE = [
    "Zero\u200bWidth",
    "\ufeffBOM name",
    "evil\u202etxt.exe",
    "line\u2028break",
    "\x1b]0;pwned\x07",
    "nbsp\u00a0here",
    "tab\tand\r\n",
    "caf\u00e9 \U0001f600",
    "x" * 300,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_cli_and_tui_show_the_same_characters(text: str) -> None:
    assert safe_plain(text, max_len=120) == printable(text, limit=120)


def test_format_characters_are_escaped_and_styled_in_the_tui() -> None:
    shown = safe_text("a\u200bb\ufeffc")
    assert shown.plain == "a\\u200bb\\ufeffc"
    assert [shown.plain[s.start : s.end] for s in shown.spans if s.style == ESCAPE_STYLE] == [
        "\\u200b",
        "\\ufeff",
    ]


def test_an_undecodable_byte_is_shown_as_that_byte_in_both() -> None:
    raw = b"ok\x80\xff"
    assert safe_plain(raw) == "ok\\x80\\xff"
    assert printable(raw.decode("utf-8", "surrogateescape")) == "ok\\x80\\xff"

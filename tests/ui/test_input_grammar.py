"""The TUI's request console reads what is typed as `blebench console` does (one grammar)."""

from __future__ import annotations

import pytest

from blebench.ui.streams.console import RequestError, parse_request
from blebench.userinput import ValueParseError, parse_value


@pytest.mark.parametrize(
    ("mode", "typed"),
    [
        ("text", r"AT\r\n"),
        ("text", r"\x01\x02ok"),
        ("text", r"q\"\'"),
        ("hex", "55 aa:01"),
        ("hex", "0x0102"),
    ],
)
def test_console_sends_the_bytes_the_cli_would(mode: str, typed: str) -> None:
    assert parse_request(mode, typed) == parse_value(typed, mode)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mode", "typed"), [("text", r"a\q"), ("text", "a\\"), ("hex", "5g"), ("hex", "abc")]
)
def test_console_refuses_what_the_cli_refuses(mode: str, typed: str) -> None:
    with pytest.raises(ValueParseError) as cli:
        parse_value(typed, mode)  # type: ignore[arg-type]
    with pytest.raises(RequestError) as tui:
        parse_request(mode, typed)
    # The same words; only the hint for text typed in hex mode names each face's switch.
    assert str(tui.value).split(" (")[0] == str(cli.value).split(" (")[0]

"""One reader for typed hex and one grammar for typed text (blebench.userinput), used by
every face: `write`, `console --text`, `--match`, device files, `decode`."""

from __future__ import annotations

import pytest

from blebench.errors import UserInputError
from blebench.session.console import MatchSpecError, ReplyMatcher
from blebench.userinput import ValueParseError, parse_text, parse_value, read_hex


@pytest.mark.parametrize(
    "typed",
    ["0a1bff", "0A 1B FF", "0a:1b:ff", "0x0a1bff", "0a-1b_ff", "0a,1b,ff", " 0a\t1b ff\n"],
)
def test_hex_separators_and_prefix_are_dropped(typed: str) -> None:
    assert read_hex(typed) == b"\x0a\x1b\xff"


def test_hex_errors_say_where_and_why() -> None:
    with pytest.raises(ValueParseError, match=r"'g' at position 4 is not a hex digit"):
        read_hex("0x0g")
    with pytest.raises(ValueParseError, match="3 hex digits, an odd number"):
        read_hex("0a1")
    assert issubclass(ValueParseError, UserInputError) and issubclass(ValueParseError, ValueError)


def test_match_specs_and_device_files_read_hex_the_same_way() -> None:
    assert (
        ReplyMatcher.parse(["prefix:55,aa"]).describe()
        == ReplyMatcher.parse(["prefix:55aa"]).describe()
    )
    with pytest.raises(MatchSpecError, match="not a hex digit"):
        ReplyMatcher.parse(["prefix:5g"])


def test_text_escapes_are_one_strict_grammar() -> None:
    assert parse_text(r"AT\r\n\x00\t\\\"'") == b"AT\r\n\x00\t\\\"'"
    assert parse_text("é") == "é".encode()
    with pytest.raises(ValueParseError, match="unknown escape"):
        parse_text(r"a\q")
    with pytest.raises(ValueParseError, match="lone backslash"):
        parse_text("a\\")
    assert parse_value(r"hi\n", "text") == b"hi\n"

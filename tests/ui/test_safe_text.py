"""safe_text: hostile strings from the air are shown literally, escaped and bounded."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from blebench.ui.safe_text import ESCAPE_STYLE, safe_plain, safe_text

OSC_TITLE = "\x1b]0;pwned\x07"


def _rendered(value: str) -> str:
    """What a terminal would receive for the text, with colours on."""
    console = Console(force_terminal=True, color_system="truecolor", width=200)
    with console.capture() as capture:
        console.print(safe_text(value))
    return capture.get()


def test_markup_is_shown_literally() -> None:
    assert safe_text("[bold red]PWN[/]").plain == "[bold red]PWN[/]"
    assert safe_text("[/]").plain == "[/]"
    assert safe_text("[/]").spans == []


def test_osc_title_sequence_is_escaped_and_never_reaches_the_terminal() -> None:
    text = safe_text("[bold red]PWN[/]" + OSC_TITLE)
    assert text.plain == "[bold red]PWN[/]\\x1b]0;pwned\\x07"
    out = _rendered("[bold red]PWN[/]" + OSC_TITLE)
    assert "\x07" not in out
    assert "\x1b]" not in out


def test_escapes_are_styled_apart_from_a_literal_backslash() -> None:
    typed = safe_text("\\x1b")  # the device really sent backslash, x, 1, b
    sent = safe_text("\x1b")
    assert typed.plain == sent.plain == "\\x1b"
    assert typed.spans == []
    assert [span.style for span in sent.spans] == [ESCAPE_STYLE]


def test_c1_controls_and_del_are_escaped() -> None:
    assert safe_plain("a\x9b31mb\x7f\x85") == "a\\x9b31mb\\x7f\\x85"


def test_bidi_overrides_and_isolates_are_neutralised() -> None:
    value = "user\u202etxt.exe\u2066x\u2069\u200f"
    assert safe_plain(value) == "user\\u202etxt.exe\\u2066x\\u2069\\u200f"


def test_undecodable_bytes_show_as_hex() -> None:
    assert safe_plain(b"ab\xff\xfec") == "ab\\xff\\xfec"
    assert safe_plain(b"caf\xc3\xa9") == "café"


def test_length_is_bounded_with_a_visible_cut() -> None:
    text = safe_text("y" * 10_000, max_len=20)
    assert len(text.plain) == 20
    assert text.plain.endswith("…")
    assert safe_plain("exactly20-characters", max_len=20) == "exactly20-characters"


def test_an_escape_is_never_cut_in_half() -> None:
    plain = safe_plain("abcdefgh\x1bzz", max_len=10)
    assert plain == "abcdefgh…"


def test_none_is_empty() -> None:
    assert safe_plain(None) == ""


@given(st.text(max_size=300))
def test_any_string_gives_no_control_or_bidi_character(value: str) -> None:
    plain = safe_plain(value, max_len=400)
    for char in plain:
        code = ord(char)
        assert code >= 0x20 and not (0x7F <= code <= 0x9F)
        assert not (0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069)
    assert len(plain) <= 400

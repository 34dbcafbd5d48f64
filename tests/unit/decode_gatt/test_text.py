"""decode.text.printable: the one plain-text rule for strings from the air (CLI, summaries)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from blebench.decode.text import printable


def test_escapes_are_visible_and_nothing_is_obeyed() -> None:
    shown = printable("\x1b]0;pwned\x07Lock\u202e\n")
    assert shown == "\\x1b]0;pwned\\x07Lock\\u202e\\x0a"


def test_a_cut_ends_in_an_ellipsis_within_the_limit() -> None:
    assert printable("a" * 20, 20) == "a" * 20
    assert printable("a" * 21, 20) == "a" * 19 + "…"
    assert printable("\x1b" * 10, 9) == "\\x1b\\x1b…"  # an escape is never split


@given(st.text(), st.integers(min_value=1, max_value=300))
def test_any_text_gives_a_bounded_printable_line(text: str, limit: int) -> None:
    shown = printable(text, limit)
    assert len(shown) <= limit and shown.isprintable()

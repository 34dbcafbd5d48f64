"""The one way the UI shows a string that came over the air (names, values, descriptors).

Such strings are hostile until shown otherwise: `[bold red]PWN[/]` must not become Rich or
Textual markup, `\\x1b]0;pwned\\x07` must not reach the terminal as an escape sequence
(it would retitle the window), a right-to-left override must not reorder what follows it,
and a 10 kB "name" must not blow up a table row. `safe_text()` returns a `rich.text.Text`
built by appending plain strings (never parsed as markup), with every such character
replaced by a visible escape (`\\x1b`, `\\x85`, `\\u202e`) drawn in its own style so
that a literal backslash typed by the device is told apart from an escape of ours. Which
characters are escaped, and how, is the CLI's rule (`blebench.decode.text.escape_of`: what
`str.isprintable()` refuses), so both faces show a name alike (U+200B and U+FEFF too).

Every widget that shows an untrusted string passes it through here. Plain `str` handed to
a Textual widget (Label, Static, Tree labels, DataTable cells, notify) is parsed as
markup, so widgets hand these `Text` objects over instead.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from blebench.decode.text import escape_of as _escape_of

# How the escapes we insert look: distinct from the device's own characters.
ESCAPE_STYLE = Style(italic=True, dim=True, reverse=True)
ELLIPSIS = "…"
DEFAULT_MAX_LEN = 120

def _as_str(value: str | bytes | bytearray | memoryview | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    # Undecodable bytes stay visible as \\xNN rather than vanishing into U+FFFD.
    return bytes(value).decode("utf-8", errors="surrogateescape")


def safe_text(
    value: str | bytes | bytearray | memoryview | None,
    *,
    max_len: int = DEFAULT_MAX_LEN,
    style: str | Style = "",
) -> Text:
    """A `Text` that shows `value` literally, escaped where needed, at most `max_len` characters.

    Bytes are decoded as UTF-8 with undecodable bytes shown as `\\xNN`. When the text is
    cut, it ends with an ellipsis so the cut is visible.
    """
    source = _as_str(value)
    limit = max(1, max_len)
    if len(source) <= limit and source.isprintable():
        return Text(source, style=style, no_wrap=True, end="")  # nothing to escape or cut
    text = Text(style=style, no_wrap=True, end="")
    used = 0
    plain_run: list[str] = []

    def flush() -> None:
        if plain_run:
            text.append("".join(plain_run))
            plain_run.clear()

    for index, char in enumerate(source):
        escape = _escape_of(char)
        piece = escape if escape is not None else char
        width = len(piece)
        more_follows = index + 1 < len(source)
        # Keep one cell for the ellipsis whenever something is left after this piece.
        room = limit - used - (1 if more_follows else 0)
        if width > room:
            flush()
            text.append(ELLIPSIS, style=ESCAPE_STYLE)
            return text
        if escape is None:
            plain_run.append(char)
        else:
            flush()
            text.append(escape, style=ESCAPE_STYLE)
        used += width
    flush()
    return text


def safe_plain(
    value: str | bytes | bytearray | memoryview | None, *, max_len: int = DEFAULT_MAX_LEN
) -> str:
    """The same escaping as `safe_text`, as a plain string (for logs, sorting, filtering).

    Never give this string to a widget that parses markup: use `safe_text` there.
    """
    return safe_text(value, max_len=max_len).plain

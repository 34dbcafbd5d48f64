"""Strings from the air as plain text for a terminal line: shown literally, never obeyed.

A device's name, a string characteristic or an error text may hold terminal escapes
(`\\x1b[2J`), newlines, bidi overrides (U+202E) or be very long. `escape_of()` is the one
rule the CLI, the decoders' summaries and the TUI (`ui/safe_text.py`, its Rich version)
share: every character that `str.isprintable()` refuses (controls, format characters such
as U+200B and U+FEFF, bidi marks, line separators, surrogates, unassigned code points)
becomes a visible escape (`\\x1b`, `\\u202e`); an undecodable byte carried by
surrogateescape shows as that byte (`\\x80`). `printable()` applies it and cuts the result
at `limit` characters, an ellipsis marking a cut.
"""

from __future__ import annotations

ELLIPSIS = "…"


def escape_of(char: str) -> str | None:
    """The visible escape for one character, or None when it is shown as it is."""
    if char.isprintable():
        return None
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        # An undecodable byte carried by surrogateescape: show the byte itself.
        return f"\\x{code - 0xDC00:02x}"
    return _escape(code)


def _escape(code: int) -> str:
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: str, limit: int = 200) -> str:
    """`text` with non-printable characters escaped, at most `limit` characters long.

    When something is cut the last character is an ellipsis; an escape is never split.
    """
    limit = max(1, limit)
    if len(text) <= limit and text.isprintable():
        return text  # the common case: nothing to escape, nothing to cut
    out: list[str] = []
    used = 0
    last = len(text) - 1
    for index, char in enumerate(text):
        escape = escape_of(char)
        piece = char if escape is None else escape
        # Keep one character for the ellipsis whenever something follows this piece.
        room = limit - used - (1 if index < last else 0)
        if len(piece) > room:
            out.append(ELLIPSIS)
            break
        out.append(piece)
        used += len(piece)
    return "".join(out)

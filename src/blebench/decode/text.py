"""Strings from the air as plain text for a terminal line: shown literally, never obeyed.

A device's name, a string characteristic or an error text may hold terminal escapes
(`\\x1b[2J`), newlines, bidi overrides (U+202E) or be very long. `printable()` is the one
rule the CLI and the decoders' summaries use: every character that `str.isprintable()`
refuses becomes a visible escape (`\\x1b`, `\\u202e`) and the result is at most `limit`
characters, an ellipsis marking a cut. (The TUI's Rich version is `ui/safe_text.py`.)
"""

from __future__ import annotations

ELLIPSIS = "…"


def _escape(char: str) -> str:
    code = ord(char)
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
        piece = char if char.isprintable() else _escape(char)
        # Keep one character for the ellipsis whenever something follows this piece.
        room = limit - used - (1 if index < last else 0)
        if len(piece) > room:
            out.append(ELLIPSIS)
            break
        out.append(piece)
        used += len(piece)
    return "".join(out)

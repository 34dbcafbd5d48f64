"""A keyboard's line in the GATT pane: the keys held by its last report and the text typed so
far. What a keyboard is and how its reports decode is the session's (blebench.session.hid).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from blebench.decode.hid import shown_text
from blebench.ui.safe_text import safe_text

if TYPE_CHECKING:
    from blebench.session.hid import Keyboard

__all__ = ["MAX_TYPED_SHOWN", "keys_line", "shown_text"]

MAX_TYPED_SHOWN = 120  # the newest characters; the accumulator keeps more


def keys_line(keyboard: Keyboard) -> Text:
    """`⌨ Report 0x0014  keys: none  typed: hello blebench⏎` for the GATT pane."""
    out = Text("⌨ ", style="bold")
    out.append_text(safe_text(keyboard.label, max_len=40, style="bold"))
    out.append(f" 0x{keyboard.handle:04X}", style="dim")
    out.append(f"  {keyboard.reports} report{'s' if keyboard.reports != 1 else ''}", style="dim")
    out.append("   keys: ")
    out.append_text(safe_text(" + ".join(keyboard.last_keys) or "none", max_len=60, style="bold"))
    out.append("\ntyped: ")
    typed = shown_text(keyboard.text)
    if len(typed) > MAX_TYPED_SHOWN:
        typed = "…" + typed[-MAX_TYPED_SHOWN:]
    if typed:
        out.append_text(safe_text(typed, max_len=MAX_TYPED_SHOWN + 1, style="reverse"))
    else:
        out.append("nothing yet", style="dim")
    return out

"""The event log's lines: one a served-device event, stamped, escaped and cut by the
rule every face uses (`decode.text.printable`), so a value or a name from the air can
never reach the terminal as markup or an escape sequence (Textual's `Log` draws plain
text)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from blebench.decode.text import printable

if TYPE_CHECKING:
    from blebench.session.peripheral import EventBatch

MAX_LINE = 400  # characters of one line: a 512-byte write's hex is cut with …
LOG_LINES = 2_000  # the log's bound: a flood scrolls the oldest out

Stamp = Callable[[float], str]


def local_stamp(at: float) -> str:
    """HH:MM:SS.mmm in local time, as `blebench peripheral` prints."""
    return datetime.fromtimestamp(at).strftime("%H:%M:%S.%f")[:-3]


def event_lines(batch: EventBatch, stamp: Stamp = local_stamp,
                bound: int = LOG_LINES) -> list[str]:
    """The lines for one pull, at most `bound`: only the newest events a bounded log would
    keep are formatted, and a flood faster than the pulls says what it skipped."""
    events = batch.events[-(bound - 1):] if len(batch.events) >= bound else batch.events
    skipped = batch.missed + len(batch.events) - len(events)
    lines: list[str] = []
    if skipped:
        lines.append(f"… {skipped} events not shown (more came between two refreshes "
                     "than the log holds)")
    lines.extend(_line(stamp(e.at), e.kind, e.text) for e in events)
    return lines


def _line(stamp: str, kind: str, text: str) -> str:
    return printable(f"{stamp}  {kind:<12} {text}", MAX_LINE)

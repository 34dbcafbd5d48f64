"""The event log's lines: one a served-device event, stamped, escaped and cut by the
rule every face uses (`decode.text.printable`), so a value or a name from the air can
never reach the terminal as markup or an escape sequence (Textual's `Log` draws plain
text)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
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


def event_lines(batch: EventBatch, stamp: Stamp = local_stamp) -> list[str]:
    """The lines for one pull: a flood faster than the pulls says what it skipped."""
    lines: list[str] = []
    if batch.missed:
        lines.append(f"… {batch.missed} events not shown (more than the buffer held "
                     "between two refreshes)")
    lines.extend(_line(stamp(e.at), e.kind, e.text) for e in batch.events)
    return lines


def _line(stamp: str, kind: str, text: str) -> str:
    return printable(f"{stamp}  {kind:<12} {text}", MAX_LINE)


def tail(lines: Iterable[str], bound: int = LOG_LINES) -> list[str]:
    """The newest `bound` lines: a batch longer than the log is cut before it is drawn."""
    kept = list(lines)
    return kept[-bound:]

"""A one-line RSSI sparkline for a table cell (Textual's Sparkline is a whole widget)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

BARS = "▁▂▃▄▅▆▇█"
# A fixed scale, so one device's line is comparable with another's and a steady signal
# stays flat instead of being stretched to full height by noise.
RSSI_FLOOR = -100
RSSI_CEILING = -30


def rssi_sparkline(values: Sequence[int], width: int = 10) -> Text:
    shown = list(values)[-width:]
    span = RSSI_CEILING - RSSI_FLOOR
    chars = []
    for value in shown:
        clamped = min(max(value, RSSI_FLOOR), RSSI_CEILING)
        chars.append(BARS[round((clamped - RSSI_FLOOR) * (len(BARS) - 1) / span)])
    return Text("".join(chars).rjust(width), no_wrap=True)


def rssi_style(rssi: int | None) -> str:
    if rssi is None:
        return "dim"
    if rssi >= -60:
        return "bold green"
    if rssi >= -80:
        return "yellow"
    return "red"

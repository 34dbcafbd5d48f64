"""Decoded fields (the decoder's plain mappings) as one line of text, and as numbers to plot.

Both run only on what is shown (visible log lines, table cells once per tick, plot points
of the chosen field), never per notification of a flood. The text may hold strings from
the air: widgets show it through `safe_text`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

MAX_SUMMARY = 200
# Fields that say how a value is encoded rather than what it is: shown last, plotted last.
_HOUSEKEEPING = frozenset({"flags", "value_format", "raw", "format"})


def is_housekeeping(name: str) -> bool:
    leaf = name.rsplit(".", 1)[-1]
    return leaf in _HOUSEKEEPING or leaf.endswith("_raw")


def _rank(item: tuple[str, Any]) -> int:
    """Numbers first (what a monitor watches: bpm, percent, celsius), then the rest, then
    how the value was encoded."""
    name, value = item
    if is_housekeeping(name):
        return 2
    number = isinstance(value, int | float) and not isinstance(value, bool)
    unit_value = isinstance(value, Mapping) and isinstance(value.get("value"), int | float)
    return 0 if number or unit_value else 1


def _ordered(fields: Mapping[str, Any]) -> list[tuple[str, Any]]:
    return sorted(fields.items(), key=_rank)  # stable: the decoder's order within a rank


def _value_text(value: Any) -> str:
    if isinstance(value, Mapping):
        if "value" in value and set(value) <= {"value", "unit", "name"}:
            unit = value.get("unit")
            return f"{_value_text(value['value'])}{' ' + str(unit) if unit else ''}"
        return "{" + summarize(value) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value_text(v) for v in value) + "]"
    return str(value)


def summarize(fields: Mapping[str, Any] | None, limit: int = MAX_SUMMARY) -> str:
    """`heart_rate_bpm=72, rr_intervals_s=[0.78]`: the decoded fields on one line, what the
    value is first, how it was encoded (flags, raw forms) last."""
    if not fields:
        return ""
    parts: list[str] = []
    used = 0
    for key, value in _ordered(fields):
        part = f"{key}={_value_text(value)}"
        parts.append(part)
        used += len(part) + 2
        if used > limit:
            break
    text = ", ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def numeric_fields(fields: Mapping[str, Any] | None, prefix: str = "") -> Iterator[tuple[str, float]]:
    """Every number in the fields, by dotted name (`heart_rate`, `flags.contact`).

    A `{"value": 72, "unit": "bpm"}` field counts as the number under its own name.
    Booleans are left out: a plot of true/false says little. Housekeeping fields (flags,
    raw forms) come last, so the first one is the one worth plotting.
    """
    if not fields:
        return
    for key, value in _ordered(fields):
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            inner = value.get("value")
            if "value" in value and isinstance(inner, int | float) and not isinstance(inner, bool):
                yield name, float(inner)
            else:
                yield from numeric_fields(value, prefix=name + ".")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            yield name, float(value)


def numeric_field(fields: Mapping[str, Any] | None, name: str) -> float | None:
    """The number at dotted `name`, or None."""
    value: Any = fields
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    if isinstance(value, Mapping):
        value = value.get("value")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None

"""What a user-defined characteristic does by itself: values notified on a schedule, and
replies to writes. Pure: no Bumble; `sim/userdevices.py` parses the file into these and
runs them on a device.

Values on a schedule (`notify_every_ms`) come from a list cycled in order, or from one of
a small set of expressions, each encoded in a GATT format (little-endian) between an
optional prefix and suffix:

- `counter`: start, start+step, ... up to max, then back to min;
- `ramp`: min to max over period_s, then again from min (a sawtooth);
- `sine`: between min and max, one period every period_s;
- `random-walk`: from start, each step a random amount within +-step, kept in min..max.

Time is counted in ticks (tick n is n x the interval), so the same file gives the same
values on every run; random walks are seeded.

A reply template is hex with pieces of the request copied in: `{all}` the whole request,
`{N}` its byte N, `{N:M}` bytes N..M-1, `{N:}` from byte N on (missing bytes give nothing).
"""

from __future__ import annotations

import dataclasses
import math
import random
import re
import struct
from collections.abc import Sequence

EXPRESSIONS = ("counter", "ramp", "sine", "random-walk")

# name -> (struct code, size, signed, float)
NUMBER_FORMATS: dict[str, tuple[str, int, bool, bool]] = {
    "uint8": ("B", 1, False, False),
    "uint16": ("H", 2, False, False),
    "uint24": ("", 3, False, False),
    "uint32": ("I", 4, False, False),
    "sint8": ("b", 1, True, False),
    "sint16": ("h", 2, True, False),
    "sint24": ("", 3, True, False),
    "sint32": ("i", 4, True, False),
    "float32": ("f", 4, True, True),
    "float64": ("d", 8, True, True),
}


def format_bounds(fmt: str) -> tuple[float, float]:
    _code, size, signed, is_float = NUMBER_FORMATS[fmt]
    if is_float:
        return (-math.inf, math.inf)
    if signed:
        return (-(1 << (8 * size - 1)), (1 << (8 * size - 1)) - 1)
    return (0, (1 << (8 * size)) - 1)


def encode_number(value: float, fmt: str) -> bytes:
    code, size, signed, is_float = NUMBER_FORMATS[fmt]
    if is_float:
        return struct.pack(f"<{code}", value)
    low, high = format_bounds(fmt)
    number = int(max(low, min(high, round(value))))
    return number.to_bytes(size, "little", signed=signed)


@dataclasses.dataclass(frozen=True, slots=True)
class Expression:
    """One of `EXPRESSIONS` with its parameters, as the file gave them."""

    kind: str
    low: float
    high: float
    step: float = 1.0
    period_s: float = 10.0
    start: float | None = None
    fmt: str = "uint8"
    prefix: bytes = b""
    suffix: bytes = b""


class ValueSource:
    """The values of a schedule, one per tick."""

    def __init__(
        self,
        *,
        values: Sequence[bytes] = (),
        expression: Expression | None = None,
        interval_s: float = 1.0,
        seed: int = 0,
    ) -> None:
        self.values = tuple(values)
        self.expression = expression
        self.interval_s = interval_s
        self.tick = 0
        self._rng = random.Random(seed)
        start = expression.start if expression is not None else None
        self._walk = start if start is not None else (expression.low if expression else 0.0)

    def number(self, tick: int) -> float:
        """The expression's number at `tick` (random walks: the next step, in order)."""
        e = self.expression
        assert e is not None
        span = e.high - e.low
        t = tick * self.interval_s
        if e.kind == "counter":
            first = e.start if e.start is not None else e.low
            count = int(span // e.step) + 1 if e.step > 0 and span >= 0 else 1
            offset = (first - e.low) / e.step if e.step > 0 else 0
            return e.low + ((offset + tick) % count) * e.step
        if e.kind == "ramp":
            return e.low + span * ((t % e.period_s) / e.period_s)
        if e.kind == "sine":
            return e.low + span * (0.5 + 0.5 * math.sin(2 * math.pi * t / e.period_s))
        # random-walk
        if tick > 0:
            self._walk += self._rng.uniform(-e.step, e.step)
            self._walk = max(e.low, min(e.high, self._walk))
        return self._walk

    def next(self) -> bytes:
        tick = self.tick
        self.tick += 1
        if self.expression is None:
            return self.values[tick % len(self.values)] if self.values else b""
        e = self.expression
        return e.prefix + encode_number(self.number(tick), e.fmt) + e.suffix


_PIECE = re.compile(r"\{([^{}]*)\}")


class TemplateError(ValueError):
    """A reply template that is not hex with {...} pieces; str() says what is wrong."""


def check_template(template: str) -> None:
    """Raise TemplateError for a template `render` could not use."""
    for piece in _PIECE.findall(template):
        if _slice(piece) is None:
            raise TemplateError(f"{{{piece}}} is not {{all}}, {{N}}, {{N:M}} or {{N:}}")
    rest = _PIECE.sub("", template)
    if "{" in rest or "}" in rest:
        raise TemplateError("an unmatched { or }")
    cleaned = re.sub(r"[\s:_,-]", "", rest)
    if any(c not in "0123456789abcdefABCDEF" for c in cleaned):
        raise TemplateError(f"not hex: {rest[:40]!r}")
    # Each literal run between pieces must hold whole bytes.
    for run in _PIECE.split(template)[::2]:
        digits = re.sub(r"[\s:_,-]", "", run)
        if len(digits) % 2:
            raise TemplateError(f"an odd number of hex digits in {run.strip()[:40]!r}")


def _slice(piece: str) -> slice | None:
    text = piece.strip()
    if text in ("all", ""):
        return slice(None)
    match = re.fullmatch(r"(\d+)(?:(:)(\d*))?", text)
    if match is None:
        return None
    first = int(match.group(1))
    if match.group(2) is None:
        return slice(first, first + 1)
    return slice(first, int(match.group(3)) if match.group(3) else None)


def render(template: str, request: bytes) -> bytes:
    """The reply `template` gives for `request` (checked with `check_template` first)."""
    out = bytearray()
    parts = _PIECE.split(template)
    for index, part in enumerate(parts):
        if index % 2:
            cut = _slice(part)
            assert cut is not None
            out += request[cut]
        else:
            out += bytes.fromhex(re.sub(r"[\s:_,-]", "", part))
    return bytes(out)


@dataclasses.dataclass(frozen=True, slots=True)
class ReplyRule:
    """What a write gets back: `echo` (the request), or the first rule whose prefix
    starts the request, else `default` (None: no reply)."""

    echo: bool = False
    default: str | None = None
    table: tuple[tuple[bytes, str], ...] = ()

    def reply(self, request: bytes) -> bytes | None:
        if self.echo:
            return request
        for prefix, template in self.table:
            if request.startswith(prefix):
                return render(template, request)
        if self.default is not None:
            return render(self.default, request)
        return None

"""Which notification answers a request: the pure part of the request/response console
(blebench.session.console), with the outcome of one exchange. No stream, no radio: the CLI's
`--match`, the TUI console's match field and the tests parse and run it alike.

- `prefix:55AB`: the reply starts with these bytes;
- `seq:OFFSET[:WIDTH[:REQUEST_OFFSET]]`: the reply echoes the request's sequence number;
- `seq:OFFSET=HEX`: the bytes at OFFSET equal HEX;
- `re:REGEX`: searched in the reply's lowercase hex.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from blebench.errors import UserInputError
from blebench.userinput import ValueParseError, read_hex

if TYPE_CHECKING:
    from blebench.session.streams import StreamSample

__all__ = [
    "ConsoleEntry",
    "ConsoleExchange",
    "MatchPart",
    "MatchSpecError",
    "PrefixMatch",
    "RegexMatch",
    "ReplyMatcher",
    "SeqMatch",
    "parse_match",
]


class MatchSpecError(UserInputError):
    """A `--match` specification that cannot be understood (the message says why)."""


def _hex_bytes(text: str, what: str) -> bytes:
    try:
        return read_hex(text)
    except ValueParseError as exc:
        raise MatchSpecError(f"{what} {text!r}: {exc}") from None


@dataclass(slots=True, frozen=True)
class PrefixMatch:
    """The reply starts with these bytes."""

    prefix: bytes

    def matches(self, request: bytes, reply: bytes) -> bool:
        return reply.startswith(self.prefix)

    def describe(self) -> str:
        return f"prefix {self.prefix.hex()}"


@dataclass(slots=True, frozen=True)
class SeqMatch:
    """The reply carries the request's sequence number: `width` bytes at `offset` in the
    reply equal the bytes at `request_offset` (default: the same offset) in the request,
    or equal `value` when one is given."""

    offset: int
    width: int = 1
    request_offset: int | None = None
    value: bytes | None = None

    def matches(self, request: bytes, reply: bytes) -> bool:
        got = reply[self.offset : self.offset + self.width]
        if len(got) < self.width:
            return False
        if self.value is not None:
            return got == self.value
        start = self.offset if self.request_offset is None else self.request_offset
        want = request[start : start + self.width]
        return len(want) == self.width and got == want

    def describe(self) -> str:
        if self.value is not None:
            return f"bytes {self.offset}..{self.offset + self.width - 1} == {self.value.hex()}"
        src = self.offset if self.request_offset is None else self.request_offset
        return f"sequence number at {self.offset} (width {self.width}) echoes request byte {src}"


@dataclass(slots=True, frozen=True)
class RegexMatch:
    """A regular expression searched in the reply's lowercase hex (no separators)."""

    pattern: re.Pattern[str]

    def matches(self, request: bytes, reply: bytes) -> bool:
        return self.pattern.search(reply.hex()) is not None

    def describe(self) -> str:
        return f"regex {self.pattern.pattern}"


MatchPart = PrefixMatch | SeqMatch | RegexMatch


@dataclass(slots=True, frozen=True)
class ReplyMatcher:
    """All parts must match; no parts means "the first notification"."""

    parts: tuple[MatchPart, ...] = ()

    def matches(self, request: bytes, reply: bytes) -> bool:
        return all(part.matches(request, reply) for part in self.parts)

    def describe(self) -> str:
        return " and ".join(p.describe() for p in self.parts) or "any notification"

    @classmethod
    def parse(cls, specs: Sequence[str]) -> ReplyMatcher:
        return cls(tuple(parse_match(spec) for spec in specs))


def _int_field(text: str, what: str, spec: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise MatchSpecError(f"{spec!r}: {what} {text!r} is not a number") from None
    if value < 0:
        raise MatchSpecError(f"{spec!r}: {what} must not be negative")
    return value


def parse_match(spec: str) -> MatchPart:
    """One match part from text:

    - `prefix:55AB` (hex; separators allowed);
    - `seq:OFFSET[:WIDTH[:REQUEST_OFFSET]]`: the reply echoes the request's sequence number;
    - `seq:OFFSET=HEX`: the bytes at OFFSET equal HEX;
    - `re:REGEX`: searched in the reply's lowercase hex, e.g. `re:^55ab..03`.
    """
    kind, sep, rest = spec.strip().partition(":")
    kind = kind.lower()
    if not sep:
        raise MatchSpecError(
            f"{spec!r}: write prefix:HEX, seq:OFFSET[:WIDTH[:REQUEST_OFFSET]], seq:OFFSET=HEX "
            "or re:REGEX"
        )
    if kind == "prefix":
        prefix = _hex_bytes(rest, "prefix")
        if not prefix:
            raise MatchSpecError(f"{spec!r}: the prefix is empty")
        return PrefixMatch(prefix)
    if kind == "seq":
        if "=" in rest:
            off_text, _, value_text = rest.partition("=")
            value = _hex_bytes(value_text, "value")
            if not value:
                raise MatchSpecError(f"{spec!r}: the value is empty")
            return SeqMatch(_int_field(off_text, "offset", spec), len(value), value=value)
        fields = rest.split(":")
        if len(fields) > 3 or not fields[0]:
            raise MatchSpecError(f"{spec!r}: write seq:OFFSET[:WIDTH[:REQUEST_OFFSET]]")
        offset = _int_field(fields[0], "offset", spec)
        width = _int_field(fields[1], "width", spec) if len(fields) > 1 else 1
        if width < 1 or width > 8:
            raise MatchSpecError(f"{spec!r}: width must be 1 to 8 bytes")
        req = _int_field(fields[2], "request offset", spec) if len(fields) > 2 else None
        return SeqMatch(offset, width, req)
    if kind in ("re", "regex"):
        try:
            return RegexMatch(re.compile(rest.lower()))
        except re.error as exc:
            raise MatchSpecError(f"{spec!r}: {exc}") from None
    raise MatchSpecError(f"{spec!r}: unknown match kind {kind!r} (prefix, seq or re)")


@dataclass(slots=True, frozen=True)
class ConsoleEntry:
    """One line of the transcript: a request sent, its reply, or other traffic."""

    kind: Literal["request", "reply", "other"]
    t_wall_ms: float
    data: bytes


@dataclass(slots=True)
class ConsoleExchange:
    """The outcome of one request."""

    request: bytes
    reply: StreamSample | None
    elapsed_ms: float
    unrelated: int  # notifications that arrived while waiting and did not match
    matcher: str
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.reply is not None

    def to_json(self) -> dict[str, object]:
        return {
            "request": self.request.hex(),
            "reply": self.reply.hex if self.reply is not None else None,
            "reply_t_wall_ms": self.reply.t_wall_ms if self.reply is not None else None,
            "elapsed_ms": round(self.elapsed_ms, 3),
            "unrelated": self.unrelated,
            "match": self.matcher,
            "timed_out": self.timed_out,
        }

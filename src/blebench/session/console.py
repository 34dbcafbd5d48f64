"""Request/response over a write characteristic and a notify characteristic.

The fix field note 002 needed: a device that floods notifications (a scooter's UART bridge
relaying a dashboard's traffic) makes "write, then wait for the next notification" return
the wrong frame, or never return. Here a request waits for the first notification that
*matches* it (a prefix, a sequence number echoed at an offset, a regex on the hex), with a
timeout, while every other notification keeps flowing into the stream store and into the
console's transcript.

The matching is pure (`ReplyMatcher`); `RequestConsole` ties it to a `Stream` (through a
tap, registered before the request is written so a fast reply cannot be missed) and to a
write coroutine.

Which characteristic a console writes for a notify stream is decided here too
(`console_for_stream`: the writable sibling in the stream's service, NUS RX for TX), and
which stream the TUI's console follows (`choose_console`).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from blebench.errors import UserInputError
from blebench.session import gatt
from blebench.session.streams import RawSample, Stream, StreamSample, StreamStore
from blebench.userinput import ValueParseError, read_hex

if TYPE_CHECKING:
    from blebench.session.connections import DeviceConnection
    from blebench.session.models import GattNode


class MatchSpecError(UserInputError):
    """A `--match` specification that cannot be understood (the message says why)."""


# -- matching (pure) ---------------------------------------------------------------------


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


# -- the console -------------------------------------------------------------------------


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


WriteFn = Callable[[bytes], Awaitable[None]]


@dataclass(slots=True)
class RequestConsole:
    """Request/response on one connection: `write` sends a request, `stream` is the
    subscribed notify characteristic. One request at a time (a lock), like a UART.

    `transcript` keeps the last `transcript_size` entries: requests, matched replies and
    every other notification seen while the console is open (so unrelated traffic stays
    visible next to the exchange)."""

    write: WriteFn
    stream: Stream
    transcript_size: int = 1000
    transcript: deque[ConsoleEntry] = field(init=False)
    _lock: asyncio.Lock = field(init=False)
    _remove_tap: Callable[[], None] | None = field(init=False, default=None)
    _waiting: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.transcript = deque(maxlen=self.transcript_size)
        self._lock = asyncio.Lock()
        self._remove_tap = self.stream.add_tap(self._log_other)

    def close(self) -> None:
        if self._remove_tap is not None:
            self._remove_tap()
            self._remove_tap = None

    def _log_other(self, _stream: Stream, raw: RawSample) -> None:
        if not self._waiting:
            self.transcript.append(ConsoleEntry("other", raw[2] / 1e6, raw[3]))

    async def request(
        self,
        data: bytes,
        matcher: ReplyMatcher | None = None,
        *,
        timeout: float = 2.0,
    ) -> ConsoleExchange:
        """Write `data` and wait for the first notification that `matcher` accepts.

        Never raises for a missing reply: a timeout gives `timed_out=True`. Errors of the
        write itself (ATT errors, a lost connection) propagate as the session's errors."""
        matcher = matcher or ReplyMatcher()
        async with self._lock:
            loop = asyncio.get_running_loop()
            found: asyncio.Future[RawSample] = loop.create_future()
            unrelated = 0

            def tap(_stream: Stream, raw: RawSample) -> None:
                nonlocal unrelated
                if found.done():
                    self.transcript.append(ConsoleEntry("other", raw[2] / 1e6, raw[3]))
                    return
                if matcher.matches(data, raw[3]):
                    found.set_result(raw)
                    self.transcript.append(ConsoleEntry("reply", raw[2] / 1e6, raw[3]))
                else:
                    unrelated += 1
                    self.transcript.append(ConsoleEntry("other", raw[2] / 1e6, raw[3]))

            # The tap goes in before the write: a reply faster than the write's
            # acknowledgement must not be missed.
            remove = self.stream.add_tap(tap)
            self._waiting = True
            started = time.monotonic()
            try:
                self.transcript.append(ConsoleEntry("request", time.time() * 1000, data))
                await self.write(data)
                try:
                    raw = await asyncio.wait_for(asyncio.shield(found), timeout)
                except TimeoutError:
                    return ConsoleExchange(
                        data,
                        None,
                        (time.monotonic() - started) * 1000,
                        unrelated,
                        matcher.describe(),
                        timed_out=True,
                    )
                reply = self.stream.sample(raw)
                # Elapsed is measured to the reply's own arrival, not to this wake-up.
                elapsed = raw[1] / 1e6 - started * 1000
                return ConsoleExchange(
                    data, reply, max(elapsed, 0.0), unrelated, matcher.describe()
                )
            finally:
                self._waiting = False
                remove()


async def open_console(
    conn: DeviceConnection,
    store: StreamStore,
    write_spec: str | int,
    notify_spec: str | int,
    *,
    response: bool | None = None,
    transcript_size: int = 1000,
) -> RequestConsole:
    """A console on a connection: subscribes to `notify_spec` (into `store`) and writes
    requests to `write_spec`, with response when the characteristic allows it (unless
    `response` says otherwise). Raises the session's DeviceError / TargetError."""
    write_node = gatt.resolve(conn, write_spec)
    if response is None:
        response = "write" in write_node.properties
    stream = await gatt.subscribe(conn, store, notify_spec)
    return RequestConsole(
        _writer(conn, write_node, response), stream, transcript_size=transcript_size
    )


# -- which characteristic a console writes to ---------------------------------------------


def writable_sibling(conn: DeviceConnection, handle: int) -> GattNode | None:
    """The writable characteristic in the same service as the notify one `handle` (NUS: RX
    for TX), with response preferred; None when the service has none."""
    tree = conn.tree
    node = tree.node(handle) if tree is not None else None
    if tree is None or node is None or node.parent_handle is None:
        return None
    service = tree.node(node.parent_handle)
    siblings = service.children if service is not None else []
    for wanted in ("write", "write-without-response"):
        for sibling in siblings:
            if sibling.kind == "characteristic" and wanted in sibling.properties:
                return sibling
    return None


@dataclass(frozen=True, slots=True, eq=False)
class ConsoleChoice:
    """A console's target: requests written to `write_node`, replies read from `stream`."""

    conn: DeviceConnection
    stream: Stream
    write_node: GattNode

    @property
    def key(self) -> tuple[str, int, int]:
        """(address, stream id, write handle): the same key, the same target."""
        return (self.conn.address, self.stream.stream_id, self.write_node.handle)

    @property
    def response(self) -> bool:
        return "write" in self.write_node.properties

    def describe(self) -> str:
        conn, stream, node = self.conn, self.stream, self.write_node
        return (
            f"{conn.name or conn.address}: writes {node.label} (0x{node.handle:04X}), "
            f"replies on {stream.name or stream.uuid} (0x{stream.handle:04X})"
        )

    def open(self, *, transcript_size: int = 1000) -> RequestConsole:
        """A console on this target (the stream is subscribed already)."""
        return RequestConsole(
            _writer(self.conn, self.write_node, self.response),
            self.stream,
            transcript_size=transcript_size,
        )


def console_for_stream(conn: DeviceConnection, stream: Stream) -> ConsoleChoice | None:
    """The console for a notify stream of `conn`: None when the stream is closed or its
    service has nothing to write to."""
    if not stream.active:
        return None
    write_node = writable_sibling(conn, stream.handle)
    if write_node is None:
        return None
    return ConsoleChoice(conn, stream, write_node)


def choose_console(
    connections: Iterable[DeviceConnection], stream_id: int | None
) -> ConsoleChoice | None:
    """The console to offer: the stream `stream_id` when it has a writable sibling, else
    the newest connected stream that has one."""
    found = None
    for conn in connections:
        if not conn.is_connected:
            continue
        for stream in conn.streams.values():
            choice = console_for_stream(conn, stream)
            if choice is None:
                continue
            if stream.stream_id == stream_id:
                return choice
            found = choice
    return found


def _writer(
    conn: DeviceConnection, node: GattNode, response: bool
) -> Callable[[bytes], Awaitable[None]]:
    async def write(data: bytes) -> None:
        await gatt.write(conn, node, data, response=response)

    return write

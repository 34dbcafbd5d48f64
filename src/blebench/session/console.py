"""Request/response over a write characteristic and a notify characteristic.

The fix field note 002 needed: a device that floods notifications (a scooter's UART bridge
relaying a dashboard's traffic) makes "write, then wait for the next notification" return
the wrong frame, or never return. Here a request waits for the first notification that
*matches* it (a prefix, a sequence number echoed at an offset, a regex on the hex), with a
timeout, while every other notification keeps flowing into the stream store and into the
console's transcript.

The matching is pure (`ReplyMatcher`, blebench.session.matching, re-exported here);
`RequestConsole` ties it to a `Stream` (through a
tap, registered before the request is written so a fast reply cannot be missed) and to a
write coroutine.

Which characteristic a console writes for a notify stream is decided here too
(`console_for_stream`: the writable sibling in the stream's service, NUS RX for TX), and
which stream the TUI's console follows (`choose_console`).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from blebench.session import gatt
from blebench.session.matching import (
    ConsoleEntry,
    ConsoleExchange,
    MatchPart,
    MatchSpecError,
    PrefixMatch,
    RegexMatch,
    ReplyMatcher,
    SeqMatch,
    parse_match,
)
from blebench.session.streams import RawSample, Stream, StreamStore

__all__ = [  # the matching moved to blebench.session.matching; its names stay importable here
    "ConsoleChoice",
    "ConsoleEntry",
    "ConsoleExchange",
    "MatchPart",
    "MatchSpecError",
    "PrefixMatch",
    "RegexMatch",
    "ReplyMatcher",
    "RequestConsole",
    "SeqMatch",
    "choose_console",
    "console_for_stream",
    "open_console",
    "parse_match",
    "writable_sibling",
]

if TYPE_CHECKING:
    from blebench.session.connections import DeviceConnection
    from blebench.session.models import GattNode


# -- the console -------------------------------------------------------------------------


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

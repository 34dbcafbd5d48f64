"""Notification streams: bounded ring buffers that the backend appends to and readers pull from.

One `Stream` per subscribed characteristic (per connection). The backend's notification
callback calls `Stream.push(data)`, which only counts, timestamps and appends to a
`collections.deque(maxlen=capacity)`: no decoding, no formatting, no events. Readers (the
TUI at about 10 Hz, the CLI, exporters) pull batches with `StreamStore.pull(cursor)` and
keep the returned cursor; decoding happens there, once per distinct payload (LRU cache).

Memory is bounded however long a session runs: each stream keeps at most `capacity`
samples (older ones are evicted and counted as drops for readers that had not seen them).

Per stream:
- `count`: notifications received (also while paused);
- `rate_hz`: notifications per second over the last ~1 s;
- `gaps` / `longest_gap_ms`: silences longer than `gap_factor` times the usual interval
  (and at least `gap_min_ms`), the sign of a link that stalls;
- `evicted`: samples pushed out of the ring by newer ones (readers count what they missed);
- `skipped_paused`: notifications that arrived while the stream was paused (counted, not kept).

Decoding: by UUID (the store's `decoder`), unless a stream has its own decoder
(`set_stream_decoder`, e.g. blebench.session.hid's keyboard keys): every reader (the TUI's
log, the GATT pane, `notify`, the exports in blebench.session.export) asks `decoded(sample)`
and so shows the same fields. Filters are blebench.session.filters.

Timestamps: `t_mono_ms` (time.monotonic, for intervals) and `t_wall_ms` (Unix epoch, for
humans and exports), both in milliseconds with microsecond precision, from the store's
`mono_ns` / `wall_ns` clocks (the system's unless a test freezes them).
"""

from __future__ import annotations

import heapq
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from blebench.session.filters import SampleFilter

__all__ = [
    "DEFAULT_CAPACITY",
    "RawSample",
    "Stream",
    "StreamBatch",
    "StreamCursor",
    "StreamSample",
    "StreamStats",
    "StreamStore",
]

# (per-stream index n (1-based), monotonic ns, wall-clock ns, payload)
RawSample = tuple[int, int, int, bytes]
Tap = Callable[["Stream", RawSample], None]
Decoder = Callable[[str, bytes], Mapping[str, Any] | None]
# One stream's own decoder: knows more than the UUID (a keyboard report with its report map).
StreamDecoder = Callable[[bytes], Mapping[str, Any] | None]
StreamMode = Literal["notify", "indicate"]

DEFAULT_CAPACITY = 10_000
_BUCKET_SHIFT = 28  # rate buckets of 2**28 ns (about 268 ms)
_BUCKET_S = (1 << _BUCKET_SHIFT) / 1e9
_RATE_BUCKETS = 4  # rate over the last 4 complete buckets (about 1.07 s)
_GAP_WARMUP = 8  # samples before the usual interval is trusted


# -- the model readers see ---------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class StreamSample:
    """One notification or indication as readers see it."""

    stream_id: int
    seq: int  # per-stream index of stored samples, 1-based: a jump means samples were missed
    t_mono_ms: float
    t_wall_ms: float
    address: str
    handle: int
    uuid: str
    data: bytes

    @property
    def hex(self) -> str:
        return self.data.hex()


@dataclass(slots=True)
class StreamStats:
    """A stream's counters at one moment (plain data for the UI and JSON)."""

    stream_id: int
    address: str
    handle: int
    uuid: str
    name: str | None
    mode: StreamMode
    active: bool
    paused: bool
    count: int
    stored: int
    capacity: int
    rate_hz: float
    gaps: int
    longest_gap_ms: float
    evicted: int
    skipped_paused: int
    last_t_wall_ms: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "stream_id": self.stream_id,
            "address": self.address,
            "handle": self.handle,
            "uuid": self.uuid,
            "name": self.name,
            "mode": self.mode,
            "active": self.active,
            "paused": self.paused,
            "count": self.count,
            "stored": self.stored,
            "capacity": self.capacity,
            "rate_hz": round(self.rate_hz, 2),
            "gaps": self.gaps,
            "longest_gap_ms": round(self.longest_gap_ms, 3),
            "evicted": self.evicted,
            "skipped_paused": self.skipped_paused,
            "last_t_wall_ms": self.last_t_wall_ms,
        }


@dataclass(slots=True)
class StreamCursor:
    """Where a reader is: the last per-stream index it has seen, by stream id."""

    positions: dict[int, int] = field(default_factory=dict)


@dataclass(slots=True)
class StreamBatch:
    """What `StreamStore.pull` returns: new samples (oldest first, across streams)."""

    samples: list[StreamSample]
    cursor: StreamCursor
    missed: dict[int, int]  # stream id -> samples evicted before this reader saw them
    filtered_out: int
    version: int

    @property
    def missed_total(self) -> int:
        return sum(self.missed.values())


# -- streams -----------------------------------------------------------------------------


class Stream:
    """One characteristic's notifications. `push` is the backend's cheap append path."""

    __slots__ = (
        "stream_id",
        "address",
        "handle",
        "uuid",
        "name",
        "mode",
        "capacity",
        "active",
        "paused",
        "filter",
        "count",
        "stored_total",
        "gaps",
        "longest_gap_ns",
        "evicted",
        "skipped_paused",
        "gap_factor",
        "gap_min_ns",
        "_buf",
        "_store",
        "_taps",
        "_last_mono",
        "_ewma_ns",
        "_bucket",
        "_bucket_n",
        "_buckets",
    )

    def __init__(
        self,
        store: StreamStore,
        stream_id: int,
        address: str,
        handle: int,
        uuid: str,
        *,
        name: str | None = None,
        mode: StreamMode = "notify",
        capacity: int = DEFAULT_CAPACITY,
        gap_factor: float = 4.0,
        gap_min_ms: float = 50.0,
    ) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.stream_id = stream_id
        self.address = address
        self.handle = handle
        self.uuid = uuid
        self.name = name
        self.mode: StreamMode = mode
        self.capacity = capacity
        self.active = True
        self.paused = False
        self.filter: SampleFilter | None = None
        self.count = 0
        self.stored_total = 0  # index of the newest stored sample (the ring's `seq`)
        self.gaps = 0
        self.longest_gap_ns = 0
        self.evicted = 0
        self.skipped_paused = 0
        self.gap_factor = gap_factor
        self.gap_min_ns = int(gap_min_ms * 1e6)
        self._buf: deque[RawSample] = deque(maxlen=capacity)
        self._store = store
        self._taps: list[Tap] = []
        self._last_mono = 0
        self._ewma_ns = 0.0
        self._bucket = -1
        self._bucket_n = 0
        self._buckets: deque[tuple[int, int]] = deque(maxlen=_RATE_BUCKETS + 1)

    # The append path: runs once per notification, in the backend's callback.
    def push(self, data: bytes | bytearray, mono_ns: int | None = None) -> None:
        store = self._store
        mono = store.mono_ns() if mono_ns is None else mono_ns
        n = self.count + 1
        self.count = n
        last = self._last_mono
        if last:
            dt = mono - last
            ew = self._ewma_ns
            if n > _GAP_WARMUP and dt > self.gap_min_ns and dt > ew * self.gap_factor:
                self.gaps += 1
                if dt > self.longest_gap_ns:
                    self.longest_gap_ns = dt
            self._ewma_ns = dt if ew == 0.0 else ew + (dt - ew) * 0.125
        self._last_mono = mono
        bucket = mono >> _BUCKET_SHIFT
        if bucket == self._bucket:
            self._bucket_n += 1
        else:
            if self._bucket >= 0:
                self._buckets.append((self._bucket, self._bucket_n))
            self._bucket = bucket
            self._bucket_n = 1
        if self.paused:
            self.skipped_paused += 1
            sample: RawSample = (self.stored_total, mono, store.wall_ns(), bytes(data))
        else:
            stored = self.stored_total + 1
            self.stored_total = stored
            sample = (stored, mono, store.wall_ns(), bytes(data))
            buf = self._buf
            if len(buf) == self.capacity:
                self.evicted += 1
            buf.append(sample)
            store.version += 1
        if self._taps:
            for tap in tuple(self._taps):
                tap(self, sample)

    def on_notify(self, _sender: object, data: bytearray) -> None:
        """A bleak `start_notify` callback: (characteristic, data)."""
        self.push(data)

    def add_tap(self, tap: Tap) -> Callable[[], None]:
        """Call `tap(stream, raw_sample)` for every notification from now on (paused or not).

        Taps run in the append path: keep them cheap. Returns a function that removes it."""
        self._taps.append(tap)

        def remove() -> None:
            if tap in self._taps:
                self._taps.remove(tap)

        return remove

    def clear(self) -> None:
        """Forget stored samples (counters stay)."""
        self._buf.clear()

    def rate_hz(self, now_ns: int | None = None) -> float:
        now_bucket = (self._store.mono_ns() if now_ns is None else now_ns) >> _BUCKET_SHIFT
        lo = now_bucket - _RATE_BUCKETS
        total = sum(n for b, n in self._buckets if lo <= b < now_bucket)
        if lo <= self._bucket < now_bucket:
            total += self._bucket_n
        return total / (_RATE_BUCKETS * _BUCKET_S)

    def stats(self) -> StreamStats:
        last = self._buf[-1][2] / 1e6 if self._buf else None
        return StreamStats(
            stream_id=self.stream_id,
            address=self.address,
            handle=self.handle,
            uuid=self.uuid,
            name=self.name,
            mode=self.mode,
            active=self.active,
            paused=self.paused,
            count=self.count,
            stored=len(self._buf),
            capacity=self.capacity,
            rate_hz=self.rate_hz(),
            gaps=self.gaps,
            longest_gap_ms=self.longest_gap_ns / 1e6,
            evicted=self.evicted,
            skipped_paused=self.skipped_paused,
            last_t_wall_ms=last,
        )

    def sample(self, raw: RawSample) -> StreamSample:
        n, mono, wall, data = raw
        return StreamSample(
            self.stream_id,
            n,
            round(mono / 1e6, 3),
            round(wall / 1e6, 3),
            self.address,
            self.handle,
            self.uuid,
            data,
        )

    def raw_since(self, last_seen: int) -> tuple[list[RawSample], int]:
        """Stored samples with index > last_seen (oldest first) and how many of those
        were evicted before this call."""
        buf = self._buf
        out: list[RawSample] = []
        for raw in reversed(buf):
            if raw[0] <= last_seen:
                break
            out.append(raw)
        out.reverse()
        first = out[0][0] if out else self.stored_total + 1
        return out, max(0, first - last_seen - 1)


class StreamStore:
    """All streams of a session. Plain, synchronous, no Textual: the UI and the CLI read it.

    Typical reader loop (about 10 Hz in the TUI)::

        cursor = store.cursor_now()          # or StreamCursor() for everything stored
        while ...:
            batch = store.pull(cursor)
            cursor = batch.cursor
            for sample in batch.samples:
                fields = store.decoded(sample)
    """

    def __init__(
        self,
        *,
        capacity: int = DEFAULT_CAPACITY,
        decoder: Decoder | None = None,
        decode_cache_size: int = 4096,
        mono_ns: Callable[[], int] = time.monotonic_ns,
        wall_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self.capacity = capacity
        # The clocks that stamp samples and measure rates (tests freeze them).
        self.mono_ns = mono_ns
        self.wall_ns = wall_ns
        self.version = 0  # bumped by every stored sample: "anything new?" without a pull
        self._decoder = decoder
        self._streams: dict[int, Stream] = {}
        self._next_id = 1
        self._stream_decoders: dict[int, StreamDecoder] = {}
        # Keyed (uuid, payload) for the UUID decoder, (stream id, payload) for a stream's own.
        self._cache: OrderedDict[tuple[str | int, bytes], Mapping[str, Any] | None] = OrderedDict()
        self._cache_size = decode_cache_size

    # -- streams ---------------------------------------------------------------------
    def open(
        self,
        address: str,
        handle: int,
        uuid: str,
        *,
        name: str | None = None,
        mode: StreamMode = "notify",
        capacity: int | None = None,
    ) -> Stream:
        """The active stream for (address, handle), made if there is none."""
        for stream in self._streams.values():
            if stream.active and stream.address == address and stream.handle == handle:
                stream.mode = mode
                return stream
        stream = Stream(
            self,
            self._next_id,
            address,
            handle,
            uuid,
            name=name,
            mode=mode,
            capacity=capacity or self.capacity,
        )
        self._streams[stream.stream_id] = stream
        self._next_id += 1
        return stream

    def get(self, stream_id: int) -> Stream | None:
        return self._streams.get(stream_id)

    def find(self, address: str, handle: int) -> Stream | None:
        """The newest stream for (address, handle), active or not."""
        found = [s for s in self._streams.values() if s.address == address and s.handle == handle]
        return found[-1] if found else None

    def streams(self) -> list[Stream]:
        return list(self._streams.values())

    def close(self, stream_id: int) -> None:
        """Mark a stream inactive (its samples stay readable until `remove`)."""
        stream = self._streams.get(stream_id)
        if stream is not None:
            stream.active = False

    def remove(self, stream_id: int) -> None:
        self._streams.pop(stream_id, None)
        if self._stream_decoders.pop(stream_id, None) is not None:
            self._cache.clear()

    def stats(self) -> list[StreamStats]:
        return [s.stats() for s in self._streams.values()]

    # -- reading ---------------------------------------------------------------------
    def cursor_now(self) -> StreamCursor:
        """A cursor past everything stored so far: the next pull gives only new samples."""
        return StreamCursor({sid: s.stored_total for sid, s in self._streams.items()})

    def pull(
        self,
        cursor: StreamCursor | None = None,
        *,
        stream_ids: Iterable[int] | None = None,
        sample_filter: SampleFilter | None = None,
        limit: int | None = None,
    ) -> StreamBatch:
        """New samples since `cursor` (all stored ones for a fresh cursor), oldest first.

        Each stream's own `filter` applies, then `sample_filter`. With `limit`, only the
        newest `limit` samples are returned (the cursor still moves past all of them)."""
        cursor = cursor or StreamCursor()
        positions = dict(cursor.positions)
        missed: dict[int, int] = {}
        per_stream: list[list[StreamSample]] = []
        filtered_out = 0
        wanted = set(stream_ids) if stream_ids is not None else None
        for sid, stream in self._streams.items():
            if wanted is not None and sid not in wanted:
                continue
            last = positions.get(sid, 0)
            raws, lost = stream.raw_since(last)
            if lost:
                missed[sid] = lost
            if raws:
                positions[sid] = raws[-1][0]
            elif stream.stored_total > last:
                positions[sid] = stream.stored_total  # all evicted or cleared
            samples: list[StreamSample] = []
            filters = [f for f in (stream.filter, sample_filter) if f is not None]
            for raw in raws:
                smp = stream.sample(raw)
                if filters and not self._passes(smp, filters):
                    filtered_out += 1
                    continue
                samples.append(smp)
            if samples:
                per_stream.append(samples)
        if len(per_stream) == 1:
            merged = per_stream[0]
        else:
            merged = list(heapq.merge(*per_stream, key=lambda s: s.t_mono_ms))
        if limit is not None and len(merged) > limit:
            merged = merged[len(merged) - limit :]
        return StreamBatch(merged, StreamCursor(positions), missed, filtered_out, self.version)

    def pull_raw(
        self, cursor: StreamCursor | None = None, *, limit: int | None = None
    ) -> tuple[list[tuple[Stream, list[RawSample]]], StreamCursor, dict[int, int]]:
        """What `pull` gives, for a reader that keeps up with a flood (the TUI's Streams
        pane, 5,000 a second): each stream with its new raw samples `(seq, mono_ns,
        wall_ns, data)`, no `StreamSample` made per notification. A stream's own `filter`
        applies; with `limit`, each stream's newest `limit` at most (the cursor moves past
        all). Returns (per stream, the new cursor, missed per stream)."""
        cursor = cursor or StreamCursor()
        positions = dict(cursor.positions)
        missed: dict[int, int] = {}
        out: list[tuple[Stream, list[RawSample]]] = []
        for sid, stream in self._streams.items():
            last = positions.get(sid, 0)
            raws, lost = stream.raw_since(last)
            if lost:
                missed[sid] = lost
            if raws:
                positions[sid] = raws[-1][0]
            elif stream.stored_total > last:
                positions[sid] = stream.stored_total  # all evicted or cleared
            if stream.filter is not None:
                raws = [r for r in raws if self._passes(stream.sample(r), [stream.filter])]
            if limit is not None and len(raws) > limit:
                raws = raws[len(raws) - limit:]
            if raws:
                out.append((stream, raws))
        return out, StreamCursor(positions), missed

    def decoded_payload(self, stream_id: int, uuid: str, data: bytes) -> Mapping[str, Any] | None:
        """`decoded` for a raw sample of stream `stream_id` (its UUID and payload)."""
        own = self._stream_decoders.get(stream_id)
        if own is None and self._decoder is None:
            return None
        key: tuple[str | int, bytes] = (uuid, data) if own is None else (stream_id, data)
        cache = self._cache
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        return self._decode(own, key, uuid, data)

    def _passes(self, sample: StreamSample, filters: list[SampleFilter]) -> bool:
        def fields() -> Mapping[str, Any] | None:
            return self.decoded(sample)

        return all(f.matches(sample.data, fields) for f in filters)

    def decoded(self, sample: StreamSample) -> Mapping[str, Any] | None:
        """The sample's decoded fields (None without a decoder or when nothing decodes):
        its stream's own decoder when it has one, else the store's by UUID.

        Cached per (uuid or stream, payload): a flood of identical frames decodes once."""
        own = self._stream_decoders.get(sample.stream_id)
        by_uuid = self._decoder
        if own is None and by_uuid is None:
            return None
        key: tuple[str | int, bytes] = (
            (sample.uuid, sample.data) if own is None else (sample.stream_id, sample.data)
        )
        cache = self._cache
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        return self._decode(own, key, sample.uuid, sample.data)

    def _decode(
        self, own: StreamDecoder | None, key: tuple[str | int, bytes], uuid: str, data: bytes
    ) -> Mapping[str, Any] | None:
        by_uuid = self._decoder
        fields: Mapping[str, Any] | None = None
        try:
            if own is not None:
                fields = own(data)
            elif by_uuid is not None:
                fields = by_uuid(uuid, data)
        except Exception:  # noqa: BLE001 - a decoder bug must not break the stream view
            fields = None
        cache = self._cache
        cache[key] = fields
        if len(cache) > self._cache_size:
            cache.popitem(last=False)
        return fields

    def set_decoder(self, decoder: Decoder | None) -> None:
        self._decoder = decoder
        self._cache.clear()

    def set_stream_decoder(self, stream_id: int, decoder: StreamDecoder | None) -> None:
        """Decode stream `stream_id` with `decoder(payload)` instead of by UUID (None: by
        UUID again). Every reader sees it: logs, `notify`, the exports."""
        if decoder is None:
            self._stream_decoders.pop(stream_id, None)
        else:
            self._stream_decoders[stream_id] = decoder
        self._cache.clear()

    def stream_decoder(self, stream_id: int) -> StreamDecoder | None:
        return self._stream_decoders.get(stream_id)

"""A throughput test on a live link: load it one way and measure what it carried.

Modes:
- "notify": subscribe to a notifying characteristic and count what arrives. A device that
  speaks the UART Bridge's framed protocol (Nordic UART Service, sim/catalogue/uart_bridge.py)
  is put in chatty mode at its top rate (SET_CHATTY 5,000 Hz) for the test and back off
  after: its telemetry frames carry a running SEQ (a gap is a lost frame) and the device's
  uptime (arrival minus uptime, above the smallest seen, is the queueing delay).
- "write-without-response" / "write": write values of `size` bytes as fast as the link
  takes them (without response: paced by the controller's completed packets, so nothing
  queues without bound; with response: one at a time, each waiting for its Write Response).
  To a UART Bridge the values are ECHO frames, and the echoes give the round trip and the
  loss.

Beside the figures: the link's parameters (when the radio says them) and what the Core
spec's timing gives for them (`sim/airtime.capacity`, with the central's packets-per-event
limit when it is known: the virtual world's is 6).
"""

from __future__ import annotations

import asyncio
import math
import statistics
import struct
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from blebench.backends.link_control import link_control
from blebench.errors import UserInputError
from blebench.session.errors import TargetError
from blebench.sim import airtime

if TYPE_CHECKING:
    from blebench.session.connections import DeviceConnection
    from blebench.session.streams import StreamStore

Mode = Literal["notify", "write-without-response", "write"]
MODES: tuple[Mode, ...] = ("notify", "write-without-response", "write")

NUS_SERVICE = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
NUS_RX = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"
NUS_TX = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"
_SET_CHATTY, _ECHO, _TELEMETRY, _REPLY = 0x05, 0x04, 0x40, 0x80
_CHATTY_MAX_HZ = 5000
_FRAME_OVERHEAD = 6  # sync (2), LEN, SEQ, CMD, CHK
_ECHO_MAX = 200
BACKLOG_LIMIT = 8  # HCI ACL packets in the controller before a writer waits
_SETTLE_S = 0.3  # the flood runs this long before counting starts
_DRAIN_S = 0.5  # echoes still on the way when the writing stops


@dataclass(frozen=True, slots=True)
class ThroughputPlan:
    mode: Mode = "notify"
    target: str | None = None  # a characteristic (UUID or handle); None: chosen
    size: int | None = None  # value bytes for the write modes (None: the MTU allows)
    duration_s: float = 5.0
    packets_per_event: int | None = None  # the central controller's limit, when known


@dataclass(slots=True)
class ThroughputResult:
    mode: Mode
    characteristic: str
    uart_bridge: bool
    duration_s: float
    values: int
    bytes: int
    per_interval: dict[str, Any]
    latency_ms: dict[str, float] | None
    latency_kind: str | None
    loss: dict[str, Any] | None
    link: dict[str, Any]
    spec: dict[str, Any] | None
    notes: list[str] = field(default_factory=list)

    @property
    def values_per_s(self) -> float:
        return self.values / self.duration_s if self.duration_s else 0.0

    @property
    def bytes_per_s(self) -> float:
        return self.bytes / self.duration_s if self.duration_s else 0.0

    def to_json(self) -> dict[str, Any]:
        spec_ratio = None
        if self.spec and self.spec.get("values_per_s"):
            spec_ratio = round(self.values_per_s / float(self.spec["values_per_s"]), 3)
        return {
            "mode": self.mode,
            "characteristic": self.characteristic,
            "uart_bridge": self.uart_bridge,
            "duration_s": round(self.duration_s, 3),
            "values": self.values,
            "bytes": self.bytes,
            "values_per_s": round(self.values_per_s, 1),
            "bytes_per_s": round(self.bytes_per_s, 1),
            "per_interval": self.per_interval,
            "latency_ms": self.latency_ms,
            "latency_kind": self.latency_kind,
            "loss": self.loss,
            "link": self.link,
            "spec": self.spec,
            "ratio_to_spec": spec_ratio,
            "notes": self.notes,
        }


def _frame(seq: int, cmd: int, payload: bytes = b"") -> bytes:
    body = bytes([len(payload), seq & 0xFF, cmd]) + payload
    return b"\x55\xaa" + body + bytes([~sum(body) & 0xFF])


def _summary(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    ordered = sorted(values)
    return {
        "min": round(ordered[0], 2),
        "median": round(statistics.median(ordered), 2),
        "p95": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2),
        "max": round(ordered[-1], 2),
    }


def _per_interval(
    times: list[float], interval_ms: float | None, start: float, end: float
) -> dict[str, Any]:
    """How many values arrived in each connection interval of the window (by the
    interval's length: the counts follow the connection events on a real link too)."""
    window = (interval_ms or 10.0) / 1000.0
    slots = max(1, int((end - start) / window))
    counts = Counter(min(int((t - start) / window), slots - 1) for t in times if start <= t < end)
    per_slot = [counts.get(i, 0) for i in range(slots)]
    histogram = Counter(per_slot)
    return {
        "interval_ms": interval_ms,
        "intervals": slots,
        "mean": round(sum(per_slot) / slots, 2),
        "max": max(per_slot),
        "histogram": {str(k): histogram[k] for k in sorted(histogram)},
    }


def _find_char(conn: DeviceConnection, wanted: str | None, prop: str) -> Any:
    services = conn.client.services
    if wanted is not None:
        char = None
        try:
            char = services.get_characteristic(int(wanted, 0))
        except ValueError:
            from blebench.decode.names import normalize_uuid

            char = services.get_characteristic(normalize_uuid(wanted))
        if char is None:
            raise TargetError(f"{conn.name or conn.address} has no characteristic {wanted}")
        if prop not in char.properties and not (prop == "notify" and "indicate" in char.properties):
            raise UserInputError(
                f"{wanted} does not allow {prop} (it allows {', '.join(char.properties) or 'nothing'})",
                next_step="pick a characteristic with that property (`blebench gatt DEVICE`)",
            )
        return char
    for service in services:
        for char in service.characteristics:
            if prop in char.properties:
                return char
    raise TargetError(
        f"{conn.name or conn.address} has no characteristic that allows {prop}",
        next_step="try another --mode, or name the characteristic",
    )


async def run_throughput(
    conn: DeviceConnection, streams: StreamStore, plan: ThroughputPlan
) -> ThroughputResult:
    del streams  # the test counts raw arrivals itself: no decoding on the hot path
    client = conn.client
    control = link_control(client)
    link = control.link_state() if control is not None else {"mtu": conn.mtu}
    uart = client.services.get_service(NUS_SERVICE) is not None and plan.target is None
    loop = asyncio.get_running_loop()
    mtu = int(link.get("mtu") or conn.mtu)
    notes: list[str] = []
    arrivals: list[float] = []
    sizes: list[int] = []
    latencies: list[float] = []
    latency_kind: str | None = None
    loss: dict[str, Any] | None = None
    sent_at: dict[int, float] = {}
    counting = False
    written = 0

    if plan.mode == "notify":
        char = _find_char(conn, NUS_TX if uart else plan.target, "notify")
        seqs: list[int] = []
        offsets: list[float] = []

        def on_value(_char: Any, data: bytearray) -> None:
            if not counting:
                return
            now = loop.time()
            arrivals.append(now)
            sizes.append(len(data))
            if uart and len(data) >= 11 and data[:2] == b"\x55\xaa" and data[4] == _TELEMETRY:
                seqs.append(data[3])
                offsets.append(now - struct.unpack_from("<I", data, 5)[0] / 1000.0)

        await client.start_notify(char, on_value)
        rx = _find_char(conn, NUS_RX, "write") if uart else None
        try:
            if rx is not None:
                await client.write_gatt_char(
                    rx, _frame(1, _SET_CHATTY, struct.pack("<H", _CHATTY_MAX_HZ)), response=True
                )
                notes.append(
                    f"UART Bridge in chatty mode at {_CHATTY_MAX_HZ} frames/s for the test"
                )
            await asyncio.sleep(_SETTLE_S)
            counting = True
            started = loop.time()
            await asyncio.sleep(plan.duration_s)
            counting = False
            ended = loop.time()
        finally:
            if rx is not None:
                await client.write_gatt_char(
                    rx, _frame(2, _SET_CHATTY, struct.pack("<H", 0)), response=True
                )
            await client.stop_notify(char)
        if uart and seqs:
            lost = sum((b - a - 1) % 256 for a, b in zip(seqs, seqs[1:], strict=False))
            loss = {
                "lost": lost,
                "of": lost + len(seqs),
                "ratio": round(lost / (lost + len(seqs)), 4),
                "how": "gaps in the telemetry SEQ: frames the device's full TX buffer dropped",
            }
            best = min(offsets)
            latencies = [(o - best) * 1000.0 for o in offsets]
            latency_kind = (
                "queueing delay: arrival minus the frame's uptime, above the smallest seen"
            )
        value_octets = round(statistics.mean(sizes)) if sizes else 20
    else:
        response = plan.mode == "write"
        prop = "write" if response else "write-without-response"
        char = _find_char(conn, NUS_RX if uart else plan.target, prop)
        room = mtu - 3
        size = plan.size if plan.size is not None else room
        if size < 1:
            raise UserInputError("--size must be at least 1 byte")
        if uart:
            payload_size = min(
                size - _FRAME_OVERHEAD if plan.size else room - _FRAME_OVERHEAD,
                _ECHO_MAX,
                room - _FRAME_OVERHEAD,
            )
            payload_size = max(payload_size, 0)
            size = payload_size + _FRAME_OVERHEAD
            notes.append(
                f"ECHO frames of {size} bytes ({payload_size} bytes of payload) to the UART Bridge"
            )
        elif size > room and not response:
            raise UserInputError(
                f"--size {size} does not fit one write without response (at most {room} with MTU {mtu})",
                next_step="give a smaller --size, or a larger --mtu with `blebench link`",
            )
        echoes: list[float] = []
        tx = _find_char(conn, NUS_TX, "notify") if uart else None

        def on_echo(_char: Any, data: bytearray) -> None:
            if len(data) >= 5 and data[:2] == b"\x55\xaa" and data[4] == _ECHO | _REPLY:
                at = sent_at.pop(data[3], None)
                if at is not None:
                    now = loop.time()
                    echoes.append(now)
                    latencies.append((now - at) * 1000.0)

        if tx is not None:
            await client.start_notify(tx, on_echo)
            latency_kind = "round trip: the ECHO frame written until its echo arrived"
        elif response:
            latency_kind = "write: request until its Write Response"
        filler = bytes(range(256)) * 2
        seq = 0
        started = loop.time()
        deadline = started + plan.duration_s
        try:
            while loop.time() < deadline:
                if uart:
                    while len(sent_at) >= 128 and loop.time() < deadline:
                        await asyncio.sleep(0.001)  # at most half the SEQ space in flight
                    seq = (seq + 1) & 0xFF
                    value = _frame(seq, _ECHO, filler[: size - _FRAME_OVERHEAD])
                    sent_at[seq] = loop.time()
                else:
                    value = filler[:size] if size <= len(filler) else bytes(size)
                if not response and control is not None:
                    while control.acl_backlog() >= BACKLOG_LIMIT and loop.time() < deadline:
                        await asyncio.sleep(0.001)
                at = loop.time()
                await client.write_gatt_char(char, value, response=response)
                arrivals.append(loop.time())
                if response and not uart:
                    latencies.append((loop.time() - at) * 1000.0)
                written += 1
                sizes.append(len(value))
                if not response:
                    await asyncio.sleep(0)
            ended = loop.time()
            if uart:
                await asyncio.sleep(_DRAIN_S)
        finally:
            if tx is not None:
                await client.stop_notify(tx)
        if uart:
            lost = len(sent_at)
            loss = {
                "lost": lost,
                "of": written,
                "ratio": round(lost / written, 4) if written else 0.0,
                "how": "ECHO frames written whose echo never came",
            }
        value_octets = size
    duration = max(ended - started, 1e-6)
    interval = link.get("interval_ms")
    spec = None
    if interval and link.get("tx_phy") and link.get("tx_octets"):
        sender_phy = link["rx_phy"] if plan.mode == "notify" else link["tx_phy"]
        octets = link["rx_octets"] if plan.mode == "notify" else link["tx_octets"]
        phy = airtime.Phy.parse("coded-s8" if sender_phy == "coded" else str(sender_phy))
        cap = airtime.capacity(
            float(interval),
            phy,
            int(octets),
            int(value_octets),
            packets_per_event=plan.packets_per_event,
        )
        spec = cap.to_json()
        ceiling = cap.values_per_s
        if plan.mode == "write":
            # One request outstanding (Vol 3 Part F 3.4.5.1): the value takes its events,
            # the Write Response comes in the event after: events per write = the events its
            # PDUs need + 1.
            pdus = airtime.ll_pdus_for(int(value_octets) + 3, int(octets))
            events = math.ceil(pdus / cap.pdus_per_event) + 1
            per_s = round(1000.0 / (float(interval) * events), 1)
            ceiling = per_s
            spec["values_per_s"] = per_s
            spec["bytes_per_s"] = round(per_s * value_octets, 1)
            spec["events_per_write"] = events
            spec["note"] = "write with response: one request outstanding, answered an event later"
        measured = (len(arrivals) if plan.mode == "notify" else written) / max(
            ended - started, 1e-6
        )
        if measured < 0.5 * ceiling:
            notes.append(
                "the device sent far less than the link could carry: the spec figure is the link's ceiling"
            )
    else:
        notes.append(
            "the radio does not say the link's parameters: no spec figure beside the measured one"
        )
    return ThroughputResult(
        mode=plan.mode,
        characteristic=str(char.uuid),
        uart_bridge=uart,
        duration_s=duration,
        values=len(arrivals) if plan.mode == "notify" else written,
        bytes=sum(sizes),
        per_interval=_per_interval(arrivals, float(interval) if interval else None, started, ended),
        latency_ms=_summary(latencies),
        latency_kind=latency_kind if latencies else None,
        loss=loss,
        link=link,
        spec=spec,
        notes=notes,
    )

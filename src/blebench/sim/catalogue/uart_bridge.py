"""UART Bridge: a serial-over-BLE module (Nordic UART Service) with a framed protocol
and a chatty mode, modelled on the scooter of field note 002.

Nordic UART Service 6e400001-b5a3-f393-e0a9-e50e24dcca9e: the client writes to RX
(...0002, write and write without response) and subscribes to TX (...0003, notify). Both
directions are byte streams: a frame may arrive split over several writes, and frames
longer than a notification (ATT MTU - 3) are split over several notifications.

Frame (all integers little-endian):

    0x55 0xAA  LEN  SEQ  CMD  PAYLOAD[LEN]  CHK

- LEN: payload length (0-200).
- SEQ: chosen by the requester; a reply carries its request's SEQ.
- CMD: the command; a reply has CMD | 0x80.
- CHK: one's complement of the 8-bit sum of LEN, SEQ, CMD and PAYLOAD.

| request | payload | reply | reply payload |
| --- | --- | --- | --- |
| 0x01 PING | - | 0x81 | - |
| 0x02 GET_VERSION | - | 0x82 | major, minor, patch, then ASCII model |
| 0x03 GET_BATTERY | - | 0x83 | percent (u8), millivolts (u16) |
| 0x04 ECHO | any bytes | 0x84 | the same bytes |
| 0x05 SET_CHATTY | rate in Hz (u16), 0 = off | 0x85 | the rate now (u16) |

Errors: NAK, CMD 0xFF with payload [request CMD, reason]: 0x01 unknown command, 0x02 bad
checksum, 0x03 bad payload. Bytes outside a frame are skipped until the next 0x55 0xAA.

Chatty mode (a display dash on the bus, as in the note): unsolicited TELEMETRY frames,
CMD 0x40 with the device's own running SEQ, payload uptime ms (u32), speed cm/s (u16),
battery mV (u16), temperature 0.1 degC (i16), at the configured rate (up to 5,000 a
second), interleaved with replies: a client must match replies by SEQ and CMD. What the
link cannot carry is dropped (a TX buffer of `TX_BUFFER_FRAMES` notifications, as a UART
module's): the SEQ then skips, which is how a client counts the loss; replies are never
dropped.
"""

from __future__ import annotations

import asyncio
import math
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bumble.device import Connection, Device
from bumble.gatt import Characteristic, Service

from blebench.sim.air_link import acl_backlog
from blebench.sim.catalogue import _adv
from blebench.sim.catalogue._gatt import NONE, READ_WRITE, GattPeripheral, Props, dynamic
from blebench.sim.catalogue.base import AddressKind, Control

NUS_SERVICE = "6E400001-B5A3-F393-E0A9-E50E24DCCA9E"
NUS_RX = "6E400002-B5A3-F393-E0A9-E50E24DCCA9E"
NUS_TX = "6E400003-B5A3-F393-E0A9-E50E24DCCA9E"

SYNC = b"\x55\xaa"
MAX_PAYLOAD = 200
HEADER = 5  # sync (2), LEN, SEQ, CMD

PING, GET_VERSION, GET_BATTERY, ECHO, SET_CHATTY = 0x01, 0x02, 0x03, 0x04, 0x05
TELEMETRY = 0x40
REPLY = 0x80
NAK = 0xFF
NAK_UNKNOWN_COMMAND, NAK_BAD_CHECKSUM, NAK_BAD_PAYLOAD = 0x01, 0x02, 0x03
MAX_CHATTY_HZ = 5000.0
FIRMWARE = (1, 4, 2)
MODEL = b"UB-52 bridge"
RX_BUFFER_MAX = 1024
TX_BUFFER_FRAMES = 32  # notifications waiting for the link before telemetry is dropped (512 B)


def checksum(body: bytes) -> int:
    return ~sum(body) & 0xFF


def encode_frame(seq: int, cmd: int, payload: bytes = b"") -> bytes:
    """One frame; raises ValueError for values that do not fit the format."""
    if not 0 <= seq <= 0xFF or not 0 <= cmd <= 0xFF:
        raise ValueError("seq and cmd are single bytes")
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"payload of {len(payload)} bytes, at most {MAX_PAYLOAD}")
    body = bytes([len(payload), seq, cmd]) + payload
    return SYNC + body + bytes([checksum(body)])


@dataclass(frozen=True, slots=True)
class Frame:
    seq: int
    cmd: int
    payload: bytes
    valid: bool = True  # False: the checksum did not match


class FrameParser:
    """Turns a byte stream (writes or notifications, split anywhere) into frames."""

    def __init__(self, limit: int = RX_BUFFER_MAX) -> None:
        self._buffer = bytearray()
        self._limit = limit
        self.skipped = 0  # bytes dropped outside frames

    def feed(self, data: bytes) -> Iterator[Frame]:
        self._buffer += data
        while True:
            start = self._buffer.find(SYNC)
            if start < 0:
                # Keep a trailing 0x55: it may begin the next sync.
                keep = 1 if self._buffer.endswith(SYNC[:1]) else 0
                self.skipped += len(self._buffer) - keep
                del self._buffer[: len(self._buffer) - keep]
                return
            if start:
                self.skipped += start
                del self._buffer[:start]
            if len(self._buffer) < HEADER:
                return
            length = self._buffer[2]
            if length > MAX_PAYLOAD:
                self.skipped += 2  # not a frame after all: resync past this sync
                del self._buffer[:2]
                continue
            total = HEADER + length + 1
            if len(self._buffer) < total:
                if len(self._buffer) > self._limit:
                    self.skipped += len(self._buffer)
                    self._buffer.clear()
                return
            body = bytes(self._buffer[2 : total - 1])
            valid = checksum(body) == self._buffer[total - 1]
            del self._buffer[:total]
            yield Frame(seq=body[1], cmd=body[2], payload=body[3:], valid=valid)


class UartBridge(GattPeripheral):
    name = "UART Bridge"
    address = "E8:1C:5A:77:02:C4"
    address_type: AddressKind = "random-static"
    tx_power_dbm = 0
    distance_m = 3.5
    adv_interval_ms = 100.0

    def __init__(self, *, seed: int = 0, chatty_hz: float | None = None) -> None:
        super().__init__(seed=seed)
        self._chatty_changed = asyncio.Event()
        self.chatty_hz: float | None = None
        self.set_chatty(chatty_hz)
        self.battery_percent = self.rng.randint(55, 90)
        self.requests = 0
        self.replies = 0
        self.telemetry_sent = 0
        self.telemetry_dropped = 0
        self._telemetry_seq = self.rng.randrange(256)
        self._parsers: dict[int, FrameParser] = {}
        self._tx_lock = asyncio.Lock()
        self._loop_time0 = 0.0
        self.rx = dynamic(
            NUS_RX, Props.WRITE | Props.WRITE_WITHOUT_RESPONSE, READ_WRITE, write=self._on_rx
        )
        self.tx = dynamic(NUS_TX, Props.NOTIFY, NONE)

    def advertising_data(self) -> bytes:
        return _adv.payload(_adv.flags(), _adv.uuid128_list(NUS_SERVICE))

    def scan_response_data(self) -> bytes:
        return _adv.payload(_adv.complete_name(self.name), _adv.tx_power(self.tx_power_dbm))

    def services(self, device: Device) -> list[Service]:
        # A new subscriber wakes the telemetry loop at once.
        self.tx.on(Characteristic.EVENT_SUBSCRIPTION, lambda *_: self._chatty_changed.set())
        return [Service(NUS_SERVICE, [self.rx, self.tx])]

    # ------------------------------------------------------------------ controls

    def set_chatty(self, rate_hz: float | None) -> None:
        """Unsolicited telemetry at `rate_hz` frames a second (None or 0: off)."""
        if rate_hz is not None and rate_hz != 0:
            if not (math.isfinite(rate_hz) and 0 < rate_hz <= MAX_CHATTY_HZ):
                raise ValueError(f"chatty rate must be 0-{MAX_CHATTY_HZ:g} Hz, not {rate_hz}")
            self.chatty_hz = float(rate_hz)
        else:
            self.chatty_hz = None
        self._chatty_changed.set()

    def controls(self) -> Mapping[str, Control]:
        return {
            "set_chatty": Control(
                "Unsolicited telemetry frames per second (None: off)",
                self.set_chatty,
                "rate_hz: float | None",
            )
        }

    # ------------------------------------------------------------------ RX

    def _on_rx(self, connection: Connection, value: bytes) -> None:
        parser = self._parsers.get(connection.handle)
        if parser is None:
            parser = self._parsers[connection.handle] = FrameParser()
            connection.once(
                connection.EVENT_DISCONNECTION,
                lambda *_: self._parsers.pop(connection.handle, None),
            )
        for frame in parser.feed(value):
            self.requests += 1
            reply = self._answer(frame)
            self.spawn(self._send(connection, reply))

    def _answer(self, frame: Frame) -> bytes:
        seq, cmd, payload = frame.seq, frame.cmd, frame.payload
        if not frame.valid:
            return encode_frame(seq, NAK, bytes([cmd, NAK_BAD_CHECKSUM]))
        if cmd == PING and not payload:
            return encode_frame(seq, PING | REPLY)
        if cmd == GET_VERSION and not payload:
            return encode_frame(seq, GET_VERSION | REPLY, bytes(FIRMWARE) + MODEL)
        if cmd == GET_BATTERY and not payload:
            millivolts = 3300 + self.battery_percent * 9
            return encode_frame(
                seq, GET_BATTERY | REPLY, struct.pack("<BH", self.battery_percent, millivolts)
            )
        if cmd == ECHO:
            return encode_frame(seq, ECHO | REPLY, payload)
        if cmd == SET_CHATTY and len(payload) == 2:
            rate = struct.unpack("<H", payload)[0]
            if rate > MAX_CHATTY_HZ:
                return encode_frame(seq, NAK, bytes([cmd, NAK_BAD_PAYLOAD]))
            self.set_chatty(rate or None)
            return encode_frame(seq, SET_CHATTY | REPLY, struct.pack("<H", rate))
        if cmd in (PING, GET_VERSION, GET_BATTERY, SET_CHATTY):
            return encode_frame(seq, NAK, bytes([cmd, NAK_BAD_PAYLOAD]))
        return encode_frame(seq, NAK, bytes([cmd, NAK_UNKNOWN_COMMAND]))

    # ------------------------------------------------------------------ TX

    def _subscribed(self, device: Device, connection: Connection) -> bool:
        cccd = device.gatt_server.subscribers.get(connection, {}).get(self.tx.handle)
        return bool(cccd and cccd[0] & 0x01)

    async def _send(self, connection: Connection, frame: bytes) -> None:
        device = self.bumble
        if not self._subscribed(device, connection):
            return  # nobody listens: a UART module drops what it cannot send
        chunk = max(20, connection.att_mtu - 3)
        async with self._tx_lock:
            for offset in range(0, len(frame), chunk):
                await device.notify_subscriber(connection, self.tx, frame[offset : offset + chunk])
        if frame[4] & REPLY or frame[4] == NAK:
            self.replies += 1

    def _telemetry(self, now: float) -> bytes:
        uptime_ms = int((now - self._loop_time0) * 1000) & 0xFFFFFFFF
        speed = max(0, int(550 + 120 * math.sin(now / 7.0) + self.rng.gauss(0, 15)))
        millivolts = 3300 + self.battery_percent * 9 + self.rng.randint(-20, 20)
        temperature = 250 + int(30 * math.sin(now / 60.0))
        self._telemetry_seq = (self._telemetry_seq + 1) & 0xFF
        return encode_frame(
            self._telemetry_seq,
            TELEMETRY,
            struct.pack("<IHHh", uptime_ms, speed, millivolts, temperature),
        )

    async def start(self, device: Device) -> None:
        self._loop_time0 = asyncio.get_running_loop().time()
        self.spawn(self._chatter(device))

    async def _chatter(self, device: Device) -> None:
        loop = asyncio.get_running_loop()
        while True:
            rate = self.chatty_hz
            listeners = [c for c in device.connections.values() if self._subscribed(device, c)]
            if rate is None or not listeners:
                self._chatty_changed.clear()
                try:
                    await asyncio.wait_for(self._chatty_changed.wait(), 0.1)
                except TimeoutError:
                    pass
                continue
            # Send what is due since the last tick, so high rates survive a coarse timer.
            started = loop.time()
            sent = 0
            while self.chatty_hz == rate and listeners:
                due = int((loop.time() - started) * rate) + 1 - sent
                for _ in range(min(due, 256)):
                    frame = self._telemetry(loop.time())
                    async with self._tx_lock:
                        for connection in listeners:
                            if connection.handle not in device.connections:
                                continue
                            if acl_backlog(device) >= TX_BUFFER_FRAMES:
                                self.telemetry_dropped += 1  # the link is full: lost
                                continue
                            await device.notify_subscriber(connection, self.tx, frame)
                    sent += 1
                    self.telemetry_sent += 1
                await asyncio.sleep(min(1.0 / rate, 0.01))
                listeners = [
                    c for c in device.connections.values() if self._subscribed(device, c)
                ]

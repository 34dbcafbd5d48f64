"""Flaky Sensor: a connectable sensor that misbehaves on purpose, one way per
characteristic, so every failure path of a GATT client has something to show.

Its vendor service (B1E55E00-...) holds:

- Error Carousel (...02, read and write): each request gets the next answer in turn:
  ATT 0x0E Unlikely Error, 0x80 (an application error: "sensor busy calibrating"),
  0x11 Insufficient Resources, then success (reads: `ok`), and round again. The turn
  starts over on every new connection.
- Long Log (...04, read and write): 512 bytes of ASCII log lines, the longest an
  attribute value may be: longer than any MTU, so it needs Read Blob (long reads); writes
  of up to 512 bytes (prepared writes) replace it.
- Drop Link (...01, read): the device ends the link in the middle of the read, with
  HCI 0x13 Remote User Terminated Connection, before it answers; it advertises again
  right after, so the next connect works. It comes last in the database, so a walk that
  reads every value shows the other failures first.

and a Heart Rate service (0x180D) whose Heart Rate Measurement (0x2A37, read and notify,
once a second to subscribers) is always cut short: flags announcing a 16-bit bpm and RR
intervals with, in turn, the bpm's second byte missing, an odd byte of RR interval, and
no RR interval at all.

Its name is plain: hostile names come from user-defined devices (`--sim-devices`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from bumble import gatt
from bumble.att import ATT_Error, ErrorCode
from bumble.device import Connection, Device
from bumble.gatt import Service
from bumble.hci import HCI_REMOTE_USER_TERMINATED_CONNECTION_ERROR

from blebench.sim.catalogue import _adv
from blebench.sim.catalogue._gatt import (
    READ,
    READ_WRITE,
    GattPeripheral,
    Props,
    device_information,
    dynamic,
    has_subscribers,
    notify,
)
from blebench.sim.catalogue.base import AddressKind, Control

FLAKY_SERVICE = "B1E55E00-F1A6-4C2D-8E3B-5D9A0C7E1F20"
DROP_LINK = "B1E55E01-F1A6-4C2D-8E3B-5D9A0C7E1F20"
ERROR_CAROUSEL = "B1E55E02-F1A6-4C2D-8E3B-5D9A0C7E1F20"
LONG_LOG = "B1E55E04-F1A6-4C2D-8E3B-5D9A0C7E1F20"
HEART_RATE_SERVICE = 0x180D

APPLICATION_ERROR_BUSY = 0x80  # this device's own meaning: the sensor is calibrating
CAROUSEL = (
    ErrorCode.UNLIKELY_ERROR,  # 0x0E
    APPLICATION_ERROR_BUSY,  # 0x80
    ErrorCode.INSUFFICIENT_RESOURCES,  # 0x11
    None,  # success
)
LONG_VALUE_LEN = 512  # the longest attribute value (Core Vol 3, Part F, 3.2.9)
DROP_ANSWER_WAIT_S = 5.0  # if the link somehow survives the drop, answer 0x0E after this

# Heart Rate Measurement flags: 16-bit bpm (0x01), RR intervals present (0x10).
TRUNCATED_HRM = (
    bytes([0x11, 0x48]),  # the bpm's second byte missing
    bytes([0x11, 0x48, 0x00, 0x40]),  # an odd byte where an RR interval should be
    bytes([0x11, 0x48, 0x00]),  # RR intervals announced, none there
)


def log_lines(seed_value: int, size: int = LONG_VALUE_LEN) -> bytes:
    """`size` bytes of readable log lines (what the device's Long Log holds)."""
    lines = []
    total = 0
    n = 0
    while total < size:
        n += 1
        line = f"{n:04d} t={n * 37 + seed_value % 1000:07d} v={(seed_value >> n % 16) % 997:03d}\n"
        lines.append(line)
        total += len(line)
    return "".join(lines).encode("ascii")[:size]


class FlakySensor(GattPeripheral):
    name = "Flaky Sensor"
    address = "E2:4F:86:0A:D3:59"
    address_type: AddressKind = "random-static"
    tx_power_dbm = 0
    distance_m = 4.5
    adv_interval_ms = 150.0

    def __init__(self, *, seed: int = 0, notify_interval_s: float = 1.0) -> None:
        super().__init__(seed=seed)
        self.notify_interval_s = notify_interval_s
        self._log_seed = self.rng.randrange(2**31)
        self.long_value = log_lines(self._log_seed)
        self.drops = 0
        self._carousel: dict[int, int] = {}  # connection handle -> next turn
        self._hrm_turn = 0
        self.drop_link = dynamic(DROP_LINK, Props.READ, READ, read=self._on_drop_read)
        self.carousel = dynamic(
            ERROR_CAROUSEL,
            Props.READ | Props.WRITE,
            READ_WRITE,
            read=self._on_carousel_read,
            write=self._on_carousel_write,
        )
        self.long_log = dynamic(
            LONG_LOG,
            Props.READ | Props.WRITE,
            READ_WRITE,
            read=lambda _c: self.long_value,
            write=self._on_long_write,
        )
        self.heart_rate = dynamic(
            gatt.GATT_HEART_RATE_MEASUREMENT_CHARACTERISTIC,
            Props.READ | Props.NOTIFY,
            READ,
            read=lambda _c: self.next_truncated_measurement(),
        )

    def advertising_data(self) -> bytes:
        return _adv.payload(
            _adv.flags(), _adv.complete_name(self.name), _adv.uuid16_list(HEART_RATE_SERVICE)
        )

    def scan_response_data(self) -> bytes:
        return _adv.payload(_adv.uuid128_list(FLAKY_SERVICE))

    def services(self, device: Device) -> list[Service]:
        # Drop Link comes last, so a walk that reads everything (`blebench gatt --read`)
        # shows the other failures before the link goes.
        return [
            Service(gatt.GATT_HEART_RATE_SERVICE, [self.heart_rate]),
            device_information(manufacturer="Lemon Devices", model="FS-1", firmware="0.9.3-rc2"),
            Service(FLAKY_SERVICE, [self.carousel, self.long_log, self.drop_link]),
        ]

    # ------------------------------------------------------------------ misbehaviour

    async def _on_drop_read(self, connection: Connection) -> bytes:
        """End the link mid-read: the central's read fails with the disconnection."""
        self.drops += 1
        gone = asyncio.get_running_loop().create_future()
        connection.once(connection.EVENT_DISCONNECTION, lambda *_: _settle(gone))
        self.spawn(_disconnect(connection))
        try:
            await asyncio.wait_for(gone, DROP_ANSWER_WAIT_S)
        except TimeoutError:
            # The link survived (the central ignored the disconnection): say so in ATT.
            raise ATT_Error(ErrorCode.UNLIKELY_ERROR) from None
        # The link is gone: there is no one to answer. Abandoning the request (Bumble runs
        # each one in its own task) sends nothing, where an answer would go to a dead
        # connection handle and be logged as such.
        raise asyncio.CancelledError

    def _turn(self, connection: Connection) -> int | None:
        handle = connection.handle
        if handle not in self._carousel:
            connection.once(
                connection.EVENT_DISCONNECTION, lambda *_: self._carousel.pop(handle, None)
            )
        turn = self._carousel.get(handle, 0)
        self._carousel[handle] = (turn + 1) % len(CAROUSEL)
        return CAROUSEL[turn]

    def _on_carousel_read(self, connection: Connection) -> bytes:
        code = self._turn(connection)
        if code is not None:
            raise ATT_Error(code)
        return b"ok"

    def _on_carousel_write(self, connection: Connection, _value: bytes) -> None:
        code = self._turn(connection)
        if code is not None:
            raise ATT_Error(code)

    def _on_long_write(self, _connection: Connection, value: bytes) -> None:
        if len(value) > LONG_VALUE_LEN:
            raise ATT_Error(ErrorCode.INVALID_ATTRIBUTE_LENGTH)
        self.long_value = bytes(value)

    def next_truncated_measurement(self) -> bytes:
        value = TRUNCATED_HRM[self._hrm_turn % len(TRUNCATED_HRM)]
        self._hrm_turn += 1
        return value

    # ------------------------------------------------------------------ activity

    async def start(self, device: Device) -> None:
        self.spawn(self._run(device))

    async def _run(self, device: Device) -> None:
        while True:
            await asyncio.sleep(self.notify_interval_s)
            if has_subscribers(device, self.heart_rate):
                await notify(device, self.heart_rate, self.next_truncated_measurement())

    def controls(self) -> Mapping[str, Control]:
        return {"reset_log": Control("Put the Long Log back as it was", self.reset_log)}

    def reset_log(self) -> None:
        self.long_value = log_lines(self._log_seed)


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def _disconnect(connection: Connection) -> None:
    try:
        await connection.disconnect(HCI_REMOTE_USER_TERMINATED_CONNECTION_ERROR)
    except Exception:  # noqa: BLE001 - the link may already be gone, which is the point
        pass

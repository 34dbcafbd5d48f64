"""Eddystone beacon: UID, URL and TLM frames in turn (github.com/google/eddystone).

Each frame is service data of UUID 0xFEAA with the complete 16-bit UUID list naming
0xFEAA and Flags 0x06. Frames (TX power at 0 m = measured power at 1 m + 41 dB):
UID (0x00: namespace 10 bytes, instance 6 bytes, 2 RFU), URL (0x10: https://example.com/
blebench, compressed), TLM (0x20 version 0: battery mV, temperature 8.8 fixed point,
advertising PDU count, uptime in 0.1 s; big-endian). The frame changes every
`frame_interval_s` seconds. Non-connectable, not scannable.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Mapping

from bumble.device import Device

from blebench.sim.catalogue import _adv
from blebench.sim.catalogue._gatt import Beacon
from blebench.sim.catalogue.base import AddressKind, Control

EDDYSTONE_UUID16 = 0xFEAA
UID, URL, TLM = 0x00, 0x10, 0x20
FRAMES = (UID, URL, TLM)
URL_SCHEME_HTTPS = 0x03
URL_DOT_COM_SLASH = 0x00
BEACON_URL = bytes([URL_SCHEME_HTTPS]) + b"example" + bytes([URL_DOT_COM_SLASH]) + b"blebench"


class Eddystone(Beacon):
    name = "Eddystone"
    address = "C9:D2:5F:83:10:7A"
    address_type: AddressKind = "random-static"
    tx_power_dbm = -8
    distance_m = 9.0
    adv_interval_ms = 200.0

    def __init__(self, *, seed: int = 0, frame_interval_s: float = 1.0) -> None:
        super().__init__(seed=seed)
        if not frame_interval_s > 0:
            raise ValueError(f"frame_interval_s must be positive, not {frame_interval_s}")
        self.frame_interval_s = frame_interval_s
        self.namespace = bytes.fromhex("edd1ebeac04e5defa017")  # fixed, like a fleet's
        self.instance = self.rng.randbytes(6)
        self.tx_power_0m = -59 + self.tx_power_dbm + 41
        self.battery_mv = self.rng.randint(2800, 3100)
        self.temperature_c = round(self.rng.uniform(18.0, 26.0), 2)
        self.frame = UID
        self._started_at: float | None = None

    def _uptime_s(self) -> float:
        if self._started_at is None:
            return 0.0
        return asyncio.get_running_loop().time() - self._started_at

    def frame_data(self, frame: int) -> bytes:
        tx = struct.pack("<b", self.tx_power_0m)
        if frame == UID:
            return bytes([UID]) + tx + self.namespace + self.instance + bytes(2)
        if frame == URL:
            return bytes([URL]) + tx + BEACON_URL
        uptime = self._uptime_s() if self._started_at is not None else 0.0
        adv_count = int(uptime * 1000 / self.adv_interval_ms)
        return bytes([TLM, 0x00]) + struct.pack(
            ">HhII",
            self.battery_mv,
            round(self.temperature_c * 256),
            adv_count & 0xFFFFFFFF,
            int(uptime * 10) & 0xFFFFFFFF,
        )

    def advertising_data(self) -> bytes:
        return _adv.payload(
            _adv.flags(),
            _adv.uuid16_list(EDDYSTONE_UUID16),
            _adv.service_data16(EDDYSTONE_UUID16, self.frame_data(self.frame)),
        )

    async def start(self, device: Device) -> None:
        self._started_at = asyncio.get_running_loop().time()
        self.spawn(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.frame_interval_s)
            await self.next_frame()

    async def next_frame(self) -> None:
        """Switch to the next frame type (UID, URL, TLM, UID, ...) and send it."""
        self.frame = FRAMES[(FRAMES.index(self.frame) + 1) % len(FRAMES)]
        if self.frame == TLM:
            self.temperature_c = round(self.temperature_c + self.rng.gauss(0, 0.1), 2)
        await self.refresh_advertising()

    def controls(self) -> Mapping[str, Control]:
        return {"next_frame": Control("Send the next frame type now", self.next_frame)}

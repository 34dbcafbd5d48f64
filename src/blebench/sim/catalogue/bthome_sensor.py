"""BTHome Sensor: a non-connectable temperature/humidity sensor speaking BTHome v2.

Service data of UUID 0xFCD2 (bthome.io/format): device information 0x40 (v2, not
encrypted, regular interval), then objects in ascending id order: packet id (0x00), battery
% (0x01), temperature 0.01 degC (0x02, sint16) and humidity 0.01 % (0x03, uint16). The
name is in the advertisement itself; non-connectable, so no Flags. New values every
`update_interval_s` seconds (a new packet id each time), sent to the controller as HCI LE
Set Advertising Data.
"""

from __future__ import annotations

import asyncio
import math
import struct
from collections.abc import Mapping

from bumble.device import Device

from blebench.sim.catalogue import _adv
from blebench.sim.catalogue._gatt import Beacon
from blebench.sim.catalogue.base import AddressKind, Control

BTHOME_UUID16 = 0xFCD2
DEVICE_INFO_V2 = 0x40
APPEARANCE_TEMPERATURE_HUMIDITY = 0x0540 | 0x03  # Sensor / Temperature Sensor


class BthomeSensor(Beacon):
    name = "BTHome Sensor"
    address = "F3:8B:0E:21:A4:D6"
    address_type: AddressKind = "random-static"
    appearance = APPEARANCE_TEMPERATURE_HUMIDITY
    tx_power_dbm = 0
    distance_m = 5.0
    adv_interval_ms = 1000.0

    def __init__(self, *, seed: int = 0, update_interval_s: float = 3.0) -> None:
        super().__init__(seed=seed)
        if not update_interval_s > 0:
            raise ValueError(f"update_interval_s must be positive, not {update_interval_s}")
        self.update_interval_s = update_interval_s
        self.packet_id = self.rng.randrange(256)
        self.temperature_c = round(self.rng.uniform(19.0, 24.0), 2)
        self.humidity_pct = round(self.rng.uniform(38.0, 55.0), 2)
        self.battery_pct = self.rng.randint(60, 100)
        self._ticks = 0

    def service_data(self) -> bytes:
        return bytes([DEVICE_INFO_V2]) + struct.pack(
            "<BBBBBhBH",
            0x00,
            self.packet_id,
            0x01,
            self.battery_pct,
            0x02,
            round(self.temperature_c * 100),
            0x03,
            round(self.humidity_pct * 100),
        )

    def advertising_data(self) -> bytes:
        return _adv.payload(
            _adv.service_data16(BTHOME_UUID16, self.service_data()),
            _adv.complete_name(self.name),
        )

    def step(self) -> None:
        """Move to the next reading: a slow daily swing plus sensor noise."""
        self._ticks += 1
        self.packet_id = (self.packet_id + 1) & 0xFF
        swing = math.sin(self._ticks / 200.0)
        self.temperature_c = round(
            min(60.0, max(-20.0, self.temperature_c + 0.02 * swing + self.rng.gauss(0, 0.05))),
            2,
        )
        self.humidity_pct = round(
            min(99.0, max(5.0, self.humidity_pct - 0.05 * swing + self.rng.gauss(0, 0.2))), 2
        )
        if self.rng.random() < 0.01 and self.battery_pct > 1:
            self.battery_pct -= 1

    async def start(self, device: Device) -> None:
        self.spawn(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.update_interval_s)
            self.step()
            await self.refresh_advertising()

    async def set_reading(
        self, temperature_c: float | None = None, humidity_pct: float | None = None
    ) -> None:
        """Force a reading (e.g. to show an alarm threshold); sent with a new packet id."""
        if temperature_c is not None:
            if not -327.0 < temperature_c < 327.0:
                raise ValueError(f"temperature {temperature_c} does not fit BTHome's sint16")
            self.temperature_c = round(temperature_c, 2)
        if humidity_pct is not None:
            if not 0.0 <= humidity_pct <= 100.0:
                raise ValueError(f"humidity must be 0-100 %, not {humidity_pct}")
            self.humidity_pct = round(humidity_pct, 2)
        self.packet_id = (self.packet_id + 1) & 0xFF
        await self.refresh_advertising()

    def controls(self) -> Mapping[str, Control]:
        return {
            "set_reading": Control(
                "Force a reading", self.set_reading, "temperature_c: float, humidity_pct: float"
            )
        }

"""Pulse HRM: a chest-strap heart-rate monitor (Heart Rate Service 0x180D).

Connectable, public address, appearance Heart Rate Belt (0x0341). Its Complete Local Name
is in the scan response only, so a passive scan shows it nameless. Once a client enables
notifications on Heart Rate Measurement (0x2A37) it sends one measurement a second: flags,
bpm (uint8), energy expended every tenth measurement, and the RR intervals (1/1024 s) of
the beats since the last one. The heart rate follows a slow workout curve with noise.
"""

from __future__ import annotations

import asyncio
import math
import struct

from bumble import att, gatt
from bumble.device import Connection, Device
from bumble.gatt import Service

from blebench.sim.catalogue import _adv
from blebench.sim.catalogue._gatt import (
    NONE,
    WRITE,
    BatteryLevel,
    BatteryPowered,
    Props,
    device_information,
    dynamic,
    has_subscribers,
    notify,
    static,
)
from blebench.sim.catalogue.base import AddressKind

HEART_RATE_SERVICE = 0x180D
BATTERY_SERVICE = 0x180F
APPEARANCE_HEART_RATE_BELT = 0x0341
BODY_SENSOR_CHEST = 0x01

# Heart Rate Measurement flags (Heart Rate Service 3.1.1.1).
FLAG_CONTACT_DETECTED = 0x02
FLAG_CONTACT_SUPPORTED = 0x04
FLAG_ENERGY_EXPENDED = 0x08
FLAG_RR_INTERVALS = 0x10
CONTROL_POINT_NOT_SUPPORTED = 0x80  # ATT application error of the HR Control Point


class PulseHrm(BatteryPowered):
    name = "Pulse HRM"
    address = "A0:9E:1A:5C:31:07"
    address_type: AddressKind = "public"
    appearance = APPEARANCE_HEART_RATE_BELT
    tx_power_dbm = 0
    distance_m = 0.8
    adv_interval_ms = 250.0

    def __init__(self, *, seed: int = 0, notify_interval_s: float = 1.0) -> None:
        super().__init__(seed=seed)
        self.notify_interval_s = notify_interval_s
        self.resting_bpm = self.rng.randint(58, 68)
        self.peak_bpm = self.rng.randint(145, 170)
        self.bpm = float(self.resting_bpm)
        self.energy_kj = 0.0
        self.measurements = 0
        self.battery = BatteryLevel(self.rng.randint(70, 95))
        self._t = 0.0
        self._rr_phase = 0.0
        self.measurement = dynamic(
            gatt.GATT_HEART_RATE_MEASUREMENT_CHARACTERISTIC,
            Props.NOTIFY,
            NONE,
        )
        self.control_point = dynamic(
            gatt.GATT_HEART_RATE_CONTROL_POINT_CHARACTERISTIC,
            Props.WRITE,
            WRITE,
            write=self._on_control_point,
        )

    def advertising_data(self) -> bytes:
        return _adv.payload(
            _adv.flags(),
            _adv.uuid16_list(HEART_RATE_SERVICE, BATTERY_SERVICE),
            _adv.appearance(self.appearance),
        )

    def scan_response_data(self) -> bytes:
        return _adv.payload(_adv.complete_name(self.name), _adv.tx_power(self.tx_power_dbm))

    def services(self, device: Device) -> list[Service]:
        serial = f"{self.rng.randrange(10**9):09d}"
        return [
            Service(
                gatt.GATT_HEART_RATE_SERVICE,
                [
                    self.measurement,
                    static(
                        gatt.GATT_BODY_SENSOR_LOCATION_CHARACTERISTIC,
                        bytes([BODY_SENSOR_CHEST]),
                    ),
                    self.control_point,
                ],
            ),
            self.battery.service,
            device_information(
                manufacturer="Pulse Labs",
                model="PH-200",
                serial=serial,
                hardware="B",
                firmware="2.4.1",
                software="2.4.1",
            ),
        ]

    def _on_control_point(self, _connection: Connection, value: bytes) -> None:
        if value != b"\x01":  # 0x01 = Reset Energy Expended, the only command
            raise att.ATT_Error(CONTROL_POINT_NOT_SUPPORTED)
        self.energy_kj = 0.0

    def next_measurement(self) -> bytes:
        """Advance the simulation by one second and encode a Heart Rate Measurement."""
        self._t += 1.0
        self.measurements += 1
        # A ten-minute workout cycle: warm up, effort, cool down, with beat-to-beat noise.
        effort = 0.5 - 0.5 * math.cos(2 * math.pi * self._t / 600.0)
        target = self.resting_bpm + (self.peak_bpm - self.resting_bpm) * effort
        self.bpm += (target - self.bpm) * 0.2 + self.rng.gauss(0.0, 1.2)
        self.bpm = max(40.0, min(200.0, self.bpm))
        bpm = round(self.bpm)
        self.energy_kj = min(65535.0, self.energy_kj + (0.1 + effort) * 0.6)

        # The beats that fell in this second, each with its own small variation.
        rr: list[int] = []
        self._rr_phase += bpm / 60.0
        while self._rr_phase >= 1.0 and len(rr) < 4:
            self._rr_phase -= 1.0
            seconds = 60.0 / bpm * (1.0 + self.rng.gauss(0.0, 0.03))
            rr.append(max(1, min(0xFFFF, round(seconds * 1024))))

        flags = FLAG_CONTACT_SUPPORTED | FLAG_CONTACT_DETECTED
        body = bytes([bpm])
        if self.measurements % 10 == 0:
            flags |= FLAG_ENERGY_EXPENDED
            body += struct.pack("<H", round(self.energy_kj))
        if rr:
            flags |= FLAG_RR_INTERVALS
            body += b"".join(struct.pack("<H", value) for value in rr)
        return bytes([flags]) + body

    async def start(self, device: Device) -> None:
        self.spawn(self._run(device))

    async def _run(self, device: Device) -> None:
        while True:
            await asyncio.sleep(self.notify_interval_s)
            if has_subscribers(device, self.measurement):
                await notify(device, self.measurement, self.next_measurement())
            if self.rng.random() < 0.002:
                await self.battery.set(device, self.battery.level - 1)

"""Thermo Probe: a clinical thermometer with an ambient sensor pod (Health Thermometer
Service 0x1809 and Environmental Sensing Service 0x181A).

Connectable, random static address, appearance Generic Thermometer (0x0300), its name
in the advertisement. Once a client enables indications on Temperature Measurement
(0x2A1C) it indicates one measurement every Measurement Interval seconds: flags, the
temperature as an IEEE-11073 32-bit FLOAT (Celsius, or Fahrenheit after
`set_fahrenheit(True)`), the device's time stamp and the measurement site. The HTS
spec lets a device send the site either in each measurement or in the Temperature Type
characteristic (0x2A1D); this probe does both, so both decoders have a value to show.

Measurement Interval (0x2A21) is read, write and indicate, with a Valid Range descriptor
(0x2906, 1-600 s): 0 stops periodic measurements, a value outside the range gets ATT 0xFF
Out of Range, a value of the wrong length 0x0D; a change made on the device
(`set_interval`) is indicated.

The Environmental Sensing service carries Temperature (0x2A6E), Humidity (0x2A6F) and
Pressure (0x2A6D), each with a Characteristic Presentation Format (0x2904: format,
exponent, unit) and a Characteristic User Description (0x2901). A vendor service holds
the probe tip's raw temperature, whose only meaning is its 0x2904 (sint16, exponent -2,
degree Celsius): what CPF-typed decoding exists for. Ambient values drift slowly and are
notified to subscribers every 5 device seconds; the raw tip value with each measurement.
"""

from __future__ import annotations

import asyncio
import datetime
import math
import struct
from collections.abc import Mapping

from bumble import gatt
from bumble.att import ATT_Error, ErrorCode
from bumble.device import Connection, Device
from bumble.gatt import Descriptor, Service

from blebench.sim.catalogue import _adv
from blebench.sim.catalogue._gatt import (
    NONE,
    READ,
    READ_WRITE,
    BatteryLevel,
    BatteryPowered,
    Props,
    device_information,
    dynamic,
    has_subscribers,
    indicate,
    notify,
)
from blebench.sim.catalogue.base import AddressKind, Control

HEALTH_THERMOMETER_SERVICE = 0x1809
ENVIRONMENTAL_SENSING_SERVICE = 0x181A
TEMPERATURE_MEASUREMENT = 0x2A1C
TEMPERATURE_TYPE = 0x2A1D
MEASUREMENT_INTERVAL = 0x2A21
PRESSURE = 0x2A6D
TEMPERATURE = 0x2A6E
HUMIDITY = 0x2A6F
APPEARANCE_GENERIC_THERMOMETER = 0x0300
PROBE_SERVICE = "A7C10000-5B1E-4F0D-8C2A-3E9D6F4B7A10"
PROBE_TIP_RAW = "A7C10001-5B1E-4F0D-8C2A-3E9D6F4B7A10"

# Temperature Measurement flags (Health Thermometer Service 3.1.1.1).
FLAG_FAHRENHEIT = 0x01
FLAG_TIME_STAMP = 0x02
FLAG_TEMPERATURE_TYPE = 0x04
SITE_MOUTH = 6  # Temperature Type values: 1 armpit ... 6 mouth ... 9 tympanum
INTERVAL_MIN_S, INTERVAL_MAX_S = 1, 600
AMBIENT_EVERY_S = 5

# Characteristic Presentation Format pieces (Assigned Numbers 2.4.1 formats, 3.5 units).
FORMAT_UINT16, FORMAT_UINT32, FORMAT_SINT16 = 0x06, 0x08, 0x0E
UNIT_CELSIUS, UNIT_PERCENT, UNIT_PASCAL = 0x272F, 0x27AD, 0x2724
NAMESPACE_SIG = 0x01


def ieee11073_float(value: float, exponent: int = -2) -> bytes:
    """A 32-bit IEEE-11073 FLOAT: signed 24-bit mantissa, signed 8-bit exponent."""
    mantissa = round(value * 10**-exponent)
    return ((exponent & 0xFF) << 24 | (mantissa & 0xFFFFFF)).to_bytes(4, "little")


def presentation_format(fmt: int, exponent: int, unit: int, description: int = 0) -> bytes:
    """The 7-byte 0x2904 value (Core Vol 3, Part G, 3.3.3.5)."""
    return struct.pack("<BbHBH", fmt, exponent, unit, NAMESPACE_SIG, description)


def date_time(moment: datetime.datetime) -> bytes:
    """The 7-byte Date Time of the GATT supplement: year (u16), month, day, h, m, s."""
    return struct.pack(
        "<HBBBBB",
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
    )


def _described(fmt: bytes, description: str) -> list[Descriptor]:
    return [
        Descriptor(gatt.GATT_CHARACTERISTIC_PRESENTATION_FORMAT_DESCRIPTOR, READ, fmt),
        Descriptor(
            gatt.GATT_CHARACTERISTIC_USER_DESCRIPTION_DESCRIPTOR, READ, description.encode()
        ),
    ]


class ThermoProbe(BatteryPowered):
    name = "Thermo Probe"
    address = "C5:7D:3E:90:1B:48"
    address_type: AddressKind = "random-static"
    appearance = APPEARANCE_GENERIC_THERMOMETER
    tx_power_dbm = 0
    distance_m = 1.6
    adv_interval_ms = 200.0

    def __init__(self, *, seed: int = 0, clock_s: float = 1.0, interval_s: int = 2) -> None:
        """`clock_s`: real seconds per device second (tests shorten it to hear many
        measurements at once); `interval_s`: the Measurement Interval at power-on."""
        super().__init__(seed=seed)
        if not (math.isfinite(clock_s) and clock_s > 0):
            raise ValueError(f"clock_s must be above 0, not {clock_s}")
        self.clock_s = clock_s
        self.interval_s = self._checked_interval(interval_s)
        self.fahrenheit = False
        self.site = SITE_MOUTH
        self.measurements = 0
        # The device clock: a seeded start, advanced in device seconds, never the wall clock.
        self.now = datetime.datetime(2026, 1, 1, 8, 0, 0) + datetime.timedelta(
            days=self.rng.randrange(300), minutes=self.rng.randrange(600)
        )
        self._elapsed_s = 0.0
        self.body_c = 36.4 + self.rng.uniform(0.0, 0.6)
        self.tip_offset_c = -0.35 + self.rng.uniform(-0.1, 0.1)  # before calibration
        self.ambient_c = 21.0 + self.rng.uniform(0.0, 2.5)
        self.humidity_pct = 40.0 + self.rng.uniform(0.0, 15.0)
        self.pressure_pa = 101_325.0 + self.rng.uniform(-800.0, 800.0)
        self.battery = BatteryLevel(self.rng.randint(60, 100))
        self.serial = f"TP{self.rng.randrange(10**7):07d}"
        self._interval_changed = asyncio.Event()

        self.measurement = dynamic(TEMPERATURE_MEASUREMENT, Props.INDICATE, NONE)
        self.temperature_type = dynamic(
            TEMPERATURE_TYPE, Props.READ, READ, read=lambda _c: bytes([self.site])
        )
        self.interval = dynamic(
            MEASUREMENT_INTERVAL,
            Props.READ | Props.WRITE | Props.INDICATE,
            READ_WRITE,
            read=lambda _c: struct.pack("<H", self.interval_s),
            write=self._on_interval_write,
            descriptors=[
                Descriptor(
                    gatt.GATT_VALID_RANGE_DESCRIPTOR,
                    READ,
                    struct.pack("<HH", INTERVAL_MIN_S, INTERVAL_MAX_S),
                )
            ],
        )
        self.ambient_temperature = dynamic(
            TEMPERATURE,
            Props.READ | Props.NOTIFY,
            READ,
            read=lambda _c: self.ambient_temperature_value(),
            descriptors=_described(
                presentation_format(FORMAT_SINT16, -2, UNIT_CELSIUS), "Ambient temperature"
            ),
        )
        self.humidity = dynamic(
            HUMIDITY,
            Props.READ | Props.NOTIFY,
            READ,
            read=lambda _c: self.humidity_value(),
            descriptors=_described(
                presentation_format(FORMAT_UINT16, -2, UNIT_PERCENT), "Relative humidity"
            ),
        )
        self.pressure = dynamic(
            PRESSURE,
            Props.READ | Props.NOTIFY,
            READ,
            read=lambda _c: self.pressure_value(),
            descriptors=_described(
                presentation_format(FORMAT_UINT32, -1, UNIT_PASCAL), "Air pressure"
            ),
        )
        self.tip_raw = dynamic(
            PROBE_TIP_RAW,
            Props.READ | Props.NOTIFY,
            READ,
            read=lambda _c: self.tip_raw_value(),
            descriptors=_described(
                presentation_format(FORMAT_SINT16, -2, UNIT_CELSIUS),
                "Probe tip, uncalibrated",
            ),
        )

    # ------------------------------------------------------------------ advertising

    def advertising_data(self) -> bytes:
        return _adv.payload(
            _adv.flags(),
            _adv.uuid16_list(HEALTH_THERMOMETER_SERVICE, ENVIRONMENTAL_SENSING_SERVICE),
            _adv.appearance(self.appearance),
            _adv.complete_name(self.name),
        )

    def scan_response_data(self) -> bytes:
        return _adv.payload(_adv.tx_power(self.tx_power_dbm), _adv.uuid128_list(PROBE_SERVICE))

    # ------------------------------------------------------------------ GATT

    def services(self, device: Device) -> list[Service]:
        return [
            Service(
                gatt.GATT_HEALTH_THERMOMETER_SERVICE,
                [self.measurement, self.temperature_type, self.interval],
            ),
            Service(
                gatt.GATT_ENVIRONMENTAL_SENSING_SERVICE,
                [self.ambient_temperature, self.humidity, self.pressure],
            ),
            Service(PROBE_SERVICE, [self.tip_raw]),
            self.battery.service,
            device_information(
                manufacturer="Calidus Medical",
                model="TP-37",
                serial=self.serial,
                firmware="1.2.0",
            ),
        ]

    @staticmethod
    def _checked_interval(seconds: int) -> int:
        if seconds != 0 and not INTERVAL_MIN_S <= seconds <= INTERVAL_MAX_S:
            raise ValueError(
                f"measurement interval must be 0 or {INTERVAL_MIN_S}-{INTERVAL_MAX_S} s, "
                f"not {seconds}"
            )
        return seconds

    def _on_interval_write(self, _connection: Connection, value: bytes) -> None:
        if len(value) != 2:
            raise ATT_Error(ErrorCode.INVALID_ATTRIBUTE_LENGTH)
        seconds = struct.unpack("<H", value)[0]
        if seconds != 0 and not INTERVAL_MIN_S <= seconds <= INTERVAL_MAX_S:
            raise ATT_Error(ErrorCode.OUT_OF_RANGE)  # HTS 3.4.1: outside the Valid Range
        self.interval_s = seconds
        self._interval_changed.set()

    # ------------------------------------------------------------------ values

    def measurement_value(self) -> bytes:
        """The Temperature Measurement of now: flags, FLOAT, time stamp, site."""
        flags = FLAG_TIME_STAMP | FLAG_TEMPERATURE_TYPE
        temperature = round(self.body_c, 2)
        if self.fahrenheit:
            flags |= FLAG_FAHRENHEIT
            temperature = round(self.body_c * 9 / 5 + 32, 2)
        return (
            bytes([flags]) + ieee11073_float(temperature) + date_time(self.now) + bytes([self.site])
        )

    def ambient_temperature_value(self) -> bytes:
        return struct.pack("<h", round(self.ambient_c * 100))

    def humidity_value(self) -> bytes:
        return struct.pack("<H", round(self.humidity_pct * 100))

    def pressure_value(self) -> bytes:
        return struct.pack("<I", round(self.pressure_pa * 10))

    def tip_raw_value(self) -> bytes:
        return struct.pack("<h", round((self.body_c + self.tip_offset_c) * 100))

    def advance(self, seconds: float) -> None:
        """Let `seconds` of device time pass: the clock moves, the values drift."""
        self._elapsed_s += seconds
        self.now += datetime.timedelta(seconds=seconds)
        t = self._elapsed_s
        # A body temperature that wanders a few tenths over half an hour, with sensor noise.
        base = 36.9 + 0.25 * math.sin(2 * math.pi * t / 1800.0)
        self.body_c += (base - self.body_c) * 0.05 + self.rng.gauss(0.0, 0.02)
        self.ambient_c = max(-40.0, min(85.0, self.ambient_c + self.rng.gauss(0.0, 0.02)))
        self.humidity_pct = max(0.0, min(100.0, self.humidity_pct + self.rng.gauss(0.0, 0.1)))
        self.pressure_pa = max(30_000.0, min(110_000.0, self.pressure_pa + self.rng.gauss(0, 3)))

    # ------------------------------------------------------------------ activity

    async def start(self, device: Device) -> None:
        self.spawn(self._run(device))

    async def _run(self, device: Device) -> None:
        since_ambient = 0.0
        while True:
            period = self.interval_s or INTERVAL_MIN_S
            self._interval_changed.clear()
            try:
                # A new interval starts a new period at once, as HTS devices do.
                await asyncio.wait_for(self._interval_changed.wait(), period * self.clock_s)
                continue
            except TimeoutError:
                pass
            self.advance(period)
            since_ambient += period
            if self.interval_s:
                self.measurements += 1
                await indicate(device, self.measurement, self.measurement_value())
                if has_subscribers(device, self.tip_raw):
                    await notify(device, self.tip_raw, self.tip_raw_value())
            if since_ambient >= AMBIENT_EVERY_S:
                since_ambient = 0.0
                for characteristic, value in (
                    (self.ambient_temperature, self.ambient_temperature_value()),
                    (self.humidity, self.humidity_value()),
                    (self.pressure, self.pressure_value()),
                ):
                    if has_subscribers(device, characteristic):
                        await notify(device, characteristic, value)

    # ------------------------------------------------------------------ controls

    def controls(self) -> Mapping[str, Control]:
        return {
            "set_interval": Control(
                "Measurement Interval in seconds (0 stops; indicated)",
                self.set_interval,
                "seconds: int",
            ),
            "set_fahrenheit": Control(
                "Measurements in degrees Fahrenheit (False: Celsius)",
                self.set_fahrenheit,
                "on: bool",
            ),
            "set_site": Control(
                "Measurement site (Temperature Type 1-9, e.g. 6 mouth)", self.set_site, "site: int"
            ),
            **super().controls(),
        }

    async def set_interval(self, seconds: int) -> None:
        """Change the interval on the device, which indicates it (HTS 3.4)."""
        self.interval_s = self._checked_interval(seconds)
        self._interval_changed.set()
        await indicate(self.bumble, self.interval, struct.pack("<H", self.interval_s))

    def set_fahrenheit(self, on: bool) -> None:
        self.fahrenheit = bool(on)

    def set_site(self, site: int) -> None:
        if not 1 <= site <= 9:
            raise ValueError(f"temperature type must be 1-9, not {site}")
        self.site = site

"""A fixed world for the snapshot tests: frozen clocks, and reports and notifications fed
at the session entries the backends use.

The virtual world runs (so the status line, connecting and pairing are the real thing),
but the TUI never scans it: the Scan pane's devices come from fixed reports given to
`SessionManager.ingest_advertisement` (what `BleakScanner` calls, with the Bumble
backend's `RawAdvertisement`), built from the catalogue devices' own payloads with fixed
RSSI series and fixed times. Notifications go to `Stream.push` (what a bleak notify
callback calls). The session is opened on a `FrozenClock` (`SessionManager.open(clock=)`),
so "last seen" ages, rates and log times are the same on every run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData

from blebench.backends.extras import RawAdvertisement
from blebench.decode.payload import decode_payload
from blebench.session.clock import SessionClock
from blebench.session.manager import SessionManager, SessionSettings
from blebench.sim.catalogue import make_device
from blebench.sim.catalogue.base import VirtualPeripheral
from blebench.sim.userdevices import read_user_devices

SEED = 1
MONO_START = 1_000.0  # the frozen monotonic clock when the fixed reports begin (seconds)
WALL_START = 1_767_268_800.0  # 2026-01-01 12:00:00 UTC at MONO_START
NOW = MONO_START + 60.0  # the moment every snapshot is taken
HOSTILE_DEVICES = Path(__file__).resolve().parent.parent / "data" / "hostile_devices.toml"

# The world's resolvable private address changes; the fixed report uses this one.
PRIVACY_TAG_RPA = "5D:21:8A:3C:90:E4"


class FrozenClock:
    """Monotonic and wall clocks that move only when a test says so."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def monotonic(self) -> float:
        return self.now

    def monotonic_ns(self) -> int:
        return round(self.now * 1e9)

    def time_ns(self) -> int:
        return round((WALL_START + self.now - MONO_START) * 1e9)

    def session_clock(self) -> SessionClock:
        """The session's clocks, all read from this one."""
        return SessionClock(
            monotonic=self.monotonic, monotonic_ns=self.monotonic_ns, time_ns=self.time_ns
        )


@dataclass(frozen=True, slots=True)
class Heard:
    """How a device was heard: its RSSI around `rssi`, last `age_s` seconds before NOW."""

    rssi: int
    age_s: float = 0.0
    reports: int = 12


# A steady signal with small movements, the same for every run.
WOBBLE = (0, -2, 3, 1, -3, 0, 4, -1, -4, 2, 0, 3)

# The Scan pane's devices: the catalogue as it was when these pictures were taken.
SCAN_SET = (
    "Pulse HRM",
    "HID Keyboard",
    "ZV Camera",
    "UART Bridge",
    "Smart Lock",
    "Privacy Tag",
    "BTHome Sensor",
    "iBeacon",
    "Eddystone",
    "AltBeacon",
    "Windows PC",
)

HEARD: dict[str, Heard] = {
    "Pulse HRM": Heard(-52),
    "UART Bridge": Heard(-58),
    "HID Keyboard": Heard(-61, 0.4),
    "Smart Lock": Heard(-66, 1.0),
    "ZV Camera": Heard(-70),
    "BTHome Sensor": Heard(-74, 3.2),
    "Windows PC": Heard(-77),
    "Privacy Tag": Heard(-79, 6.0),
    "iBeacon": Heard(-83, 2.0),
    "Eddystone": Heard(-88, 12.5),
    "AltBeacon": Heard(-91, 47.0),
    "markup and OSC title": Heard(-64, 0.2),
    "closing tag": Heard(-72, 8.0),
}


def catalogue(names: Iterable[str]) -> list[VirtualPeripheral]:
    """The named catalogue devices, seeded with SEED (named, so that a device added to
    the catalogue changes no picture)."""
    return [make_device(name, SEED) for name in names]


def hostile() -> list[VirtualPeripheral]:
    """The user-defined devices with markup, escapes and a malformed structure."""
    return list(read_user_devices(HOSTILE_DEVICES, seed=SEED))


def _address(device: VirtualPeripheral) -> tuple[str, bool]:
    if device.address_type == "resolvable":
        return PRIVACY_TAG_RPA, True
    return device.address.upper(), device.address_type != "public"


def reports(device: VirtualPeripheral) -> list[tuple[float, BLEDevice, AdvertisementData]]:
    """(monotonic time, device, advertisement) as an active scan delivers them: each
    advertising report, followed by the scan response of a scannable device."""
    heard = HEARD.get(device.name, Heard(-80))
    address, is_random = _address(device)
    adv = device.advertising_data()
    response = device.scan_response_data()
    connectable = device.connectable
    if connectable:
        adv_type = "ADV_IND"
    elif response is not None:
        adv_type = "ADV_SCAN_IND"
    else:
        adv_type = "ADV_NONCONN_IND"
    name = decode_payload(adv + (response or b"")).local_name
    last = NOW - heard.age_s
    out: list[tuple[float, BLEDevice, AdvertisementData]] = []
    for index in range(heard.reports):
        t = last - (heard.reports - 1 - index) * 1.0
        rssi = heard.rssi + WOBBLE[index % len(WOBBLE)]
        kinds: Sequence[tuple[str, bool]] = [(adv_type, False)]
        if response is not None:
            kinds = [(adv_type, False), ("SCAN_RSP", True)]
        for event_type, is_response in kinds:
            raw = RawAdvertisement(
                address=address,
                random_address=is_random,
                event_type=event_type,
                is_scan_response=is_response,
                legacy=True,
                connectable=connectable,
                adv=adv,
                scan_response=response if is_response or index else None,
                rssi=rssi,
                tx_power=None,
            )
            data = AdvertisementData(
                local_name=name,
                manufacturer_data={},
                service_data={},
                service_uuids=[],
                tx_power=None,
                rssi=rssi,
                platform_data=(raw,),
            )
            out.append((t, BLEDevice(address, name, None), data))
    return out


def feed(session: SessionManager, devices: Iterable[VirtualPeripheral]) -> None:
    """Every device's reports, in time order, each at the time it was heard."""
    timeline = sorted(
        (item for device in devices for item in reports(device)), key=lambda item: item[0]
    )
    for t, device, advertisement in timeline:
        session.ingest_advertisement(device, advertisement, at=t)


async def open_world(
    world: Sequence[VirtualPeripheral],
    heard: Sequence[VirtualPeripheral],
    *,
    sim_devices: Path | None = None,
) -> tuple[SessionManager, FrozenClock]:
    """A session on a virtual world of `world` (plus `sim_devices`), frozen clocks at
    NOW, and the fixed reports of `heard`."""
    clock = FrozenClock()
    session = await SessionManager.open(
        SessionSettings(
            sim=True,
            seed=SEED,
            peripherals=tuple(world),
            sim_devices=sim_devices,
            user_devices=False,
        ),
        clock=clock.session_clock(),
    )
    feed(session, heard)
    return session, clock

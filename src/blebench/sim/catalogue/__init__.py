"""The virtual world's built-in devices, each modelled on a real one (see README,
"The virtual world's devices", and the field notes).

`default_catalogue(seed)` builds one of each; the same seed gives the same values.
`make_device(name)` builds one by name (case-insensitive); `CATALOGUE` maps names to
classes.
"""

from __future__ import annotations

import zlib

from blebench.sim.catalogue.altbeacon import AltBeacon
from blebench.sim.catalogue.base import Control, VirtualPeripheral
from blebench.sim.catalogue.bthome_sensor import BthomeSensor
from blebench.sim.catalogue.eddystone import Eddystone
from blebench.sim.catalogue.fast_pair_buds import FastPairBuds
from blebench.sim.catalogue.flaky_sensor import FlakySensor
from blebench.sim.catalogue.hid_keyboard import HidKeyboard
from blebench.sim.catalogue.ibeacon import IBeacon
from blebench.sim.catalogue.microsoft_cdp import MicrosoftCdp
from blebench.sim.catalogue.privacy_tag import PrivacyTag
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from blebench.sim.catalogue.smart_lock import SmartLock
from blebench.sim.catalogue.thermo_probe import ThermoProbe
from blebench.sim.catalogue.uart_bridge import UartBridge
from blebench.sim.catalogue.zv_camera import ZvCamera

__all__ = [
    "CATALOGUE",
    "Control",
    "VirtualPeripheral",
    "catalogue_names",
    "default_catalogue",
    "find_device",
    "make_device",
]

CATALOGUE: dict[str, type[VirtualPeripheral]] = {
    cls.name: cls
    for cls in (
        PulseHrm,
        HidKeyboard,
        ZvCamera,
        UartBridge,
        SmartLock,
        PrivacyTag,
        BthomeSensor,
        IBeacon,
        Eddystone,
        AltBeacon,
        MicrosoftCdp,
        ThermoProbe,
        FlakySensor,
        FastPairBuds,
    )
}


def catalogue_names() -> list[str]:
    return list(CATALOGUE)


def device_seed(seed: int, name: str) -> int:
    """Each device's own seed: stable across runs and independent of the others."""
    return zlib.crc32(f"{seed}:{name}".encode())


def make_device(name: str, seed: int = 0) -> VirtualPeripheral:
    """A new catalogue device by name (case-insensitive); KeyError names the choices."""
    for known, cls in CATALOGUE.items():
        if known.casefold() == name.strip().casefold():
            return cls(seed=device_seed(seed, known))
    raise KeyError(f"no catalogue device named {name!r}; one of: {', '.join(CATALOGUE)}")


def default_catalogue(seed: int = 0) -> list[VirtualPeripheral]:
    """One of each catalogue device, seeded from `seed`."""
    return [cls(seed=device_seed(seed, name)) for name, cls in CATALOGUE.items()]


def find_device(devices: list[VirtualPeripheral], name: str) -> VirtualPeripheral:
    """The device called `name` (case-insensitive) among `devices`."""
    for device in devices:
        if device.name.casefold() == name.strip().casefold():
            return device
    raise KeyError(f"no device named {name!r}; one of: {', '.join(d.name for d in devices)}")

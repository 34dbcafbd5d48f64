"""Windows PC: the Microsoft Connected Devices Platform beacon ([MS-CDP] 2.2.2.2.2).

Windows advertises it so nearby devices can find the PC (Nearby Sharing, Phone Link):
manufacturer data of Microsoft (0x0006): scenario type 0x01 (Bluetooth), version and
device type (version 1 in the high 3 bits, 9 = Windows 10 Desktop), version and flags,
a reserved byte, a 4-byte salt and a 16-byte device hash. Non-connectable, no Flags; the
salt and hash change now and then (`rotate()`), as Windows does.
"""

from __future__ import annotations

from collections.abc import Mapping

from blebench.sim.catalogue import _adv
from blebench.sim.catalogue._gatt import Beacon
from blebench.sim.catalogue.base import AddressKind, Control

MICROSOFT = 0x0006
SCENARIO_BLUETOOTH = 0x01
DEVICE_TYPE_WINDOWS_DESKTOP = 9
VERSION = 1


class MicrosoftCdp(Beacon):
    name = "Windows PC"
    address = "0E:7B:21:D4:95:6A"  # Windows advertises from a non-resolvable private address
    address_type: AddressKind = "non-resolvable"
    tx_power_dbm = 0
    distance_m = 3.0
    adv_interval_ms = 100.0

    def __init__(self, *, seed: int = 0) -> None:
        super().__init__(seed=seed)
        self.salt = self.rng.randbytes(4)
        self.device_hash = self.rng.randbytes(16)

    def advertising_data(self) -> bytes:
        body = (
            bytes(
                [
                    SCENARIO_BLUETOOTH,
                    VERSION << 5 | DEVICE_TYPE_WINDOWS_DESKTOP,
                    VERSION << 5,  # version and flags: no flags
                    0x00,  # reserved
                ]
            )
            + self.salt
            + self.device_hash
        )
        return _adv.payload(_adv.manufacturer_data(MICROSOFT, body))

    async def rotate(self) -> None:
        """New salt and device hash, as Windows sends from time to time."""
        self.salt = self.rng.randbytes(4)
        self.device_hash = self.rng.randbytes(16)
        await self.refresh_advertising()

    def controls(self) -> Mapping[str, Control]:
        return {"rotate": Control("New salt and device hash", self.rotate)}

"""iBeacon: Apple's proximity beacon format, non-connectable.

Manufacturer data of Apple (0x004C): type 0x02, length 0x15, proximity UUID (16 bytes),
major and minor (big-endian uint16) and the measured power at 1 m (int8 dBm). Flags 0x06
as Apple's specification shows. Non-connectable and not scannable (ADV_NONCONN_IND), so
it has no name on the air: scanners list it by address.
"""

from __future__ import annotations

import struct
from uuid import UUID

from blebench.sim.catalogue import _adv
from blebench.sim.catalogue._gatt import Beacon
from blebench.sim.catalogue.base import AddressKind

APPLE = 0x004C
PROXIMITY_UUID = "B9407F30-F5F8-466E-AFF9-25556B57FE6D"


class IBeacon(Beacon):
    name = "iBeacon"
    address = "C1:4E:73:19:E2:0B"
    address_type: AddressKind = "random-static"
    tx_power_dbm = -4
    distance_m = 7.5
    adv_interval_ms = 100.0

    def __init__(self, *, seed: int = 0) -> None:
        super().__init__(seed=seed)
        self.proximity_uuid = PROXIMITY_UUID
        self.major = 100 + self.rng.randrange(900)
        self.minor = self.rng.randrange(1, 65535)
        self.measured_power = -59 + self.tx_power_dbm  # RSSI at 1 m

    def advertising_data(self) -> bytes:
        body = (
            bytes([0x02, 0x15])
            + UUID(self.proximity_uuid).bytes
            + struct.pack(">HHb", self.major, self.minor, self.measured_power)
        )
        return _adv.payload(_adv.flags(), _adv.manufacturer_data(APPLE, body))

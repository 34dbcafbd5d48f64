"""AltBeacon (github.com/AltBeacon/spec): Radius Networks' open beacon format.

Manufacturer data: company id (here Radius Networks, 0x0118), beacon code 0xBEAC, a
20-byte beacon id (commonly a UUID, then two 16-bit ids), reference RSSI at 1 m (int8)
and a manufacturer-reserved byte. Flags 0x06. Non-connectable, not scannable.
"""

from __future__ import annotations

import struct
from uuid import UUID

from blebench.sim.catalogue import _adv
from blebench.sim.catalogue._gatt import Beacon
from blebench.sim.catalogue.base import AddressKind

RADIUS_NETWORKS = 0x0118
BEACON_CODE = b"\xbe\xac"
ID1 = "2F234454-CF6D-4A0F-ADF2-F4911BA9FFA6"


class AltBeacon(Beacon):
    name = "AltBeacon"
    address = "CE:05:B7:4C:92:38"
    address_type: AddressKind = "random-static"
    tx_power_dbm = 0
    distance_m = 12.0
    adv_interval_ms = 300.0

    def __init__(self, *, seed: int = 0) -> None:
        super().__init__(seed=seed)
        self.id1 = ID1
        self.id2 = self.rng.randrange(1, 65535)
        self.id3 = self.rng.randrange(1, 65535)
        self.reference_rssi = -59 + self.tx_power_dbm

    def advertising_data(self) -> bytes:
        body = (
            BEACON_CODE
            + UUID(self.id1).bytes
            + struct.pack(">HHbB", self.id2, self.id3, self.reference_rssi, 0x00)
        )
        return _adv.payload(_adv.flags(), _adv.manufacturer_data(RADIUS_NETWORKS, body))

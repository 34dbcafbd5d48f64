"""Privacy Tag: a key-finder tag that hides behind resolvable private addresses.

It advertises from a resolvable private address made with its own IRK, and the world
gives it a new one every `rpa_rotate_s` seconds (180 s by default, as phones and tags
commonly do) whenever it is not connected. A scanner cannot tell two of its addresses
apart as the same tag until it has bonded: the tag pairs with Just Works and bonding and
distributes its IRK and identity address (random static), which then resolve every
address it has used or will use.

GATT: Battery, and Immediate Alert (0x1802: write 0 no alert, 1 mild, 2 high) to ring it.
"""

from __future__ import annotations

from bumble import att, gatt
from bumble.device import Connection, Device
from bumble.gatt import Service
from bumble.pairing import PairingConfig

from blebench.pairing.models import IoCapability, PairingOptions
from blebench.sim.catalogue import _adv
from blebench.sim.catalogue._gatt import (
    WRITE,
    BatteryLevel,
    BatteryPowered,
    Props,
    dynamic,
)
from blebench.sim.catalogue.base import AddressKind
from blebench.stack.smp_bridge import PeripheralSecurity

APPEARANCE_TAG = 0x0200
BATTERY_SERVICE = 0x180F
IMMEDIATE_ALERT_SERVICE = 0x1802
ALERT_LEVELS = {0: "no alert", 1: "mild alert", 2: "high alert"}


class PrivacyTag(BatteryPowered):
    name = "Privacy Tag"
    address = "DA:6F:31:A2:7C:05"  # identity address (random static), never on the air
    address_type: AddressKind = "resolvable"
    appearance = APPEARANCE_TAG
    tx_power_dbm = -8
    distance_m = 4.0
    adv_interval_ms = 500.0

    def __init__(self, *, seed: int = 0, rpa_rotate_s: float = 180.0) -> None:
        super().__init__(seed=seed)
        if not rpa_rotate_s > 0:
            raise ValueError(f"rpa_rotate_s must be positive, not {rpa_rotate_s}")
        self.irk: bytes | None = self.rng.randbytes(16)
        self.rpa_rotate_s: float | None = rpa_rotate_s
        self.security = PeripheralSecurity(
            PairingOptions(io=IoCapability.NO_INPUT_NO_OUTPUT, mitm=False, sc=True, bonding=True),
            identity_address_type=PairingConfig.AddressType.RANDOM,
        )
        self.battery = BatteryLevel(self.rng.randint(30, 90))
        self.alert_level = 0
        self.alert = dynamic(
            gatt.GATT_ALERT_LEVEL_CHARACTERISTIC,
            Props.WRITE_WITHOUT_RESPONSE,
            WRITE,
            write=self._on_alert,
        )

    def advertising_data(self) -> bytes:
        return _adv.payload(
            _adv.flags(),
            _adv.uuid16_list(BATTERY_SERVICE, IMMEDIATE_ALERT_SERVICE),
            _adv.appearance(self.appearance),
            _adv.complete_name(self.name),
        )

    def services(self, device: Device) -> list[Service]:
        return [
            Service(gatt.GATT_IMMEDIATE_ALERT_SERVICE, [self.alert]),
            self.battery.service,
        ]

    def _on_alert(self, _connection: Connection, value: bytes) -> None:
        if len(value) != 1 or value[0] not in ALERT_LEVELS:
            raise att.ATT_Error(att.ErrorCode.VALUE_NOT_ALLOWED)
        self.alert_level = value[0]

"""Smart Lock: a door lock that only talks over an authenticated, Secure Connections link.

Pairing: LE Secure Connections with MITM protection, passkey entry. The lock is
DisplayOnly and always shows passkey **123456** (printed on its label): the central types
it. Requests it refuses, with the SMP reason a real lock gives:

- no SC or no MITM flag, or IO capabilities that can only give Just Works
  (e.g. NoInputNoOutput): Pairing Failed 0x03 Authentication Requirements;
- a wrong passkey: 0x04 Confirm Value Failed (Bumble's SMP);
- a Maximum Encryption Key Size below 16: 0x06 Encryption Key Size.

It bonds. `forget_bonds()` drops its keys (a factory reset), so a central that kept its
bond now fails to encrypt: the stale-bond situation of field note 001.

Lock service (vendor UUIDs below): Lock State (read, notify; 0x01 locked, 0x00 unlocked)
and Lock Control Point (write: 0x01 lock, 0x02 unlock), both needing an authenticated
(MITM) encrypted link: ATT 0x0F before pairing, 0x05 on a link without MITM keys.
"""

from __future__ import annotations

from collections.abc import Mapping

from bumble import att
from bumble.device import Connection, Device
from bumble.gatt import Service

from blebench.pairing.models import IoCapability, PairingOptions
from blebench.sim.catalogue import _adv
from blebench.sim.catalogue._gatt import (
    READ_AUTH,
    WRITE_AUTH,
    BatteryLevel,
    GattPeripheral,
    Perm,
    Props,
    device_information,
    dynamic,
    notify,
    secured_cccd,
)
from blebench.sim.catalogue.base import AddressKind, Control
from blebench.stack.smp_bridge import PeripheralSecurity
from blebench.stack.smp_policy import Quirks

PASSKEY = 123456
APPEARANCE_DOOR_LOCK = 0x0708  # Access Control / Door Lock
LOCK_SERVICE = "5A1E0001-7C3B-4D2A-9F6E-0B1C2D3E4F50"
LOCK_STATE = "5A1E0002-7C3B-4D2A-9F6E-0B1C2D3E4F50"
LOCK_CONTROL = "5A1E0003-7C3B-4D2A-9F6E-0B1C2D3E4F50"
LOCKED, UNLOCKED = 0x01, 0x00
CMD_LOCK, CMD_UNLOCK = 0x01, 0x02


class SmartLock(GattPeripheral):
    name = "Smart Lock"
    address = "C7:42:9B:D0:66:1E"
    address_type: AddressKind = "random-static"
    appearance = APPEARANCE_DOOR_LOCK
    tx_power_dbm = -4
    distance_m = 6.0
    adv_interval_ms = 200.0

    def __init__(self, *, seed: int = 0, passkey: int = PASSKEY) -> None:
        super().__init__(seed=seed)
        # SC Only mode (SC, MITM, 16-byte keys) and, as many locks do, a request
        # without the MITM flag is refused whatever the IO capabilities allow.
        self.security = PeripheralSecurity(
            PairingOptions(io=IoCapability.DISPLAY_ONLY, mitm=True, sc=True, bonding=True,
                           min_key_size=16, sc_only=True),
            passkey=passkey,
            quirks=Quirks(require_mitm_flag=True),
        )
        self.passkey = passkey
        self.state = LOCKED
        self.battery = BatteryLevel(self.rng.randint(60, 100))
        self.lock_state = dynamic(
            LOCK_STATE, Props.READ | Props.NOTIFY, READ_AUTH, read=self._read_state
        )
        self.control = dynamic(LOCK_CONTROL, Props.WRITE, WRITE_AUTH, write=self._on_control)

    def advertising_data(self) -> bytes:
        return _adv.payload(
            _adv.flags(), _adv.uuid128_list(LOCK_SERVICE), _adv.appearance(self.appearance)
        )

    def scan_response_data(self) -> bytes:
        return _adv.payload(_adv.complete_name(self.name), _adv.tx_power(self.tx_power_dbm))

    def services(self, device: Device) -> list[Service]:
        secured_cccd(
            device,
            self.lock_state,
            Perm.READABLE | Perm.WRITEABLE | WRITE_AUTH,
            check=self._require_mitm,
        )
        return [
            Service(LOCK_SERVICE, [self.lock_state, self.control]),
            self.battery.service,
            device_information(
                manufacturer="Latchwell", model="LW-300", firmware="3.0.7", hardware="C"
            ),
        ]

    async def _require_mitm(self, connection: Connection) -> None:
        """Bumble marks Just Works links authenticated too: check the bond's keys."""
        device = self.bumble
        keys = None
        if device.keystore is not None:
            keys = await device.keystore.get(str(connection.peer_address))
        if keys is None or keys.ltk is None or not keys.ltk.authenticated:
            raise att.ATT_Error(att.ErrorCode.INSUFFICIENT_AUTHENTICATION)

    async def _read_state(self, connection: Connection) -> bytes:
        await self._require_mitm(connection)
        return bytes([self.state])

    async def _on_control(self, connection: Connection, value: bytes) -> None:
        await self._require_mitm(connection)
        if value == bytes([CMD_LOCK]):
            await self.set_locked(True)
        elif value == bytes([CMD_UNLOCK]):
            await self.set_locked(False)
        else:
            raise att.ATT_Error(att.ErrorCode.VALUE_NOT_ALLOWED)

    async def set_locked(self, locked: bool) -> None:
        """Turn the bolt (as the keypad or the key would) and notify subscribers."""
        state = LOCKED if locked else UNLOCKED
        if state != self.state:
            self.state = state
            await notify(self.bumble, self.lock_state, bytes([state]))

    async def forget_bonds(self) -> int:
        """The lock loses every bond (factory reset); returns how many it had."""
        assert self.security is not None
        return await self.security.forget_bonds(self.bumble)

    def controls(self) -> Mapping[str, Control]:
        return {
            "forget_bonds": Control("Factory reset: forget every bond", self.forget_bonds),
            "set_locked": Control("Lock or unlock by hand", self.set_locked, "locked: bool"),
        }

"""ZV Camera: a Sony vlogging camera's Bluetooth remote interface (field note 000).

Advertising as in the note's capture: flags, manufacturer data of Sony (0x012D) with the
same 20-byte body, and the GAP service UUID; the name is in the scan response. GATT: the
remote-control service 8000ff00-ff00-ffff-ffff-ffffffffffff with FF02 (notify: camera
status) then FF01 (write: commands), as in the note's handle dump.

Security: a write to FF01 before pairing gets ATT 0x0F Insufficient Encryption (the
`status=271` of the note). It pairs with LE legacy Just Works and bonding, and never
answers a Pairing Request that has the Secure Connections bit: the initiator's SMP timer
runs out (NimBLE's `secureConnection: failed rc=13`, then the 531 disconnection), which is
why the note's ESP32 stack failed while Bluedroid (legacy) worked.

FF01 commands (two bytes, modelled on the community-documented remote protocol):
0x0107 focus press / 0x0106 release, 0x0109 shutter press / 0x0108 release,
0x010F record press / 0x010E release. FF02 notifies 02 3F 20/00 (focus acquired/lost),
02 A0 20/00 (shutter pressed/released) and 02 D5 20/00 (recording started/stopped).
"""

from __future__ import annotations

from collections.abc import Mapping

from bumble import att
from bumble.device import Connection, Device
from bumble.gatt import Service

from blebench.pairing.models import IoCapability, PairingOptions
from blebench.sim.catalogue import _adv
from blebench.sim.catalogue._gatt import (
    NONE,
    WRITE_ENC,
    GattPeripheral,
    Props,
    dynamic,
    notify,
)
from blebench.sim.catalogue.base import AddressKind, Control
from blebench.stack.smp_bridge import PeripheralSecurity
from blebench.stack.smp_policy import Quirks

SONY = 0x012D
REMOTE_SERVICE_UUID = "8000FF00-FF00-FFFF-FFFF-FFFFFFFFFFFF"
COMMAND_UUID = 0xFF01
STATUS_UUID = 0xFF02
# The manufacturer data body of the note's capture (after the company id).
CAPTURED_BODY = bytes.fromhex("03006400433422ef002160000000000000000000")

FOCUS_RELEASE, FOCUS_PRESS = 0x0106, 0x0107
SHUTTER_RELEASE, SHUTTER_PRESS = 0x0108, 0x0109
RECORD_RELEASE, RECORD_PRESS = 0x010E, 0x010F

STATUS_FOCUS = 0x3F
STATUS_SHUTTER = 0xA0
STATUS_RECORDING = 0xD5
ON, OFF = 0x20, 0x00


class ZvCamera(GattPeripheral):
    name = "ZV Camera"
    address = "9C:50:D1:4B:2E:11"
    address_type: AddressKind = "public"
    tx_power_dbm = 0
    distance_m = 2.5
    adv_interval_ms = 100.0

    def __init__(self, *, seed: int = 0) -> None:
        super().__init__(seed=seed)
        self.security = PeripheralSecurity(
            PairingOptions(io=IoCapability.NO_INPUT_NO_OUTPUT, mitm=False, sc=False, bonding=True),
            quirks=Quirks(ignore_secure_connections=True),
        )
        self.photos_taken = 0
        self.recording = False
        self.commands: list[int] = []
        self.status = dynamic(STATUS_UUID, Props.NOTIFY, NONE)
        self.command = dynamic(COMMAND_UUID, Props.WRITE, WRITE_ENC, write=self._on_command)

    def advertising_data(self) -> bytes:
        return _adv.payload(
            _adv.flags(),
            _adv.manufacturer_data(SONY, CAPTURED_BODY),
            _adv.uuid16_list(0x1800),
        )

    def scan_response_data(self) -> bytes:
        return _adv.payload(_adv.complete_name(self.name))

    def services(self, device: Device) -> list[Service]:
        return [Service(REMOTE_SERVICE_UUID, [self.status, self.command])]

    async def _on_command(self, _connection: Connection, value: bytes) -> None:
        if len(value) < 2:
            raise att.ATT_Error(att.ErrorCode.INVALID_ATTRIBUTE_LENGTH)
        code = int.from_bytes(value[:2], "big")
        self.commands.append(code)
        status: tuple[int, int] | None = None
        if code == FOCUS_PRESS:
            status = (STATUS_FOCUS, ON)
        elif code == FOCUS_RELEASE:
            status = (STATUS_FOCUS, OFF)
        elif code == SHUTTER_PRESS:
            self.photos_taken += 1
            status = (STATUS_SHUTTER, ON)
        elif code == SHUTTER_RELEASE:
            status = (STATUS_SHUTTER, OFF)
        elif code == RECORD_PRESS:
            self.recording = not self.recording
            status = (STATUS_RECORDING, ON if self.recording else OFF)
        # Unknown commands are ignored, as the camera does.
        if status is not None:
            await notify(self.bumble, self.status, bytes([0x02, *status]))

    async def forget_bonds(self) -> int:
        """Clear the camera's pairing list (Menu > Network > Reset)."""
        assert self.security is not None
        return await self.security.forget_bonds(self.bumble)

    def controls(self) -> Mapping[str, Control]:
        return {"forget_bonds": Control("Forget every bonded remote", self.forget_bonds)}

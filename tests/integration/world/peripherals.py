"""Small peripherals for testing the world and the radio model (not catalogue devices)."""

from __future__ import annotations

from bumble.device import Device
from bumble.gatt import Characteristic, Service

from blebench.sim.catalogue.base import VirtualPeripheral

NAME_SR = bytes([6, 0x09]) + b"Pulse"
HRM_ADV = bytes.fromhex("020106") + bytes.fromhex("03030d18")
BEACON_ADV = bytes.fromhex("0201041aff4c000215") + bytes(range(16)) + bytes.fromhex("00010002c5")
SCANNABLE_ADV = bytes.fromhex("020104") + bytes.fromhex("03ff3412")
TAG_IRK = bytes(range(16, 32))


class PublicHrm(VirtualPeripheral):
    """Connectable, public address, its name only in the scan response, one service."""

    name = "Test HRM"
    address = "00:1B:DC:01:02:03"
    address_type = "public"
    adv_interval_ms = 30.0

    def advertising_data(self) -> bytes:
        return HRM_ADV

    def scan_response_data(self) -> bytes | None:
        return NAME_SR

    def configure(self, device: Device) -> None:
        device.add_service(
            Service(
                "180D",
                [
                    Characteristic(
                        "2A38",
                        Characteristic.Properties.READ,
                        Characteristic.Permissions.READABLE,
                        bytes([1]),
                    )
                ],
            )
        )


class Beacon(VirtualPeripheral):
    """Non-connectable, not scannable: ADV_NONCONN_IND."""

    name = "Test Beacon"
    address = "C1:22:33:44:55:66"
    connectable = False
    adv_interval_ms = 30.0
    distance_m = 20.0

    def advertising_data(self) -> bytes:
        return BEACON_ADV


class ScannableBeacon(VirtualPeripheral):
    """Non-connectable but scannable: ADV_SCAN_IND."""

    name = "Test Scannable"
    address = "C2:22:33:44:55:66"
    connectable = False
    adv_interval_ms = 30.0
    distance_m = 0.5

    def advertising_data(self) -> bytes:
        return SCANNABLE_ADV

    def scan_response_data(self) -> bytes | None:
        return bytes([5, 0x09]) + b"Scan"


class PrivacyTag(VirtualPeripheral):
    """Resolvable private address with a known IRK, rotating quickly."""

    name = "Test Tag"
    address = "D1:22:33:44:55:67"
    address_type = "resolvable"
    irk = TAG_IRK
    rpa_rotate_s = 0.15
    adv_interval_ms = 20.0

    def advertising_data(self) -> bytes:
        return bytes.fromhex("020106")

"""Building legacy advertising payloads, and changing them while a device advertises.

Payloads are plain bytes built from AD structures (Core Supplement Part A). Every device
keeps its advertising data and scan response within the legacy 31 bytes, checked here,
so what the world transmits is exactly what a real controller would.
"""

from __future__ import annotations

import struct
from uuid import UUID

from bumble import hci
from bumble.core import AdvertisingData
from bumble.device import Device

LEGACY_MAX = 31

# Flags values (Core Supplement Part A 1.3), as Bumble names them.
LE_GENERAL_DISCOVERABLE = int(AdvertisingData.Flags.LE_GENERAL_DISCOVERABLE_MODE)
BR_EDR_NOT_SUPPORTED = int(AdvertisingData.Flags.BR_EDR_NOT_SUPPORTED)
GENERAL_FLAGS = LE_GENERAL_DISCOVERABLE | BR_EDR_NOT_SUPPORTED


class AdvertisingTooLong(ValueError):
    """A payload that would not fit a legacy advertising PDU."""


def ad(ad_type: int, payload: bytes) -> bytes:
    """One AD structure: length, type, payload."""
    if len(payload) > LEGACY_MAX - 2:
        raise AdvertisingTooLong(f"AD type 0x{ad_type:02X}: {len(payload)} bytes of data")
    return bytes([len(payload) + 1, ad_type]) + payload


def flags(value: int = GENERAL_FLAGS) -> bytes:
    return ad(AdvertisingData.Type.FLAGS, bytes([value]))


def complete_name(name: str) -> bytes:
    return ad(AdvertisingData.Type.COMPLETE_LOCAL_NAME, name.encode("utf-8"))


def shortened_name(name: str) -> bytes:
    return ad(AdvertisingData.Type.SHORTENED_LOCAL_NAME, name.encode("utf-8"))


def uuid16_list(*uuids: int, complete: bool = True) -> bytes:
    ad_type = (
        AdvertisingData.Type.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS
        if complete
        else AdvertisingData.Type.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS
    )
    return ad(ad_type, b"".join(struct.pack("<H", u) for u in uuids))


def uuid128_list(*uuids: str, complete: bool = True) -> bytes:
    ad_type = (
        AdvertisingData.Type.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS
        if complete
        else AdvertisingData.Type.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS
    )
    # On air 128-bit UUIDs are little-endian.
    return ad(ad_type, b"".join(UUID(u).bytes[::-1] for u in uuids))


def appearance(value: int) -> bytes:
    return ad(AdvertisingData.Type.APPEARANCE, struct.pack("<H", value))


def tx_power(dbm: int) -> bytes:
    return ad(AdvertisingData.Type.TX_POWER_LEVEL, struct.pack("<b", dbm))


def service_data16(uuid: int, payload: bytes) -> bytes:
    return ad(AdvertisingData.Type.SERVICE_DATA_16_BIT_UUID, struct.pack("<H", uuid) + payload)


def manufacturer_data(company_id: int, payload: bytes) -> bytes:
    return ad(
        AdvertisingData.Type.MANUFACTURER_SPECIFIC_DATA, struct.pack("<H", company_id) + payload
    )


def payload(*structures: bytes) -> bytes:
    """Concatenate AD structures into one legacy payload (at most 31 bytes)."""
    data = b"".join(structures)
    if len(data) > LEGACY_MAX:
        raise AdvertisingTooLong(f"{len(data)} bytes, legacy advertising holds {LEGACY_MAX}")
    return data


async def push_advertising(device: Device, adv: bytes, scan_response: bytes | None = None) -> None:
    """Hand new advertising (and scan-response) data to the device's controller.

    Sent as HCI LE Set Advertising Data / LE Set Scan Response Data through the device's
    own host, as firmware does; legacy advertising accepts these while it is enabled, and
    the controller transmits the latest data from its next advertising event on.
    """
    payload(adv)  # length check
    device.advertising_data = adv
    await device.send_sync_command(hci.HCI_LE_Set_Advertising_Data_Command(advertising_data=adv))
    if scan_response is not None:
        payload(scan_response)
        device.scan_response_data = scan_response
        await device.send_sync_command(
            hci.HCI_LE_Set_Scan_Response_Data_Command(scan_response_data=scan_response)
        )

"""What bleak's `AdvertisementData` cannot carry, passed in its `platform_data`.

A backend that sees raw HCI reports (the Bumble backend) puts one `RawAdvertisement` first
in `platform_data`; the session layer uses it when present and says what is missing when
it is not (the OS stacks merge advertising data and scan response).
"""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True, slots=True)
class RawAdvertisement:
    """One advertising report, with the device's latest payloads of both kinds."""

    address: str  # "AA:BB:CC:DD:EE:FF"
    random_address: bool  # the report's address type: False = public
    event_type: str  # this report: ADV_IND, ADV_DIRECT_IND, ADV_SCAN_IND, ADV_NONCONN_IND,
    #                  SCAN_RSP, EXT_ADV or EXT_SCAN_RSP
    is_scan_response: bool
    legacy: bool  # a legacy PDU (the extended report's legacy bit, or a legacy report)
    connectable: bool | None  # from the last advertisement (None: only a response seen yet)
    adv: bytes | None  # the latest advertising data (None: none seen yet)
    scan_response: bytes | None  # the latest scan response (None: none seen)
    rssi: int
    tx_power: int | None  # from the report's TX power field, when the controller gives it
    # The PHYs the report came on ("LE 1M", "LE 2M", "LE Coded": Bumble's names): a legacy
    # PDU is always on LE 1M; an
    # extended report names its primary and, for AUX PDUs, secondary PHY. None: not told.
    primary_phy: str | None = None
    secondary_phy: str | None = None


def raw_advertisement(platform_data: tuple[Any, ...]) -> RawAdvertisement | None:
    """The RawAdvertisement of an AdvertisementData's platform_data, if a backend gave one."""
    if platform_data and isinstance(platform_data[0], RawAdvertisement):
        return platform_data[0]
    return None

"""Vendor formats carried in manufacturer data and service data, dispatched by company id
and by 16-bit service UUID."""

from __future__ import annotations

from blebench.decode.vendor.altbeacon import BEACON_CODE, decode_altbeacon
from blebench.decode.vendor.apple import decode_apple_continuity
from blebench.decode.vendor.base import FORMATS, VendorDecoding
from blebench.decode.vendor.bthome import BTHOME_UUID16, decode_bthome
from blebench.decode.vendor.eddystone import EDDYSTONE_UUID16, decode_eddystone
from blebench.decode.vendor.fast_pair import FAST_PAIR_UUID16, decode_fast_pair
from blebench.decode.vendor.ibeacon import APPLE, decode_ibeacon
from blebench.decode.vendor.microsoft_cdp import MICROSOFT, decode_microsoft_cdp

__all__ = [
    "FORMATS",
    "VendorDecoding",
    "decode_bthome",
    "decode_manufacturer",
    "decode_service_data16",
]


def decode_manufacturer(company_id: int, body: bytes) -> VendorDecoding | None:
    """The vendor format in one manufacturer-data structure, if any."""
    if body[:2] == BEACON_CODE:
        found = decode_altbeacon(company_id, body)
        if found is not None:
            return found
    if company_id == APPLE:
        return decode_ibeacon(body) or decode_apple_continuity(body)
    if company_id == MICROSOFT:
        return decode_microsoft_cdp(body)
    return None


def decode_service_data16(
    uuid16: int, body: bytes, *, mac: bytes | None = None, bthome_key: bytes | None = None
) -> VendorDecoding | None:
    """The vendor format in one 16-bit service-data structure, if any."""
    if uuid16 == EDDYSTONE_UUID16:
        return decode_eddystone(body)
    if uuid16 == BTHOME_UUID16:
        return decode_bthome(body, mac=mac, bind_key=bthome_key)
    if uuid16 == FAST_PAIR_UUID16:
        return decode_fast_pair(body)
    return None

"""AltBeacon (github.com/AltBeacon/spec): manufacturer data of any company, beacon code
`BE AC`, beacon id (20), reference RSSI (int8), manufacturer reserved (1)."""

from __future__ import annotations

from typing import Any

from blebench.decode.formats.base import (
    MANUFACTURER_DATA,
    Context,
    Format,
    VendorDecoding,
    int8,
    uuid_text,
    vendor,
)

BEACON_CODE = b"\xbe\xac"
BODY_LENGTH = 24  # after the company id


def decode_altbeacon(company_id: int, body: bytes) -> VendorDecoding | None:
    """None unless the beacon code is there with at least the reference RSSI; a frame
    without its reserved byte (as some devices send) decodes with a note."""
    n = len(body)
    if n < BODY_LENGTH - 1 or body[:2] != BEACON_CODE:
        return None
    beacon_id = body[2:22]
    fields: dict[str, Any] = {
        "company_id": company_id,
        "beacon_id": beacon_id.hex(),
        # The common layout splits the id like an iBeacon: id1 UUID, id2, id3 (big-endian).
        "id1": uuid_text(beacon_id[:16]),
        "id2": beacon_id[16] << 8 | beacon_id[17],
        "id3": beacon_id[18] << 8 | beacon_id[19],
        "reference_rssi": int8(body[22]),
        "manufacturer_reserved": body[23] if n > 23 else None,
    }
    note = None
    if n == BODY_LENGTH - 1:
        note = "short frame: no manufacturer reserved byte"
    elif n > BODY_LENGTH:
        note = f"{n - BODY_LENGTH} extra bytes after the manufacturer reserved byte"
    return vendor("altbeacon", fields, note)


def _decode(body: bytes, context: Context) -> VendorDecoding | None:
    return decode_altbeacon(context.key, body)


# Any company's manufacturer data; tried before the company's own formats.
FORMATS = (Format("altbeacon", "AltBeacon", MANUFACTURER_DATA, None, _decode, BEACON_CODE),)

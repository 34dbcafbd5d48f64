"""Apple iBeacon: manufacturer data of company 0x004C, `02 15` then proximity UUID (16),
major (2, big-endian), minor (2, big-endian), measured power at 1 m (int8)."""

from __future__ import annotations

from blebench.decode.formats.base import (
    MANUFACTURER_DATA,
    Context,
    Format,
    VendorDecoding,
    int8,
    uuid_text,
    vendor,
)

APPLE = 0x004C
PREFIX = b"\x02\x15"
BODY_LENGTH = 23  # after the company id: prefix 2 + 16 + 2 + 2 + 1


def decode_ibeacon(body: bytes) -> VendorDecoding | None:
    """`body` is the manufacturer data after the company id. None unless the prefix and the
    length match exactly: bytes that only look like an iBeacon are not one."""
    if len(body) != BODY_LENGTH or body[:2] != PREFIX:
        return None
    return vendor(
        "ibeacon",
        {
            "uuid": uuid_text(body[2:18]),
            "major": body[18] << 8 | body[19],
            "minor": body[20] << 8 | body[21],
            "measured_power": int8(body[22]),
        },
    )


def _decode(body: bytes, context: Context) -> VendorDecoding | None:
    return decode_ibeacon(body)


# Before Apple Continuity: an iBeacon is the one continuity message decoded in full.
FORMATS = (Format("ibeacon", "iBeacon", MANUFACTURER_DATA, APPLE, _decode, PREFIX),)

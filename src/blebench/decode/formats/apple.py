"""Apple Continuity messages (manufacturer data of company 0x004C other than iBeacon):
a sequence of type (1), length (1), data. The type names follow the public research on
the protocol (furiousMAC/continuity, "Handoff All Your Privacy", Martin et al. 2019);
the contents are not decoded, only named."""

from __future__ import annotations

from typing import Any

from blebench.decode.formats.base import MANUFACTURER_DATA, Context, Format, VendorDecoding, vendor
from blebench.decode.formats.ibeacon import APPLE

MESSAGE_TYPES = {
    0x02: "iBeacon",
    0x03: "AirPrint",
    0x05: "AirDrop",
    0x06: "HomeKit",
    0x07: "Proximity Pairing",
    0x08: "Hey Siri",
    0x09: "AirPlay Target",
    0x0A: "AirPlay Source",
    0x0B: "Magic Switch",
    0x0C: "Handoff",
    0x0D: "Tethering Target Presence",
    0x0E: "Tethering Source Presence",
    0x0F: "Nearby Action",
    0x10: "Nearby Info",
    0x12: "Find My",
}


def decode_apple_continuity(body: bytes) -> VendorDecoding | None:
    """`body` is the manufacturer data after the company id. None when it is empty."""
    if not body:
        return None
    messages: list[dict[str, Any]] = []
    notes: list[str] = []
    i, n = 0, len(body)
    while i < n:
        kind = body[i]
        if i + 1 >= n:
            notes.append(f"message type 0x{kind:02x} at byte {i} has no length byte")
            break
        length = body[i + 1]
        data = body[i + 2 : i + 2 + length]
        message: dict[str, Any] = {
            "type": kind,
            "name": MESSAGE_TYPES.get(kind, f"Unknown (0x{kind:02x})"),
            "data": data.hex(),
        }
        messages.append(message)
        if len(data) < length:
            notes.append(f"message 0x{kind:02x} is truncated ({len(data)} of {length} bytes)")
            break
        if kind == 0x02:
            notes.append("iBeacon-like message whose length does not match an iBeacon")
        i += 2 + length
    return vendor(
        "apple-continuity",
        {"messages": tuple(messages)},
        "; ".join(notes) or None,
    )


def _decode(body: bytes, context: Context) -> VendorDecoding | None:
    return decode_apple_continuity(body)


FORMATS = (Format("apple-continuity", "Apple Continuity", MANUFACTURER_DATA, APPLE, _decode),)

"""Google Fast Pair (developers.google.com/nearby/fast-pair/specifications/service/
provider): service data of UUID 0xFE2C. Discoverable: the 3-byte model id. Not
discoverable: a flags byte then length/type fields (account key filter, salt...)."""

from __future__ import annotations

from typing import Any

from blebench.decode.formats.base import SERVICE_DATA_16, Context, Format, VendorDecoding, vendor

FAST_PAIR_UUID16 = 0xFE2C

FIELD_TYPES = {
    0b0000: "account key filter (show UI)",
    0b0010: "account key filter (hide UI)",
    0b0001: "salt",
    0b0011: "battery (show UI)",
    0b0100: "battery (hide UI)",
}


def decode_fast_pair(body: bytes) -> VendorDecoding | None:
    """`body` is the service data after the 0xFE2C UUID."""
    n = len(body)
    if n == 0:
        return None
    if n == 3:
        model = body[0] << 16 | body[1] << 8 | body[2]
        return vendor(
            "google-fast-pair",
            {"discoverable": True, "model_id": f"{model:06x}"},
        )
    fields: dict[str, Any] = {"discoverable": False, "flags": body[0]}
    items: list[dict[str, Any]] = []
    i = 1
    note = None
    while i < n:
        length, kind = body[i] >> 4, body[i] & 0x0F
        value = body[i + 1 : i + 1 + length]
        items.append(
            {"type": kind, "name": FIELD_TYPES.get(kind, f"Unknown ({kind})"), "value": value.hex()}
        )
        if len(value) < length:
            note = f"field at byte {i} is truncated ({len(value)} of {length} bytes)"
            break
        i += 1 + length
    fields["fields"] = tuple(items)
    if not items:
        note = "no account keys"
    return vendor("google-fast-pair", fields, note)


def _decode(body: bytes, context: Context) -> VendorDecoding | None:
    return decode_fast_pair(body)


FORMATS = (Format("google-fast-pair", "Fast Pair", SERVICE_DATA_16, FAST_PAIR_UUID16, _decode),)

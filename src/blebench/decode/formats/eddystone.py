"""Eddystone (github.com/google/eddystone, protocol-specification.md and the per-frame
pages): service data of UUID 0xFEAA; the first byte is the frame type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from blebench.decode.formats.base import (
    SERVICE_DATA_16,
    Context,
    Decoder,
    Format,
    VendorDecoding,
    int8,
    vendor,
)

EDDYSTONE_UUID16 = 0xFEAA

# eddystone-url: URL scheme prefixes and the text expansion codes.
URL_SCHEMES = ("http://www.", "https://www.", "http://", "https://")
URL_EXPANSIONS = (
    ".com/", ".org/", ".edu/", ".net/", ".info/", ".biz/", ".gov/",
    ".com", ".org", ".edu", ".net", ".info", ".biz", ".gov",
)  # fmt: skip


def _uid(body: bytes) -> VendorDecoding | None:
    # Type, TX power at 0 m, namespace (10), instance (6), RFU (2).
    n = len(body)
    if n < 18:
        return None
    fields = {
        "tx_power_0m": int8(body[1]),
        "namespace": body[2:12].hex(),
        "instance": body[12:18].hex(),
    }
    note = None
    if n < 20:
        note = "short frame: no RFU bytes" if n == 18 else "short frame: one RFU byte"
    elif n > 20:
        note = f"{n - 20} extra bytes after the RFU bytes"
    return vendor("eddystone-uid", fields, note)


def _url(body: bytes) -> VendorDecoding | None:
    if len(body) < 3:
        return None
    scheme = body[2]
    notes = []
    parts = []
    if scheme < len(URL_SCHEMES):
        parts.append(URL_SCHEMES[scheme])
    else:
        notes.append(f"reserved scheme prefix 0x{scheme:02x}")
    for b in body[3:]:
        if b < len(URL_EXPANSIONS):
            parts.append(URL_EXPANSIONS[b])
        elif 0x20 < b < 0x7F:
            parts.append(chr(b))
        else:
            parts.append(f"\\x{b:02x}")
            if not notes or not notes[-1].startswith("reserved URL"):
                notes.append("reserved URL bytes shown as \\xNN")
    if len(body) > 20:
        notes.append(f"URL longer than the 17 bytes the spec allows ({len(body) - 3})")
    fields = {"tx_power_0m": int8(body[1]), "url": "".join(parts)}
    return vendor("eddystone-url", fields, "; ".join(notes) or None)


def _tlm(body: bytes) -> VendorDecoding | None:
    if len(body) < 2:
        return None
    version = body[1]
    if version == 0x00:
        # Unencrypted TLM: battery mV, temperature 8.8 fixed point, PDU count, uptime in
        # 0.1 s; all big-endian.
        if len(body) < 14:
            return None
        battery = body[2] << 8 | body[3]
        raw_temp = body[4] << 8 | body[5]
        temperature = (
            None if raw_temp == 0x8000 else int.from_bytes(body[4:6], "big", signed=True) / 256
        )
        sec = int.from_bytes(body[10:14], "big")
        fields: dict[str, Any] = {
            "version": 0,
            "battery_mv": battery if battery else None,
            "temperature_c": temperature,
            "advertising_count": int.from_bytes(body[6:10], "big"),
            "uptime_s": sec / 10,
        }
        notes = []
        if not battery:
            notes.append("battery voltage not reported (0)")
        if temperature is None:
            notes.append("temperature not supported (0x8000)")
        if len(body) > 14:
            notes.append(f"{len(body) - 14} extra bytes")
        return vendor("eddystone-tlm", fields, "; ".join(notes) or None)
    if version == 0x01 and len(body) >= 18:
        # Encrypted TLM (eTLM): 12 bytes of ciphertext, salt (2), MIC (2).
        fields = {
            "version": 1,
            "etlm": body[2:14].hex(),
            "salt": body[14:16].hex(),
            "mic": body[16:18].hex(),
        }
        return vendor("eddystone-tlm", fields, "encrypted TLM (needs the EID key)")
    return None


def _eid(body: bytes) -> VendorDecoding | None:
    if len(body) < 10:
        return None
    fields = {"tx_power_0m": int8(body[1]), "eid": body[2:10].hex()}
    note = f"{len(body) - 10} extra bytes" if len(body) > 10 else None
    return vendor("eddystone-eid", fields, note)


_FRAMES = {0x00: _uid, 0x10: _url, 0x20: _tlm, 0x30: _eid}


def _frame(read: Callable[[bytes], VendorDecoding | None]) -> Decoder:
    def decode(body: bytes, context: Context) -> VendorDecoding | None:
        return read(body)

    return decode


# One format per frame type, chosen by the frame type byte.
FORMATS = (
    Format("eddystone-uid", "Eddystone UID", SERVICE_DATA_16, EDDYSTONE_UUID16, _frame(_uid), b"\x00"),
    Format("eddystone-url", "Eddystone URL", SERVICE_DATA_16, EDDYSTONE_UUID16, _frame(_url), b"\x10"),
    Format("eddystone-tlm", "Eddystone TLM", SERVICE_DATA_16, EDDYSTONE_UUID16, _frame(_tlm), b"\x20"),
    Format("eddystone-eid", "Eddystone EID", SERVICE_DATA_16, EDDYSTONE_UUID16, _frame(_eid), b"\x30"),
)  # fmt: skip


def decode_eddystone(body: bytes) -> VendorDecoding | None:
    """`body` is the service data after the 0xFEAA UUID. None for an unknown frame type
    or a frame too short to hold its fields."""
    if not body:
        return None
    frame = _FRAMES.get(body[0])
    return frame(body) if frame is not None else None

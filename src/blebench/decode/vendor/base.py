"""The result of a vendor-format decoding (beacons, BTHome, continuity messages...)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from blebench.decode.ad import slotted_maker

FORMATS = (
    "ibeacon",
    "altbeacon",
    "eddystone-uid",
    "eddystone-url",
    "eddystone-tlm",
    "eddystone-eid",
    "bthome",
    "apple-continuity",
    "microsoft-cdp",
    "google-fast-pair",
)


@dataclass(frozen=True, slots=True)
class VendorDecoding:
    """`format` is one of FORMATS; `fields` are JSON-ready and read-only; `note` says
    what was odd about the frame (short, encrypted, reserved values) when anything was."""

    format: str
    fields: Mapping[str, Any]
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": self.format}
        out.update(self.fields)
        if self.note is not None:
            out["note"] = self.note
        return out


_make_vendor = slotted_maker(VendorDecoding)


def vendor(kind: str, fields: dict[str, Any], note: str | None = None) -> VendorDecoding:
    """A decoding whose fields are a read-only view of `fields` (which the caller must not
    change afterwards); built without the dataclass's slower frozen __init__."""
    return _make_vendor(kind, MappingProxyType(fields), note)


def uuid_text(raw16: bytes) -> str:
    """16 bytes in transmission order (big-endian here, as beacons send them) as a UUID."""
    h = raw16.hex()
    return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def int8(value: int) -> int:
    return value - 256 if value > 127 else value

"""One advertising payload (advertising data, scan response, or both joined; any length)
decoded: its AD structures, the vendor formats inside them, and the few values a scanner
shows in its list.

`decode_payload` is cached by the payload bytes; its results are immutable and shared
between callers. `decode_payload_uncached` is its twin for fuzzing, benchmarks and for
decoding with keys (BTHome bind keys depend on more than the bytes).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from blebench.decode.ad import AdStructure, slotted_maker, split_structures
from blebench.decode.ad_types import uuid16_entry, uuid32_entry, uuid128_entry
from blebench.decode.vendor import VendorDecoding, decode_manufacturer, decode_service_data16

__all__ = [
    "AdStructure",
    "DecodedPayload",
    "VendorDecoding",
    "decode_payload",
    "decode_payload_uncached",
    "vendors_json",
]

_EMPTY: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class DecodedPayload:
    """`service_uuids` are 128-bit lowercase strings (bleak's form), from the UUID-list
    structures; `company_ids` from the manufacturer-data structures, in order; `errors`
    counts the structures whose `error` is set."""

    raw: bytes
    structures: tuple[AdStructure, ...]
    vendors: tuple[VendorDecoding, ...]
    local_name: str | None
    name_complete: bool
    service_uuids: tuple[str, ...]
    company_ids: tuple[int, ...]
    tx_power: int | None
    appearance: int | None
    flags: int | None
    errors: int

    def to_json(self) -> dict[str, Any]:
        return {"raw": self.raw.hex(), "structures": [s.to_json() for s in self.structures]}


def decode_payload_uncached(
    data: bytes, *, mac: bytes | None = None, bthome_key: bytes | None = None
) -> DecodedPayload:
    """Decode any bytes; never raises. `mac` (the advertiser's address, 6 bytes as
    written) and `bthome_key` let encrypted BTHome payloads be decrypted."""
    if type(data) is not bytes:
        data = bytes(data)
    structures = split_structures(data)
    local_name: str | None = None
    name_complete = False
    uuids: list[str] | None = None
    company_ids: list[int] | None = None
    vendors: list[VendorDecoding] | None = None
    tx_power = appearance = flags = None
    errors = 0
    for s in structures:
        if s.error is not None:
            errors += 1
            continue
        t = s.type
        body = s.data
        found: VendorDecoding | None = None
        if t == 0xFF:
            cid = body[0] | body[1] << 8
            if company_ids is None:
                company_ids = []
            company_ids.append(cid)
            try:
                found = decode_manufacturer(cid, body[2:])
            except Exception:  # noqa: BLE001 - a vendor decoder's bug must not lose the payload
                found = None
        elif t == 0x16:
            try:
                found = decode_service_data16(
                    body[0] | body[1] << 8, body[2:], mac=mac, bthome_key=bthome_key
                )
            except Exception:  # noqa: BLE001
                found = None
        elif 0x02 <= t <= 0x07:
            if uuids is None:
                uuids = []
            if t <= 0x03:
                uuids.extend(
                    uuid16_entry(body[i] | body[i + 1] << 8)[1] for i in range(0, len(body), 2)
                )
            elif t <= 0x05:
                uuids.extend(
                    uuid32_entry(int.from_bytes(body[i : i + 4], "little"))[1]
                    for i in range(0, len(body), 4)
                )
            else:
                uuids.extend(uuid128_entry(body[i : i + 16])[1] for i in range(0, len(body), 16))
        elif t == 0x09:
            local_name = s.fields["name"]
            name_complete = True
        elif t == 0x08:
            if not name_complete:
                local_name = s.fields["name"]
        elif t == 0x01:
            flags = s.fields["flags"]
        elif t == 0x0A:
            tx_power = s.fields["tx_power_dbm"]
        elif t == 0x19:
            appearance = s.fields["appearance"]
        if found is not None:
            if vendors is None:
                vendors = []
            vendors.append(found)
    return _make_payload(
        data,
        structures,
        tuple(vendors) if vendors else _EMPTY,
        local_name,
        name_complete,
        tuple(uuids) if uuids else _EMPTY,
        tuple(company_ids) if company_ids else _EMPTY,
        tx_power,
        appearance,
        flags,
        errors,
    )


_make_payload = slotted_maker(DecodedPayload)


@lru_cache(maxsize=4096)
def decode_payload(data: bytes) -> DecodedPayload:
    """Cached `decode_payload_uncached`, keyed by the bytes; the result is shared."""
    return decode_payload_uncached(data)


def vendors_json(
    adv: DecodedPayload | None, scan_response: DecodedPayload | None
) -> list[dict[str, Any]]:
    """The vendor decodings of both payloads as JSON objects, advertising data first;
    each says where it came from in "source" ("adv" or "scan_response")."""
    out: list[dict[str, Any]] = []
    for source, payload in (("adv", adv), ("scan_response", scan_response)):
        if payload is None:
            continue
        for v in payload.vendors:
            item = v.to_json()
            item["source"] = source
            out.append(item)
    return out

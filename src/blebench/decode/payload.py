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
from blebench.decode.ad_types import (
    ALLOWED_SIZES,
    service_uuid_list,
    uuid16_entry,
    uuid32_entry,
    uuid128_entry,
)
from blebench.decode.formats import AD_TYPES, VendorDecoding, decode_structure

__all__ = [
    "AdStructure",
    "DecodedPayload",
    "VendorDecoding",
    "decode_payload",
    "decode_payload_uncached",
    "vendors_json",
]

_EMPTY: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class DecodedPayload:
    """`service_uuids` are 128-bit lowercase strings (bleak's form), from the UUID-list
    structures; `company_ids` from the manufacturer-data structures, in order; `errors`
    counts the structures whose `error` is set.

    `structures` and `vendors` are decoded on first access, then kept. A scan mostly
    needs only the list values above, which one framing pass over the bytes gives, and
    `manufacturer_data` / `service_data` (bleak's AdvertisementData dicts), which read
    only the structures that pass noted; the per-structure fields are read when a person
    looks at the device or asks for JSON.
    Equality, hashing and repr are those of the public values, as for a plain dataclass.
    """

    raw: bytes
    local_name: str | None
    name_complete: bool
    service_uuids: tuple[str, ...]
    company_ids: tuple[int, ...]
    tx_power: int | None
    appearance: int | None
    flags: int | None
    errors: int
    # Lazy parts: None until first read (`_vendors` is () at once when no structure can
    # carry a vendor format). `_data_at` holds the offsets of the valid manufacturer-data
    # and service-data structures (0xFF, 0x16, 0x20, 0x21), in order: those of
    # `formats.AD_TYPES` can carry a vendor format. `_mac` and `_bthome_key` decrypt BTHome.
    _structures: tuple[AdStructure, ...] | None
    _vendors: tuple[VendorDecoding, ...] | None
    _data_at: tuple[int, ...]
    _mac: bytes | None
    _bthome_key: bytes | None

    @property
    def structures(self) -> tuple[AdStructure, ...]:
        found = self._structures
        if found is None:
            found = split_structures(self.raw)
            # Frozen for callers; filling the cache once is this class's own business.
            object.__setattr__(self, "_structures", found)
        return found

    @property
    def vendors(self) -> tuple[VendorDecoding, ...]:
        found = self._vendors
        if found is None:
            found = _decode_vendors(self.raw, self._data_at, self._mac, self._bthome_key)
            object.__setattr__(self, "_vendors", found)
        return found

    @property
    def manufacturer_data(self) -> dict[int, bytes]:
        """Manufacturer-specific data by company id (a later structure of a company
        replaces an earlier one), as bleak's AdvertisementData holds it; a new dict."""
        raw = self.raw
        out: dict[int, bytes] = {}
        for offset in self._data_at:
            if raw[offset + 1] == 0xFF:
                company = raw[offset + 2] | raw[offset + 3] << 8
                out[company] = raw[offset + 4 : offset + 1 + raw[offset]]
        return out

    @property
    def service_data(self) -> dict[str, bytes]:
        """Service data by 128-bit lowercase UUID (16-, 32- and 128-bit structures; a later
        one of a UUID replaces an earlier one), as bleak's AdvertisementData holds it."""
        raw = self.raw
        out: dict[str, bytes] = {}
        for offset in self._data_at:
            t = raw[offset + 1]
            stop = offset + 1 + raw[offset]
            if t == 0x16:
                uuid = uuid16_entry(raw[offset + 2] | raw[offset + 3] << 8)[1]
                out[uuid] = raw[offset + 4 : stop]
            elif t == 0x20:
                uuid = uuid32_entry(int.from_bytes(raw[offset + 2 : offset + 6], "little"))[1]
                out[uuid] = raw[offset + 6 : stop]
            elif t == 0x21:
                out[uuid128_entry(raw[offset + 2 : offset + 18])[1]] = raw[offset + 18 : stop]
        return out

    def _public(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in _PUBLIC)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, DecodedPayload)
        return self._public() == other._public()

    def __hash__(self) -> int:
        return hash(self._public())

    def __repr__(self) -> str:
        values = ", ".join(f"{name}={getattr(self, name)!r}" for name in _PUBLIC)
        return f"DecodedPayload({values})"

    def to_json(self) -> dict[str, Any]:
        return {"raw": self.raw.hex(), "structures": [s.to_json() for s in self.structures]}


_PUBLIC = (
    "raw",
    "structures",
    "vendors",
    "local_name",
    "name_complete",
    "service_uuids",
    "company_ids",
    "tx_power",
    "appearance",
    "flags",
    "errors",
)


def decode_payload_uncached(
    data: bytes, *, mac: bytes | None = None, bthome_key: bytes | None = None
) -> DecodedPayload:
    """Decode any bytes; never raises. `mac` (the advertiser's address, 6 bytes as
    written) and `bthome_key` let encrypted BTHome payloads be decrypted.

    One framing pass over the bytes: the same walk as `split_structures`, counting its
    errors (framing, or a body length its type does not allow: nothing else makes a
    structure bad) and reading the few list values straight from the bytes."""
    if type(data) is not bytes:
        data = bytes(data)
    allowed_sizes = ALLOWED_SIZES
    vendor_types = AD_TYPES
    local_name: str | None = None
    name_complete = False
    uuids: tuple[str, ...] = _EMPTY
    company_ids: list[int] | None = None
    data_at: list[int] | None = None
    vendor_capable = False
    tx_power = appearance = flags = None
    errors = 0
    end = len(data)
    offset = 0
    while offset < end:
        length = data[offset]
        if length == 0:
            # Zero padding: an error only when more bytes follow it.
            while offset < end and data[offset] == 0:
                offset += 1
            if offset < end:
                errors += 1
            continue
        stop = offset + 1 + length
        if stop > end:
            errors += 1  # runs past the end (or has no type byte): the walk stops here
            break
        t = data[offset + 1]
        allowed = allowed_sizes.get(t)
        if allowed is not None and length - 1 not in allowed:
            errors += 1
        # The common types first.
        elif t == 0x01:
            flags = int.from_bytes(data[offset + 2 : stop], "little")
        elif t == 0x09:
            local_name = data[offset + 2 : stop].decode("utf-8", "replace")
            name_complete = True
        elif t == 0xFF or t == 0x16 or t == 0x20 or t == 0x21:
            if t == 0xFF:
                if company_ids is None:
                    company_ids = []
                company_ids.append(data[offset + 2] | data[offset + 3] << 8)
            if data_at is None:
                data_at = []
            data_at.append(offset)
            vendor_capable = vendor_capable or t in vendor_types
        elif 0x02 <= t <= 0x07:
            # 0x02/0x03: 16-bit UUIDs, 0x04/0x05: 32-bit, 0x06/0x07: 128-bit.
            width = 2 if t <= 0x03 else 4 if t <= 0x05 else 16
            uuids += service_uuid_list(data[offset + 2 : stop], width)
        elif t == 0x08:
            if not name_complete:
                local_name = data[offset + 2 : stop].decode("utf-8", "replace")
        elif t == 0x0A:
            v = data[offset + 2]
            tx_power = v - 256 if v > 127 else v
        elif t == 0x19:
            appearance = data[offset + 2] | data[offset + 3] << 8
        offset = stop
    return _make_payload(
        data,
        local_name,
        name_complete,
        uuids,
        tuple(company_ids) if company_ids else _EMPTY,
        tx_power,
        appearance,
        flags,
        errors,
        None,
        None if vendor_capable else _EMPTY,
        tuple(data_at) if data_at else _EMPTY,
        mac,
        bthome_key,
    )


def _decode_vendors(
    raw: bytes, at: tuple[int, ...], mac: bytes | None, bthome_key: bytes | None
) -> tuple[VendorDecoding, ...]:
    """The vendor formats in the manufacturer-data and 16-bit service-data structures
    among those that start at the offsets `at` (each of a valid length)."""
    out: list[VendorDecoding] = []
    for offset in at:
        t = raw[offset + 1]
        if t not in AD_TYPES:
            continue  # e.g. 32- and 128-bit service data: no format rides there
        body = raw[offset + 2 : offset + 1 + raw[offset]]
        try:
            found = decode_structure(
                t, body[0] | body[1] << 8, body[2:], mac=mac, bthome_key=bthome_key
            )
        except Exception:  # noqa: BLE001 - a vendor decoder's bug must not lose the payload
            found = None
        if found is not None:
            out.append(found)
    return tuple(out) if out else _EMPTY


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

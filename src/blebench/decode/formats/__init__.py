"""Vendor formats carried in manufacturer data and 16-bit service data.

Each module here declares its `FORMATS` (`base.Format`: id, label, the AD type and key it
rides under, an optional body prefix, the decoder); `_MODULES` lists the modules, and the
dispatch, `FORMAT_IDS` and `LABELS` (the Scan pane's names) are built from that list.
Adding a format is one module and one entry in `_MODULES`. Order matters only between
formats that match the same structure: the first whose decoder returns a decoding wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from blebench.decode.formats import (
    altbeacon,
    apple,
    bthome,
    eddystone,
    fast_pair,
    ibeacon,
    microsoft_cdp,
)
from blebench.decode.formats.base import (
    MANUFACTURER_DATA,
    SERVICE_DATA_16,
    Context,
    Format,
    VendorDecoding,
)
from blebench.decode.formats.bthome import decode_bthome

__all__ = [
    "AD_TYPES",
    "FORMATS",
    "FORMAT_IDS",
    "LABELS",
    "Format",
    "VendorDecoding",
    "decode_bthome",
    "decode_manufacturer",
    "decode_service_data16",
    "decode_structure",
]

_MODULES = (altbeacon, ibeacon, apple, microsoft_cdp, eddystone, bthome, fast_pair)

FORMATS: tuple[Format, ...] = tuple(f for module in _MODULES for f in module.FORMATS)
FORMAT_IDS: tuple[str, ...] = tuple(dict.fromkeys(f.id for f in FORMATS))
LABELS: Mapping[str, str] = MappingProxyType({f.id: f.label for f in FORMATS})
# The AD types some format rides in: the payload decoder looks no further than these.
AD_TYPES: frozenset[int] = frozenset(f.ad_type for f in FORMATS)


def _dispatch(ad_type: int) -> tuple[dict[int, tuple[Format, ...]], tuple[Format, ...]]:
    """By key, the formats to try in list order (those for any key included), and the
    formats for any key alone (for a key no format names)."""
    mine = [f for f in FORMATS if f.ad_type == ad_type]
    keys = {f.key for f in mine if f.key is not None}
    by_key = {key: tuple(f for f in mine if f.key in (key, None)) for key in keys}
    return by_key, tuple(f for f in mine if f.key is None)


_BY_TYPE = {ad_type: _dispatch(ad_type) for ad_type in AD_TYPES}
_MANUFACTURER = _BY_TYPE.get(MANUFACTURER_DATA, ({}, ()))
_SERVICE_DATA_16 = _BY_TYPE.get(SERVICE_DATA_16, ({}, ()))


def _find(
    table: tuple[dict[int, tuple[Format, ...]], tuple[Format, ...]],
    key: int,
    body: bytes,
    mac: bytes | None,
    bthome_key: bytes | None,
) -> VendorDecoding | None:
    context: Context | None = None
    for f in table[0].get(key, table[1]):
        if body.startswith(f.prefix):
            if context is None:
                # tuple.__new__: half the cost of the NamedTuple's Python-level __new__.
                context = tuple.__new__(Context, (key, mac, bthome_key))
            found = f.decoder(body, context)
            if found is not None:
                return found
    return None


def decode_structure(
    ad_type: int,
    key: int,
    body: bytes,
    *,
    mac: bytes | None = None,
    bthome_key: bytes | None = None,
) -> VendorDecoding | None:
    """The vendor format in one structure of type `ad_type` carrying `key` (company id or
    16-bit UUID) then `body`, if any. A decoder's exception is its own bug: it propagates."""
    table = _BY_TYPE.get(ad_type)
    return None if table is None else _find(table, key, body, mac, bthome_key)


def decode_manufacturer(company_id: int, body: bytes) -> VendorDecoding | None:
    """The vendor format in one manufacturer-data structure, if any."""
    return _find(_MANUFACTURER, company_id, body, None, None)


def decode_service_data16(
    uuid16: int, body: bytes, *, mac: bytes | None = None, bthome_key: bytes | None = None
) -> VendorDecoding | None:
    """The vendor format in one 16-bit service-data structure, if any."""
    return _find(_SERVICE_DATA_16, uuid16, body, mac, bthome_key)

"""Field decoders for every AD type of the Assigned Numbers (section 2.3, "Common Data
Types"; values per the Core Specification Supplement, Part A).

`AD_TYPES` maps the type byte to an `AdType`: its name, the body lengths it allows (with
the message a person can act on for any other length) and its decoder. Every malformed
structure of these types is malformed by its length alone, so the error count of a payload
is known from a framing pass without running any decoder (see `payload`); a decoder takes
the structure's data (after the type byte), already of an allowed length, and returns a
dict of JSON-ready fields. Numbers are named from bleak's and Bumble's tables
(via `names`); only the small per-type code sets that no installed package ships (flag
bits, LE role, URI scheme codes, mesh beacon types) are spelled here, next to the spec
section they come from.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

from blebench.decode.names import (
    SIG_BASE_SUFFIX,
    appearance_name,
    company_name,
    uuid_name,
    uuid_text,
)

Fields = dict[str, Any]
Decoder = Callable[[bytes], Fields]


def unknown_type_name(ad_type: int) -> str:
    return f"Unknown AD type 0x{ad_type:02x}"


# -- shared helpers (hot path: keep them small) ------------------------------------------


@lru_cache(maxsize=2048)
def uuid16_entry(value: int) -> tuple[str, str, str | None]:
    """(short form, 128-bit form, name) of a 16-bit UUID; cached, shared."""
    short = f"{value:04x}"
    return short, f"0000{short}{SIG_BASE_SUFFIX}", uuid_name(value)


@lru_cache(maxsize=1024)
def uuid32_entry(value: int) -> tuple[str, str, str | None]:
    short = f"{value:08x}"
    if value <= 0xFFFF:
        short = f"{value:04x}"
    return short, f"{value:08x}{SIG_BASE_SUFFIX}", uuid_name(value)


@lru_cache(maxsize=1024)
def uuid128_entry(le_bytes: bytes) -> tuple[str, str, str | None]:
    """128-bit UUIDs travel little-endian; the text form is big-endian."""
    full = uuid_text(le_bytes, little_endian=True)
    short = full
    if full.endswith(SIG_BASE_SUFFIX):
        short = full[4:8] if full.startswith("0000") else full[0:8]
    return short, full, uuid_name(full)


def _uuid_list(data: bytes, width: int) -> Fields:
    # A plain loop: about a third faster than comprehensions over the cached entries.
    items = []
    for i in range(0, len(data), width):
        if width == 2:
            short, _full, name = uuid16_entry(data[i] | data[i + 1] << 8)
        elif width == 4:
            short, _full, name = uuid32_entry(int.from_bytes(data[i : i + 4], "little"))
        else:
            short, _full, name = uuid128_entry(data[i : i + 16])
        items.append({"uuid": short, "name": name})
    return {"uuids": tuple(items)}


@lru_cache(maxsize=1024)
def service_uuid_list(data: bytes, width: int) -> tuple[str, ...]:
    """The 128-bit forms of the UUIDs of a list body (`width` 2, 4 or 16 bytes each, a
    valid length). Cached by the bytes: a device repeats the same list in every packet."""
    if width == 2:
        entries = [uuid16_entry(data[i] | data[i + 1] << 8) for i in range(0, len(data), 2)]
    elif width == 4:
        entries = [
            uuid32_entry(int.from_bytes(data[i : i + 4], "little")) for i in range(0, len(data), 4)
        ]
    else:
        entries = [uuid128_entry(data[i : i + 16]) for i in range(0, len(data), 16)]
    return tuple([e[1] for e in entries])


def _uuid_list16(data: bytes) -> Fields:
    return _uuid_list(data, 2)


def _uuid_list32(data: bytes) -> Fields:
    return _uuid_list(data, 4)


def _uuid_list128(data: bytes) -> Fields:
    return _uuid_list(data, 16)


def format_address(le_bytes: bytes) -> str:
    """A 6-byte little-endian device address as "AA:BB:CC:DD:EE:FF"."""
    return le_bytes[::-1].hex(":").upper()


def _text(data: bytes) -> str:
    # Names from the air are untrusted: decode leniently, render safely elsewhere.
    return data.decode("utf-8", "replace")


# -- per-type decoders --------------------------------------------------------------------

# Supplement Part A 1.3.2 (Flags): bit meanings. Kept here, not read from Bumble: these
# words are `flags_text` in the public JSON, bumble.core.AdvertisingData.Flags has only
# enum names and lacks bit 4, and importing bumble.core would cost every `decode` about
# 70 ms. tests/unit/decode_ad/test_library_tables.py holds the bits to Bumble's.
FLAG_BITS = (
    "LE Limited Discoverable Mode",
    "LE General Discoverable Mode",
    "BR/EDR Not Supported",
    "Simultaneous LE and BR/EDR (Controller)",
    "Previously Used",
)


@lru_cache(maxsize=256)
def flags_text(value: int) -> tuple[str, ...]:
    words = [name for bit, name in enumerate(FLAG_BITS) if value >> bit & 1]
    if value >> len(FLAG_BITS):
        words.append(f"reserved bits 0x{value >> len(FLAG_BITS) << len(FLAG_BITS):x}")
    return tuple(words)


def _flags(data: bytes) -> Fields:
    value = int.from_bytes(data, "little")
    return {"flags": value, "flags_text": flags_text(value)}


def _shortened_name(data: bytes) -> Fields:
    return {"name": _text(data), "complete": False}


def _complete_name(data: bytes) -> Fields:
    return {"name": _text(data), "complete": True}


def _tx_power(data: bytes) -> Fields:
    v = data[0]
    return {"tx_power_dbm": v - 256 if v > 127 else v}


@lru_cache(maxsize=1)
def _class_of_device_tables() -> tuple[list[str], dict[int, str], dict[int, dict[int, str]]]:
    from bumble.core import ClassOfDevice

    minor = {
        int(k): {int(m): s for m, s in v.items()}
        for k, v in ClassOfDevice.MINOR_DEVICE_CLASS_LABELS.items()
    }
    major = {int(k): v for k, v in ClassOfDevice.MAJOR_DEVICE_CLASS_LABELS.items()}
    return ClassOfDevice.MAJOR_SERVICE_CLASS_LABELS, major, minor


def _class_of_device(data: bytes) -> Fields:
    value = int.from_bytes(data, "little")
    service_labels, majors, minors = _class_of_device_tables()
    services = value >> 13 & 0x7FF
    major = value >> 8 & 0x1F
    minor = value >> 2 & 0x3F
    return {
        "class_of_device": value,
        "major_service_classes": tuple(
            service_labels[b] if b < len(service_labels) else f"reserved bit {b + 13}"
            for b in range(11)
            if services >> b & 1
        ),
        "major_device_class": majors.get(major, f"0x{major:02x}"),
        "minor_device_class": minors.get(major, {}).get(minor, f"0x{minor:02x}"),
    }


def _hex_value(data: bytes) -> Fields:
    return {"value": data.hex()}


def _device_id_or_tk(data: bytes) -> Fields:
    # 0x10 is Device ID in EIR (Device ID profile 5.0: 4 little-endian uint16) and the
    # Security Manager TK value (16 bytes) in OOB data: the length tells them apart.
    if len(data) == 8:
        source, vendor, product, version = (
            int.from_bytes(data[i : i + 2], "little") for i in range(0, 8, 2)
        )
        out: Fields = {
            "meaning": "Device ID",
            "vendor_id_source": source,
            "vendor_id": vendor,
            "product_id": product,
            "version": version,
        }
        if source == 1:
            out["vendor"] = company_name(vendor)
        return out
    return {"meaning": "Security Manager TK Value", "value": data.hex()}


def _oob_flags(data: bytes) -> Fields:
    v = data[0]
    return {
        "oob_flags": v,
        "oob_data_present": bool(v & 1),
        "le_supported_host": bool(v & 2),
        "simultaneous_le_br_edr_host": bool(v & 4),
        "address_type": "random" if v & 8 else "public",
    }


def _interval_ms(raw: int, unit_us: int) -> float:
    return round(raw * unit_us / 1000, 4)


def _connection_interval_range(data: bytes) -> Fields:
    lo = data[0] | data[1] << 8
    hi = data[2] | data[3] << 8
    # 0xFFFF: no specific value (Supplement Part A 1.9); units of 1.25 ms.
    return {
        "min_interval": lo,
        "max_interval": hi,
        "min_interval_ms": None if lo == 0xFFFF else _interval_ms(lo, 1250),
        "max_interval_ms": None if hi == 0xFFFF else _interval_ms(hi, 1250),
    }


def _service_data(width: int) -> Decoder:
    def decode(data: bytes) -> Fields:
        if width == 2:
            entry = uuid16_entry(data[0] | data[1] << 8)
        elif width == 4:
            entry = uuid32_entry(int.from_bytes(data[:4], "little"))
        else:
            entry = uuid128_entry(data[:16])
        return {"uuid": entry[0], "name": entry[2], "service_data": data[width:].hex()}

    return decode


def _addresses(data: bytes) -> Fields:
    return {"addresses": tuple(format_address(data[i : i + 6]) for i in range(0, len(data), 6))}


def _appearance(data: bytes) -> Fields:
    value = data[0] | data[1] << 8
    category, sub = appearance_name(value)
    return {"appearance": value, "category": category, "subcategory": sub}


def _advertising_interval(data: bytes) -> Fields:
    raw = data[0] | data[1] << 8
    return {"interval": raw, "interval_ms": _interval_ms(raw, 625)}


def _advertising_interval_long(data: bytes) -> Fields:
    raw = int.from_bytes(data, "little")
    return {"interval": raw, "interval_ms": _interval_ms(raw, 625)}


def _le_device_address(data: bytes) -> Fields:
    from blebench.decode.address import classify_address

    address = format_address(data[:6])
    is_random = bool(data[6] & 1)
    return {
        "address": address,
        "address_type": "random" if is_random else "public",
        "address_kind": classify_address(address, is_random),
    }


# Supplement Part A 1.17 (LE Role); words for bumble.core.LeRole's values (JSON `role_text`).
LE_ROLES = {
    0: "Only Peripheral Role supported",
    1: "Only Central Role supported",
    2: "Peripheral and Central Role supported, Peripheral Role preferred",
    3: "Peripheral and Central Role supported, Central Role preferred",
}


def _le_role(data: bytes) -> Fields:
    return {"role": data[0], "role_text": LE_ROLES.get(data[0], f"reserved (0x{data[0]:02x})")}


# Assigned Numbers 2.7 (URI Scheme Name String Mapping): the first code point of the URI
# data type is a scheme code; 0x01 means "no scheme, the text is the whole URI". Only the
# first codes of the (IANA-ordered) list are spelled; the rest are shown as their code.
URI_SCHEMES = {
    0x01: "",
    0x02: "aaa:",
    0x03: "aaas:",
    0x04: "about:",
    0x05: "acap:",
    0x06: "acct:",
    0x07: "cap:",
    0x08: "cid:",
    0x09: "coap:",
    0x0A: "coaps:",
    0x0B: "crid:",
    0x0C: "data:",
    0x0D: "dav:",
    0x0E: "dict:",
    0x0F: "dns:",
    0x10: "file:",
    0x11: "ftp:",
    0x12: "geo:",
    0x13: "go:",
    0x14: "gopher:",
    0x15: "h323:",
    0x16: "http:",
    0x17: "https:",
}


def _uri(data: bytes) -> Fields:
    text = _text(data)  # not empty: the length rule asks for at least one byte
    code = ord(text[0])
    rest = text[1:]
    scheme = URI_SCHEMES.get(code)
    if scheme is None:
        return {"scheme_code": code, "uri": rest, "note": f"scheme code 0x{code:x} not in our list"}
    return {"scheme_code": code, "uri": scheme + rest}


def _le_supported_features(data: bytes) -> Fields:
    value = int.from_bytes(data, "little")
    return {
        "features": value,
        "feature_bits": tuple(b for b in range(len(data) * 8) if value >> b & 1),
    }


def _channel_map_update(data: bytes) -> Fields:
    channel_map = int.from_bytes(data[:5], "little") & ((1 << 37) - 1)
    return {
        "channel_map": data[:5].hex(),
        "used_channels": channel_map.bit_count(),
        "instant": data[5] | data[6] << 8,
    }


# Mesh Profile 3.9 (mesh beacons).
MESH_BEACON_TYPES = {
    0: "Unprovisioned Device beacon",
    1: "Secure Network beacon",
    2: "Mesh Private beacon",
}


def _mesh_beacon(data: bytes) -> Fields:
    kind = data[0]
    out: Fields = {
        "beacon_type": kind,
        "beacon_type_text": MESH_BEACON_TYPES.get(kind, f"reserved (0x{kind:02x})"),
    }
    if kind == 0 and len(data) >= 19:
        out["device_uuid"] = uuid_text(data[1:17])
        out["oob_information"] = data[17] << 8 | data[18]
        if len(data) >= 23:
            out["uri_hash"] = data[19:23].hex()
    elif kind == 1 and len(data) == 22:
        out["flags"] = data[1]
        out["network_id"] = data[2:10].hex()
        out["iv_index"] = int.from_bytes(data[10:14], "big")
        out["authentication_value"] = data[14:22].hex()
    return out


def _named_opaque(data: bytes) -> Fields:
    return {}


def _encrypted_data(data: bytes) -> Fields:
    # Supplement Part A 1.23: Randomizer (5), payload, MIC (4).
    return {
        "randomizer": data[:5].hex(),
        "encrypted_payload": data[5:-4].hex(),
        "mic": data[-4:].hex(),
    }


def _broadcast_name(data: bytes) -> Fields:
    return {"name": _text(data)}


def _rsi(data: bytes) -> Fields:
    return {"rsi": format_address(data)}


def _three_d(data: bytes) -> Fields:
    return {"flags_3d": data[0], "path_loss_threshold": data[1]}


def _manufacturer(data: bytes) -> Fields:
    cid = data[0] | data[1] << 8
    return {"company_id": cid, "company": company_name(cid), "manufacturer_data": data[2:].hex()}


# -- the table ----------------------------------------------------------------------------

# A structure's body is at most 254 bytes: its length byte (at most 255) counts the type.
_BODY_LENGTHS = range(255)


class Size(NamedTuple):
    """The body lengths a type allows, and the structure's error for any other length
    ("{n}" stands for the length)."""

    allowed: frozenset[int]
    error: str


ANY_SIZE = Size(frozenset(_BODY_LENGTHS), "")


def exactly(size: int, what: str) -> Size:
    return Size(frozenset((size,)), f"{what} needs {size} bytes, got {{n}}")


def at_least(size: int, error: str) -> Size:
    return Size(frozenset(range(size, len(_BODY_LENGTHS))), error)


def one_of(sizes: tuple[int, ...], error: str) -> Size:
    return Size(frozenset(sizes), error)


def uuid_multiple(width: int) -> Size:
    return Size(
        frozenset(range(0, len(_BODY_LENGTHS), width)),
        f"length {{n}} is not a multiple of {width} ({width * 8}-bit UUIDs)",
    )


class AdType(NamedTuple):
    name: str
    decode: Decoder
    size: Size


_ADDRESSES = Size(
    frozenset(range(6, len(_BODY_LENGTHS), 6)),
    "length {n} is not a non-zero multiple of 6 (addresses)",
)

# The AD types' numbers are bumble.core.AdvertisingData.Type's (a test holds them to it);
# the names are the Assigned Numbers document's, as `type_name` in the public JSON has
# always given them (Bumble's data_types labels differ for 29 of these 50, and 10 have
# none). The length rules and the decoders are this module's own.
AD_TYPES: dict[int, AdType] = {
    0x01: AdType("Flags", _flags, at_least(1, "Flags needs at least 1 byte, got {n}")),
    0x02: AdType("Incomplete List of 16-bit Service UUIDs", _uuid_list16, uuid_multiple(2)),
    0x03: AdType("Complete List of 16-bit Service UUIDs", _uuid_list16, uuid_multiple(2)),
    0x04: AdType("Incomplete List of 32-bit Service UUIDs", _uuid_list32, uuid_multiple(4)),
    0x05: AdType("Complete List of 32-bit Service UUIDs", _uuid_list32, uuid_multiple(4)),
    0x06: AdType("Incomplete List of 128-bit Service UUIDs", _uuid_list128, uuid_multiple(16)),
    0x07: AdType("Complete List of 128-bit Service UUIDs", _uuid_list128, uuid_multiple(16)),
    0x08: AdType("Shortened Local Name", _shortened_name, ANY_SIZE),
    0x09: AdType("Complete Local Name", _complete_name, ANY_SIZE),
    0x0A: AdType("TX Power Level", _tx_power, exactly(1, "TX Power Level")),
    0x0D: AdType("Class of Device", _class_of_device, exactly(3, "Class of Device")),
    0x0E: AdType("Simple Pairing Hash C-192", _hex_value, exactly(16, "Simple Pairing Hash C-192")),
    0x0F: AdType(
        "Simple Pairing Randomizer R-192",
        _hex_value,
        exactly(16, "Simple Pairing Randomizer R-192"),
    ),
    0x10: AdType(
        "Device ID / Security Manager TK Value",
        _device_id_or_tk,
        one_of((8, 16), "needs 8 bytes (Device ID) or 16 (TK value), got {n}"),
    ),
    0x11: AdType(
        "Security Manager Out of Band Flags",
        _oob_flags,
        exactly(1, "Security Manager Out of Band Flags"),
    ),
    0x12: AdType(
        "Peripheral Connection Interval Range",
        _connection_interval_range,
        exactly(4, "Peripheral Connection Interval Range"),
    ),
    0x14: AdType("List of 16-bit Service Solicitation UUIDs", _uuid_list16, uuid_multiple(2)),
    0x15: AdType("List of 128-bit Service Solicitation UUIDs", _uuid_list128, uuid_multiple(16)),
    0x16: AdType(
        "Service Data - 16-bit UUID",
        _service_data(2),
        at_least(2, "needs a 16-bit UUID (2 bytes), got {n}"),
    ),
    0x17: AdType("Public Target Address", _addresses, _ADDRESSES),
    0x18: AdType("Random Target Address", _addresses, _ADDRESSES),
    0x19: AdType("Appearance", _appearance, exactly(2, "Appearance")),
    0x1A: AdType("Advertising Interval", _advertising_interval, exactly(2, "Advertising Interval")),
    0x1B: AdType(
        "LE Bluetooth Device Address",
        _le_device_address,
        exactly(7, "LE Bluetooth Device Address"),
    ),
    0x1C: AdType("LE Role", _le_role, exactly(1, "LE Role")),
    0x1D: AdType("Simple Pairing Hash C-256", _hex_value, exactly(16, "Simple Pairing Hash C-256")),
    0x1E: AdType(
        "Simple Pairing Randomizer R-256",
        _hex_value,
        exactly(16, "Simple Pairing Randomizer R-256"),
    ),
    0x1F: AdType("List of 32-bit Service Solicitation UUIDs", _uuid_list32, uuid_multiple(4)),
    0x20: AdType(
        "Service Data - 32-bit UUID",
        _service_data(4),
        at_least(4, "needs a 32-bit UUID (4 bytes), got {n}"),
    ),
    0x21: AdType(
        "Service Data - 128-bit UUID",
        _service_data(16),
        at_least(16, "needs a 128-bit UUID (16 bytes), got {n}"),
    ),
    0x22: AdType(
        "LE Secure Connections Confirmation Value",
        _hex_value,
        exactly(16, "LE SC Confirmation Value"),
    ),
    0x23: AdType(
        "LE Secure Connections Random Value", _hex_value, exactly(16, "LE SC Random Value")
    ),
    0x24: AdType("URI", _uri, at_least(1, "URI is empty")),
    0x25: AdType("Indoor Positioning", _named_opaque, ANY_SIZE),
    0x26: AdType("Transport Discovery Data", _named_opaque, ANY_SIZE),
    0x27: AdType("LE Supported Features", _le_supported_features, ANY_SIZE),
    0x28: AdType(
        "Channel Map Update Indication",
        _channel_map_update,
        exactly(7, "Channel Map Update Indication"),
    ),
    0x29: AdType("PB-ADV", _named_opaque, ANY_SIZE),
    0x2A: AdType("Mesh Message", _named_opaque, ANY_SIZE),
    0x2B: AdType("Mesh Beacon", _mesh_beacon, at_least(1, "Mesh Beacon is empty")),
    0x2C: AdType("BIGInfo", _named_opaque, ANY_SIZE),
    0x2D: AdType("Broadcast_Code", _named_opaque, ANY_SIZE),
    0x2E: AdType("Resolvable Set Identifier", _rsi, exactly(6, "Resolvable Set Identifier")),
    0x2F: AdType(
        "Advertising Interval - long",
        _advertising_interval_long,
        one_of((3, 4), "Advertising Interval - long needs 3 or 4 bytes, got {n}"),
    ),
    0x30: AdType("Broadcast_Name", _broadcast_name, ANY_SIZE),
    0x31: AdType(
        "Encrypted Advertising Data",
        _encrypted_data,
        at_least(9, "Encrypted Data needs at least 9 bytes (randomizer + MIC), got {n}"),
    ),
    0x32: AdType("Periodic Advertising Response Timing Information", _named_opaque, ANY_SIZE),
    0x34: AdType("Electronic Shelf Label", _named_opaque, ANY_SIZE),
    0x3D: AdType("3D Information Data", _three_d, exactly(2, "3D Information Data")),
    0xFF: AdType(
        "Manufacturer Specific Data",
        _manufacturer,
        at_least(2, "Manufacturer Specific Data needs a 2-byte company id, got {n}"),
    ),
}

# The allowed body lengths alone, for the framing pass of `payload`.
ALLOWED_SIZES: dict[int, frozenset[int]] = {t: e.size.allowed for t, e in AD_TYPES.items()}

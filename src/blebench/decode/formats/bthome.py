"""BTHome v2 (bthome.io/format and bthome.io/encryption): service data of UUID 0xFCD2.

The first byte is the device information (bit 0 encrypted, bit 2 trigger-based, bits
5-7 version); then objects, each an object id followed by a value whose size the id
fixes (text, raw and command objects carry their own length byte). Encrypted payloads
end with a 4-byte counter and a 4-byte MIC; AES-CCM with the bind key and a nonce of
MAC (6, as written) + UUID (d2 fc) + device information + counter.
"""

from __future__ import annotations

from typing import Any

from blebench.decode.formats.base import SERVICE_DATA_16, Context, Format, VendorDecoding, vendor

BTHOME_UUID16 = 0xFCD2
_UUID_LE = b"\xd2\xfc"

# Value kinds other than plain numbers.
NUMBER, BINARY, BUTTON, DIMMER, TEXT, RAW, COMMAND, TIMESTAMP, FIRMWARE, DEVICE_TYPE = range(10)

# id: (name, size, signed, factor, unit, kind) from the BTHome object id table.
_O = tuple[str, int, bool, float, str | None, int]


def _n(
    name: str, size: int, factor: float = 1, unit: str | None = None, signed: bool = False
) -> _O:
    return (name, size, signed, factor, unit, NUMBER)


def _b(name: str) -> _O:
    return (name, 1, False, 1, None, BINARY)


OBJECTS: dict[int, _O] = {
    0x00: _n("packet id", 1),
    0x01: _n("battery", 1, 1, "%"),
    0x02: _n("temperature", 2, 0.01, "°C", signed=True),
    0x03: _n("humidity", 2, 0.01, "%"),
    0x04: _n("pressure", 3, 0.01, "hPa"),
    0x05: _n("illuminance", 3, 0.01, "lux"),
    0x06: _n("mass", 2, 0.01, "kg"),
    0x07: _n("mass", 2, 0.01, "lb"),
    0x08: _n("dewpoint", 2, 0.01, "°C", signed=True),
    0x09: _n("count", 1),
    0x0A: _n("energy", 3, 0.001, "kWh"),
    0x0B: _n("power", 3, 0.01, "W"),
    0x0C: _n("voltage", 2, 0.001, "V"),
    0x0D: _n("pm2.5", 2, 1, "µg/m³"),
    0x0E: _n("pm10", 2, 1, "µg/m³"),
    0x0F: _b("generic boolean"),
    0x10: _b("power"),
    0x11: _b("opening"),
    0x12: _n("co2", 2, 1, "ppm"),
    0x13: _n("tvoc", 2, 1, "µg/m³"),
    0x14: _n("moisture", 2, 0.01, "%"),
    0x15: _b("battery low"),
    0x16: _b("battery charging"),
    0x17: _b("carbon monoxide"),
    0x18: _b("cold"),
    0x19: _b("connectivity"),
    0x1A: _b("door"),
    0x1B: _b("garage door"),
    0x1C: _b("gas"),
    0x1D: _b("heat"),
    0x1E: _b("light"),
    0x1F: _b("lock"),
    0x20: _b("moisture"),
    0x21: _b("motion"),
    0x22: _b("moving"),
    0x23: _b("occupancy"),
    0x24: _b("plug"),
    0x25: _b("presence"),
    0x26: _b("problem"),
    0x27: _b("running"),
    0x28: _b("safety"),
    0x29: _b("smoke"),
    0x2A: _b("sound"),
    0x2B: _b("tamper"),
    0x2C: _b("vibration"),
    0x2D: _b("window"),
    0x2E: _n("humidity", 1, 1, "%"),
    0x2F: _n("moisture", 1, 1, "%"),
    0x3A: ("button", 1, False, 1, None, BUTTON),
    0x3B: ("command", 0, False, 1, None, COMMAND),
    0x3C: ("dimmer", 2, False, 1, None, DIMMER),
    0x3D: _n("count", 2),
    0x3E: _n("count", 4),
    0x3F: _n("rotation", 2, 0.1, "°", signed=True),
    0x40: _n("distance", 2, 1, "mm"),
    0x41: _n("distance", 2, 0.1, "m"),
    0x42: _n("duration", 3, 0.001, "s"),
    0x43: _n("current", 2, 0.001, "A"),
    0x44: _n("speed", 2, 0.01, "m/s"),
    0x45: _n("temperature", 2, 0.1, "°C", signed=True),
    0x46: _n("uv index", 1, 0.1),
    0x47: _n("volume", 2, 0.1, "L"),
    0x48: _n("volume", 2, 1, "mL"),
    0x49: _n("volume flow rate", 2, 0.001, "m³/h"),
    0x4A: _n("voltage", 2, 0.1, "V"),
    0x4B: _n("gas", 3, 0.001, "m³"),
    0x4C: _n("gas", 4, 0.001, "m³"),
    0x4D: _n("energy", 4, 0.001, "kWh"),
    0x4E: _n("volume", 4, 0.001, "L"),
    0x4F: _n("water", 4, 0.001, "L"),
    0x50: ("timestamp", 4, False, 1, "s", TIMESTAMP),
    0x51: _n("acceleration", 2, 0.001, "m/s²"),
    0x52: _n("gyroscope", 2, 0.001, "°/s"),
    0x53: ("text", 0, False, 1, None, TEXT),
    0x54: ("raw", 0, False, 1, None, RAW),
    0x55: _n("volume storage", 4, 0.001, "L"),
    0x56: _n("conductivity", 2, 1, "µS/cm"),
    0x57: _n("temperature", 1, 1, "°C", signed=True),
    0x58: _n("temperature", 1, 0.35, "°C", signed=True),
    0x59: _n("count", 1, signed=True),
    0x5A: _n("count", 2, signed=True),
    0x5B: _n("count", 4, signed=True),
    0x5C: _n("power", 4, 0.01, "W", signed=True),
    0x5D: _n("current", 2, 0.001, "A", signed=True),
    0x5E: _n("direction", 2, 0.01, "°"),
    0x5F: _n("precipitation", 2, 0.1, "mm"),
    0x60: _n("channel", 1),
    0x61: _n("rotational speed", 2, 1, "rpm"),
    0x62: _n("speed", 4, 0.000001, "m/s", signed=True),
    0x63: _n("acceleration", 4, 0.000001, "m/s²", signed=True),
    0x64: _n("light level", 1),
    0x65: _n("settings revision", 1),
    0xF0: ("device type id", 2, False, 1, None, DEVICE_TYPE),
    0xF1: ("firmware version", 4, False, 1, None, FIRMWARE),
    0xF2: ("firmware version", 3, False, 1, None, FIRMWARE),
}

BUTTON_EVENTS = {
    0x00: "none",
    0x01: "press",
    0x02: "double_press",
    0x03: "triple_press",
    0x04: "long_press",
    0x05: "long_double_press",
    0x06: "long_triple_press",
    0x80: "hold_press",
}
DIMMER_EVENTS = {0x00: "none", 0x01: "rotate left", 0x02: "rotate right"}


def _digits(factor: float) -> int:
    text = f"{factor:f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


_DIGITS = {oid: _digits(entry[3]) for oid, entry in OBJECTS.items()}


def _value(oid: int, entry: _O, data: bytes) -> dict[str, Any]:
    name, _size, signed, factor, unit, kind = entry
    out: dict[str, Any] = {"id": oid, "name": name}
    if kind == NUMBER:
        raw = int.from_bytes(data, "little", signed=signed)
        out["value"] = raw if factor == 1 else round(raw * factor, _DIGITS[oid])
        if unit is not None:
            out["unit"] = unit
    elif kind == BINARY:
        out["value"] = bool(data[0])
        if data[0] > 1:
            out["raw"] = data[0]
    elif kind == BUTTON:
        out["value"] = BUTTON_EVENTS.get(data[0], f"0x{data[0]:02x}")
    elif kind == DIMMER:
        out["value"] = DIMMER_EVENTS.get(data[0], f"0x{data[0]:02x}")
        out["steps"] = data[1]
    elif kind == TEXT:
        out["value"] = data.decode("utf-8", "replace")
    elif kind in (RAW,):
        out["value"] = data.hex()
    elif kind == COMMAND:
        out["value"] = data[0]
        out["args"] = data[1:].hex()
    elif kind == TIMESTAMP:
        out["value"] = int.from_bytes(data, "little")
        out["unit"] = unit
    elif kind == FIRMWARE:
        out["value"] = ".".join(str(b) for b in reversed(data))
    else:  # DEVICE_TYPE
        out["value"] = int.from_bytes(data, "little")
    return out


def parse_objects(data: bytes) -> tuple[tuple[dict[str, Any], ...], str | None]:
    """The objects of an unencrypted BTHome v2 body, and a note when something stopped
    the parse (an unknown object id: the size of what follows is unknown)."""
    objects: list[dict[str, Any]] = []
    i, n = 0, len(data)
    while i < n:
        oid = data[i]
        entry = OBJECTS.get(oid)
        if entry is None:
            return tuple(
                objects
            ), f"unknown object id 0x{oid:02x} at byte {i}: the rest ({n - i} bytes) is not decoded"
        kind = entry[5]
        if kind in (TEXT, RAW, COMMAND):
            if i + 1 >= n:
                return tuple(objects), f"object 0x{oid:02x} at byte {i} has no length byte"
            size = (data[i + 1] & 0x1F) + 1 if kind == COMMAND else data[i + 1]
            start = i + 2
        else:
            size = entry[1]
            start = i + 1
        stop = start + size
        if stop > n or size == 0:
            return tuple(
                objects
            ), f"object 0x{oid:02x} at byte {i} is truncated ({n - start} of {size} bytes)"
        objects.append(_value(oid, entry, data[start:stop]))
        i = stop
    return tuple(objects), None


def decode_bthome(
    service_data: bytes, *, mac: bytes | None = None, bind_key: bytes | None = None
) -> VendorDecoding | None:
    """`service_data` is what follows the 0xFCD2 UUID. `mac` is the advertiser's address
    as 6 bytes in written order (needed to decrypt), `bind_key` the 16-byte key.
    None when it is empty; never raises."""
    if not service_data:
        return None
    info = service_data[0]
    version = info >> 5
    encrypted = bool(info & 1)
    fields: dict[str, Any] = {
        "version": version,
        "encrypted": encrypted,
        "trigger_based": bool(info & 4),
    }
    if version != 2:
        return vendor("bthome", fields, f"BTHome version {version} is not decoded (v2 only)")
    body = service_data[1:]
    note: str | None = None
    if encrypted:
        if len(body) < 8:
            return vendor("bthome", fields, "encrypted but too short for counter and MIC")
        ciphertext, counter, mic = body[:-8], body[-8:-4], body[-4:]
        fields["counter"] = int.from_bytes(counter, "little")
        fields["decrypted"] = False
        if bind_key is None or mac is None:
            missing = "bind key" if bind_key is None else "advertiser address"
            fields["objects"] = ()
            return vendor("bthome", fields, f"encrypted: needs the {missing} to decrypt")
        plain = _decrypt(ciphertext, mic, counter, info, mac, bind_key)
        if plain is None:
            fields["objects"] = ()
            return vendor("bthome", fields, "decryption failed: wrong bind key or address")
        fields["decrypted"] = True
        body = plain
    objects, note = parse_objects(body)
    fields["objects"] = objects
    return vendor("bthome", fields, note)


def _decode(body: bytes, context: Context) -> VendorDecoding | None:
    return decode_bthome(body, mac=context.mac, bind_key=context.bthome_key)


FORMATS = (Format("bthome", "BTHome", SERVICE_DATA_16, BTHOME_UUID16, _decode),)


def _decrypt(
    ciphertext: bytes, mic: bytes, counter: bytes, info: int, mac: bytes, key: bytes
) -> bytes | None:
    if len(key) != 16 or len(mac) != 6:
        return None
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESCCM

    nonce = mac + _UUID_LE + bytes((info,)) + counter
    try:
        return AESCCM(key, tag_length=4).decrypt(nonce, ciphertext + mic, None)
    except (InvalidTag, ValueError):
        return None

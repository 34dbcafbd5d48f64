"""GATT Characteristic Presentation Format (descriptor 0x2904): its format types, units,
namespace descriptions, and the number formats they name (IEEE-11073 SFLOAT and FLOAT
among them).

Unit names come from bleak's table (bleak.uuids, the 0x27xx GATT Unit UUIDs) through
`names.uuid_name`; the format types, the short unit symbols and the Bluetooth SIG
namespace descriptions are not shipped by bleak or Bumble, so they are listed here from
Bluetooth Assigned Numbers sections 2.4.1 (formats), 2.4.2 (namespace) and 3.5 (units).
"""

from __future__ import annotations

import math
import struct

from blebench.decode.names import uuid_name

# format: (name, size in bytes or None for variable, family)
FORMATS: dict[int, tuple[str, int | None, str]] = {
    0x01: ("boolean", 1, "bool"),
    0x02: ("2bit", 1, "uint"),
    0x03: ("nibble", 1, "uint"),
    0x04: ("uint8", 1, "uint"),
    0x05: ("uint12", 2, "uint"),
    0x06: ("uint16", 2, "uint"),
    0x07: ("uint24", 3, "uint"),
    0x08: ("uint32", 4, "uint"),
    0x09: ("uint48", 6, "uint"),
    0x0A: ("uint64", 8, "uint"),
    0x0B: ("uint128", 16, "uint"),
    0x0C: ("sint8", 1, "sint"),
    0x0D: ("sint12", 2, "sint"),
    0x0E: ("sint16", 2, "sint"),
    0x0F: ("sint24", 3, "sint"),
    0x10: ("sint32", 4, "sint"),
    0x11: ("sint48", 6, "sint"),
    0x12: ("sint64", 8, "sint"),
    0x13: ("sint128", 16, "sint"),
    0x14: ("float32", 4, "float"),
    0x15: ("float64", 8, "float"),
    0x16: ("medfloat16", 2, "sfloat"),
    0x17: ("medfloat32", 4, "medfloat32"),
    0x18: ("uint16 [2]", 4, "duint16"),
    0x19: ("utf8s", None, "utf8"),
    0x1A: ("utf16s", None, "utf16"),
    0x1B: ("struct", None, "struct"),
    0x1C: ("medASN1", None, "struct"),
}

# Bits that the small formats use out of their byte.
_SMALL_BITS = {0x02: 2, 0x03: 4, 0x05: 12, 0x0D: 12}

# Short symbols for summaries; the full names come from bleak's unit table.
UNIT_SYMBOLS: dict[int, str] = {
    0x2700: "",
    0x2701: "m",
    0x2702: "kg",
    0x2703: "s",
    0x2704: "A",
    0x2705: "K",
    0x2706: "mol",
    0x2707: "cd",
    0x2710: "m²",
    0x2711: "m³",
    0x2712: "m/s",
    0x2713: "m/s²",
    0x2722: "Hz",
    0x2723: "N",
    0x2724: "Pa",
    0x2725: "J",
    0x2726: "W",
    0x2727: "C",
    0x2728: "V",
    0x2729: "F",
    0x272A: "Ω",
    0x272B: "S",
    0x272F: "°C",
    0x2731: "lx",
    0x2760: "min",
    0x2761: "h",
    0x2762: "d",
    0x2763: "°",
    0x2767: "L",
    0x2780: "bar",
    0x2781: "mmHg",
    0x27A6: "km/h",
    0x27A7: "mph",
    0x27A8: "rpm",
    0x27AB: "kWh",
    0x27AC: "°F",
    0x27AD: "%",
    0x27AE: "‰",
    0x27AF: "bpm",
    0x27B0: "Ah",
    0x27B3: "y",
    0x27B4: "mo",
    0x27C3: "dB",
    0x27C4: "ppm",
    0x27C5: "ppb",
}

# Bluetooth SIG namespace (0x01) descriptions; 0x0001..0x00FF are ordinals ("first"...).
SIG_DESCRIPTIONS: dict[int, str] = {
    0x0000: "unknown",
    0x0100: "front",
    0x0101: "back",
    0x0102: "top",
    0x0103: "bottom",
    0x0104: "upper",
    0x0105: "lower",
    0x0106: "main",
    0x0107: "backup",
    0x0108: "auxiliary",
    0x0109: "supplementary",
    0x010A: "flash",
    0x010B: "inside",
    0x010C: "outside",
    0x010D: "left",
    0x010E: "right",
    0x010F: "internal",
    0x0110: "external",
}


def format_name(fmt: int) -> str:
    entry = FORMATS.get(fmt)
    return entry[0] if entry else f"reserved 0x{fmt:02X}"


def unit_name(unit: int) -> str | None:
    """The GATT unit's name from bleak's table ("Celsius temperature (degree Celsius)"),
    None when the UUID is not a unit."""
    if not 0x2700 <= unit <= 0x27FF:
        return None
    return uuid_name(f"{unit:04x}")


def unit_symbol(unit: int) -> str:
    """ "°C" for 0x272F; the name for units without a short symbol; "" for unitless."""
    symbol = UNIT_SYMBOLS.get(unit)
    if symbol is not None:
        return symbol
    name = unit_name(unit)
    return name if name is not None else f"unit 0x{unit:04X}"


def description_name(namespace: int, description: int) -> str | None:
    if namespace != 0x01:
        return None
    if 0x0001 <= description <= 0x00FF:
        return f"#{description}"
    return SIG_DESCRIPTIONS.get(description)


# -- IEEE-11073 numbers (Personal Health Devices) ------------------------------------------

_SFLOAT_SPECIAL = {
    0x07FF: "NaN",
    0x0800: "NRes",
    0x07FE: "+INFINITY",
    0x0802: "-INFINITY",
    0x0801: "reserved",
}
_FLOAT_SPECIAL = {
    0x007FFFFF: "NaN",
    0x00800000: "NRes",
    0x007FFFFE: "+INFINITY",
    0x00800002: "-INFINITY",
    0x00800001: "reserved",
}


def sfloat(raw: int) -> float | str:
    """IEEE-11073 16-bit SFLOAT: 4-bit exponent, 12-bit mantissa; special values by name."""
    raw &= 0xFFFF
    mantissa = raw & 0x0FFF
    if mantissa in (0x07FF, 0x0800, 0x07FE, 0x0802, 0x0801):
        return _SFLOAT_SPECIAL[mantissa]
    exponent = raw >> 12
    if exponent >= 8:
        exponent -= 16
    if mantissa >= 0x0800:
        mantissa -= 0x1000
    return _scaled(mantissa, exponent)


def medfloat32(raw: int) -> float | str:
    """IEEE-11073 32-bit FLOAT: 8-bit exponent, 24-bit mantissa; special values by name."""
    raw &= 0xFFFFFFFF
    mantissa = raw & 0xFFFFFF
    if mantissa in _FLOAT_SPECIAL:
        return _FLOAT_SPECIAL[mantissa]
    exponent = raw >> 24
    if exponent >= 128:
        exponent -= 256
    if mantissa >= 0x800000:
        mantissa -= 0x1000000
    return _scaled(mantissa, exponent)


def _scaled(mantissa: int, exponent: int) -> float:
    # round() keeps 10**-n scaling free of binary noise (0.1 * 3 -> 0.3).
    value = mantissa * (10.0**exponent)
    return round(value, -exponent) if exponent < 0 else value


def json_number(value: float) -> float | str:
    """JSON has no NaN or infinity: those become strings."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+INFINITY" if value > 0 else "-INFINITY"
    return value


def ieee_float(data: bytes, little: bool = True) -> float:
    code = {2: "e", 4: "f", 8: "d"}[len(data)]
    return float(struct.unpack(("<" if little else ">") + code, data)[0])

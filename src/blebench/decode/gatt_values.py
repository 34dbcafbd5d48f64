"""GATT characteristic and descriptor values in words, chosen by UUID.

`decode_value(uuid, data, presentation)` knows the characteristics a workbench meets
every day (GAP, Device Information, Battery, Heart Rate, Health Thermometer, HID,
Environmental Sensing temperature/humidity/pressure, the standard descriptors) and gives
everything else a generic view: hex, printable ASCII, and the integers and floats of each
width and byte order that fit. A Characteristic Presentation Format (0x2904) read from the
same characteristic types an otherwise unknown value (and a Valid Range 0x2906 of it).

Total: any bytes give a DecodedValue; a truncated or invalid value carries `error` and
whatever could be decoded. Strings from the air are kept literally in `fields` and shown
escaped in `summary` (no control characters, no terminal escapes).
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

from blebench.decode import hid, units
from blebench.decode.names import SIG_BASE_SUFFIX, appearance_name, company_name, normalize_uuid
from blebench.decode.text import printable

JSON: TypeAlias = "None | bool | int | float | str | list[JSON] | dict[str, JSON]"

SUMMARY_MAX = 120


@dataclass(frozen=True, slots=True)
class DecodedValue:
    kind: str
    summary: str
    fields: Mapping[str, JSON] = field(default_factory=dict)
    error: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "summary": self.summary,
            "fields": dict(self.fields),
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class PresentationFormat:
    format: int
    exponent: int
    unit: int
    namespace: int
    description: int

    @property
    def format_name(self) -> str:
        return units.format_name(self.format)

    @property
    def unit_name(self) -> str | None:
        return units.unit_name(self.unit)

    @property
    def description_name(self) -> str | None:
        return units.description_name(self.namespace, self.description)

    def to_json(self) -> dict[str, JSON]:
        return {
            "format": self.format,
            "format_name": self.format_name,
            "exponent": self.exponent,
            "unit": self.unit,
            "unit_name": self.unit_name,
            "unit_symbol": units.unit_symbol(self.unit),
            "namespace": self.namespace,
            "description": self.description,
            "description_name": self.description_name,
        }


def parse_presentation_format(data: bytes | bytearray) -> PresentationFormat | None:
    """The 7-byte 0x2904 descriptor value, or None when it is shorter."""
    if len(data) < 7:
        return None
    fmt, exponent, unit, namespace, description = struct.unpack_from("<BbHBH", bytes(data))
    return PresentationFormat(fmt, exponent, unit, namespace, description)


# -- helpers ---------------------------------------------------------------------------------


def _hex_preview(data: bytes, limit: int = 24) -> str:
    text = data[:limit].hex(" ")
    return text + (" …" if len(data) > limit else "")


def _need(data: bytes, size: int, what: str) -> str | None:
    if len(data) < size:
        return f"{what} needs {size} byte{'s' if size > 1 else ''}, got {len(data)}"
    if len(data) > size:
        return f"{what} is {size} byte{'s' if size > 1 else ''}; {len(data) - size} extra ignored"
    return None


def _u16(data: bytes, off: int) -> int:
    return int.from_bytes(data[off : off + 2], "little")


def _format_scaled(value: float | int, exponent: int) -> str:
    if exponent < 0 and isinstance(value, float):
        return f"{value:.{-exponent}f}"
    return str(value)


# -- characteristic decoders -------------------------------------------------------------------


def _heart_rate(data: bytes) -> DecodedValue:
    kind = "heart_rate_measurement"
    if not data:
        return DecodedValue(kind, "(empty)", {}, "Heart Rate Measurement needs at least 2 bytes")
    flags = data[0]
    fields: dict[str, JSON] = {"flags": flags}
    wide = bool(flags & 0x01)
    fields["value_format"] = "uint16" if wide else "uint8"
    contact = (flags >> 1) & 0x03
    fields["sensor_contact"] = (
        "detected" if contact == 3 else "not detected" if contact == 2 else "not supported"
    )
    off = 1
    size = 2 if wide else 1
    if len(data) < off + size:
        return DecodedValue(
            kind, "truncated", fields, f"heart rate value needs {size} byte(s) after the flags"
        )
    bpm = int.from_bytes(data[off : off + size], "little")
    off += size
    fields["heart_rate_bpm"] = bpm
    parts = [f"{bpm} bpm"]
    if contact == 3:
        parts.append("contact")
    elif contact == 2:
        parts.append("no contact")
    error = None
    if flags & 0x08:
        if len(data) >= off + 2:
            energy = _u16(data, off)
            fields["energy_expended_kj"] = energy
            parts.append(f"{energy} kJ")
            off += 2
        else:
            error = "energy expended flag set but the value is missing"
    rr: list[JSON] = []
    rr_raw: list[JSON] = []
    if flags & 0x10 and error is None:
        rest = data[off:]
        for i in range(0, len(rest) - 1, 2):
            raw = _u16(rest, i)
            rr_raw.append(raw)
            rr.append(round(raw / 1024, 4))
        if len(rest) % 2:
            error = "RR intervals: odd trailing byte ignored"
        if not rr and error is None:
            error = "RR interval flag set but no intervals present"
        fields["rr_intervals_s"] = rr
        fields["rr_intervals_raw"] = rr_raw
        if rr:
            shown = " ".join(f"{v:.3f}" for v in rr[:4] if isinstance(v, float))
            parts.append(f"RR {shown}{' …' if len(rr) > 4 else ''} s")
    elif not flags & 0x10 and off < len(data) and error is None:
        error = f"{len(data) - off} extra bytes after the fields the flags announce"
    return DecodedValue(kind, ", ".join(parts), fields, error)


def _battery(data: bytes) -> DecodedValue:
    if not data:
        return DecodedValue("battery_level", "(empty)", {}, "Battery Level needs 1 byte, got 0")
    level = data[0]
    error = _need(data, 1, "Battery Level")
    if level > 100:
        error = f"{level} % is out of range (0-100)"
    return DecodedValue("battery_level", f"{level} %", {"percent": level}, error)


_VENDOR_SOURCES = {1: "Bluetooth SIG", 2: "USB Implementer's Forum"}


def _pnp_id(data: bytes) -> DecodedValue:
    kind = "pnp_id"
    error = _need(data, 7, "PnP ID")
    fields: dict[str, JSON] = {}
    if len(data) < 1:
        return DecodedValue(kind, "(empty)", fields, error)
    source = data[0]
    fields["vendor_id_source"] = source
    fields["vendor_id_source_name"] = _VENDOR_SOURCES.get(source, f"reserved ({source})")
    parts = []
    if len(data) >= 3:
        vendor = _u16(data, 1)
        fields["vendor_id"] = vendor
        name = company_name(vendor) if source == 1 else None
        fields["vendor_name"] = name
        tag = "BT" if source == 1 else "USB" if source == 2 else "?"
        parts.append(f"{tag} vendor 0x{vendor:04X}" + (f" ({name})" if name else ""))
    if len(data) >= 5:
        product = _u16(data, 3)
        fields["product_id"] = product
        parts.append(f"product 0x{product:04X}")
    if len(data) >= 7:
        version = _u16(data, 5)
        text = f"{version >> 8}.{(version >> 4) & 0xF}.{version & 0xF}"
        fields["product_version"] = version
        fields["product_version_text"] = text
        parts.append(f"version {text}")
    return DecodedValue(kind, ", ".join(parts) or "truncated", fields, error)


def _appearance(data: bytes) -> DecodedValue:
    error = _need(data, 2, "Appearance")
    if len(data) < 2:
        return DecodedValue("appearance", "truncated", {}, error)
    value = _u16(data, 0)
    category, sub = appearance_name(value)
    text = f"{category}: {sub}" if sub and not sub.startswith("Generic") else category
    fields: dict[str, JSON] = {
        "value": value,
        "category": value >> 6,
        "subcategory": value & 0x3F,
        "category_name": category,
        "subcategory_name": sub,
    }
    return DecodedValue("appearance", f"{text} (0x{value:04X})", fields, error)


def _string(kind: str, label: str) -> Callable[[bytes], DecodedValue]:
    def decode(data: bytes) -> DecodedValue:
        body = data
        # Many devices send C strings: drop the NUL terminator (and padding after it).
        nul = body.find(b"\x00")
        if nul >= 0 and not body[nul:].strip(b"\x00"):
            body = body[:nul]
        error = None
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            text = body.decode("utf-8", errors="replace")
            error = f"not valid UTF-8 at byte {exc.start}"
        fields: dict[str, JSON] = {"text": text, "label": label}
        return DecodedValue(kind, f'"{printable(text, SUMMARY_MAX)}"', fields, error)

    return decode


def _system_id(data: bytes) -> DecodedValue:
    error = _need(data, 8, "System ID")
    if len(data) < 8:
        return DecodedValue(
            "system_id", _hex_preview(data) or "(empty)", {"hex": data.hex()}, error
        )
    manufacturer = int.from_bytes(data[0:5], "little")
    oui = int.from_bytes(data[5:8], "little")
    oui_text = ":".join(f"{b:02X}" for b in oui.to_bytes(3, "big"))
    fields: dict[str, JSON] = {"manufacturer_identifier": manufacturer, "oui": oui_text}
    return DecodedValue(
        "system_id", f"manufacturer 0x{manufacturer:010X}, OUI {oui_text}", fields, error
    )


def _cccd(data: bytes) -> DecodedValue:
    error = _need(data, 2, "Client Characteristic Configuration")
    if not data:
        return DecodedValue("cccd", "(empty)", {}, error)
    value = _u16(data, 0) if len(data) >= 2 else data[0]
    notify, indicate = bool(value & 1), bool(value & 2)
    if notify and indicate:
        text = "notifications and indications on"
    elif notify:
        text = "notifications on"
    elif indicate:
        text = "indications on"
    else:
        text = "off"
    if value & ~0x3:
        error = error or f"reserved bits set (0x{value:04X})"
    fields: dict[str, JSON] = {"value": value, "notifications": notify, "indications": indicate}
    return DecodedValue("cccd", text, fields, error)


def _presentation(data: bytes) -> DecodedValue:
    pf = parse_presentation_format(data)
    if pf is None:
        return DecodedValue(
            "presentation_format",
            _hex_preview(data) or "(empty)",
            {"hex": data.hex()},
            f"Characteristic Presentation Format needs 7 bytes, got {len(data)}",
        )
    error = (
        None
        if len(data) == 7
        else f"Characteristic Presentation Format is 7 bytes; {len(data) - 7} extra ignored"
    )
    unit = units.unit_name(pf.unit) or f"unit 0x{pf.unit:04X}"
    parts = [pf.format_name]
    if pf.exponent:
        parts.append(f"×10^{pf.exponent}")
    parts.append(unit)
    if pf.description_name and pf.description != 0:  # 0 is "unknown": not worth saying
        parts.append(f"({pf.description_name})")
    return DecodedValue("presentation_format", " ".join(parts), pf.to_json(), error)


_REPORT_TYPES = {1: "input", 2: "output", 3: "feature"}


def _report_reference(data: bytes) -> DecodedValue:
    error = _need(data, 2, "Report Reference")
    if len(data) < 2:
        return DecodedValue("report_reference", "truncated", {}, error)
    rid, rtype = data[0], data[1]
    tname = _REPORT_TYPES.get(rtype)
    if tname is None:
        error = error or f"report type {rtype} is reserved"
    fields: dict[str, JSON] = {"report_id": rid, "report_type": rtype, "report_type_name": tname}
    return DecodedValue(
        "report_reference", f"{tname or f'type {rtype}'} report, id {rid}", fields, error
    )


def _hid_information(data: bytes) -> DecodedValue:
    error = _need(data, 4, "HID Information")
    if len(data) < 4:
        return DecodedValue("hid_information", "truncated", {}, error)
    bcd = _u16(data, 0)
    version = f"{bcd >> 8:x}.{bcd & 0xFF:02x}"
    country, flags = data[2], data[3]
    fields: dict[str, JSON] = {
        "bcd_hid": bcd,
        "hid_version": version,
        "country_code": country,
        "flags": flags,
        "remote_wake": bool(flags & 1),
        "normally_connectable": bool(flags & 2),
    }
    extra = [w for w, on in (("remote wake", flags & 1), ("normally connectable", flags & 2)) if on]
    text = f"HID {version}, country {country}" + (f", {', '.join(extra)}" if extra else "")
    return DecodedValue("hid_information", text, fields, error)


def _protocol_mode(data: bytes) -> DecodedValue:
    error = _need(data, 1, "Protocol Mode")
    if not data:
        return DecodedValue("protocol_mode", "(empty)", {}, error)
    mode = data[0]
    name = {0: "boot", 1: "report"}.get(mode)
    if name is None:
        error = error or f"protocol mode {mode} is reserved"
    return DecodedValue(
        "protocol_mode", f"{name or 'reserved'} protocol", {"mode": mode, "mode_name": name}, error
    )


def _report_map(data: bytes) -> DecodedValue:
    report_map = hid.parse_report_map(data)
    full = report_map.to_json()
    fields: dict[str, JSON] = {
        "applications": list(report_map.applications),
        "reports": [
            {"kind": r.kind, "id": r.report_id, "size_bits": r.size_bits}
            for r in report_map.reports
        ],
        "errors": full["errors"],  # type: ignore[dict-item]
        "length": len(data),
    }
    error = None
    if report_map.errors:
        first = report_map.errors[0]
        error = f"offset {first.offset}: {first.message}"
    return DecodedValue("report_map", printable(report_map.summary(), SUMMARY_MAX), fields, error)


def _temperature(data: bytes) -> DecodedValue:
    error = _need(data, 2, "Temperature")
    if len(data) < 2:
        return DecodedValue("temperature", "truncated", {}, error)
    raw = int.from_bytes(data[0:2], "little", signed=True)
    if raw == -0x8000:
        return DecodedValue("temperature", "value not known", {"raw": raw, "celsius": None}, error)
    celsius = raw / 100
    return DecodedValue("temperature", f"{celsius:.2f} °C", {"raw": raw, "celsius": celsius}, error)


def _humidity(data: bytes) -> DecodedValue:
    error = _need(data, 2, "Humidity")
    if len(data) < 2:
        return DecodedValue("humidity", "truncated", {}, error)
    raw = _u16(data, 0)
    if raw == 0xFFFF:
        return DecodedValue("humidity", "value not known", {"raw": raw, "percent": None}, error)
    percent = raw / 100
    if percent > 100:
        error = error or f"{percent:.2f} % is out of range (0-100)"
    return DecodedValue("humidity", f"{percent:.2f} %", {"raw": raw, "percent": percent}, error)


def _pressure(data: bytes) -> DecodedValue:
    # Environmental Sensing Pressure: uint32 in units of 0.1 Pa.
    error = _need(data, 4, "Pressure")
    if len(data) < 4:
        return DecodedValue("pressure", "truncated", {}, error)
    raw = int.from_bytes(data[0:4], "little")
    pascal = raw / 10
    fields: dict[str, JSON] = {"raw": raw, "pascal": pascal, "hectopascal": round(pascal / 100, 3)}
    return DecodedValue("pressure", f"{pascal:.1f} Pa ({pascal / 100:.2f} hPa)", fields, error)


# Temperature Type (Health Thermometer Service 3.2, GATT Specification Supplement 3.218):
# where on the body the temperature was taken.
_TEMPERATURE_TYPES = {
    1: "Armpit",
    2: "Body (general)",
    3: "Ear (usually earlobe)",
    4: "Finger",
    5: "Gastro-intestinal Tract",
    6: "Mouth",
    7: "Rectum",
    8: "Toe",
    9: "Tympanum (ear drum)",
}


def _temperature_type_fields(value: int) -> tuple[str, dict[str, JSON], str | None]:
    name = _TEMPERATURE_TYPES.get(value)
    fields: dict[str, JSON] = {"temperature_type": value, "temperature_type_name": name}
    return name or f"reserved ({value})", fields, None if name else f"type {value} is reserved"


def _temperature_type(data: bytes) -> DecodedValue:
    error = _need(data, 1, "Temperature Type")
    if not data:
        return DecodedValue("temperature_type", "(empty)", {}, error)
    text, fields, reserved = _temperature_type_fields(data[0])
    return DecodedValue("temperature_type", text, fields, error or reserved)


def _date_time(data: bytes) -> tuple[str, str | None]:
    """The 7-byte Date Time (year u16, month, day, hours, minutes, seconds) as ISO 8601;
    0 in year, month or day means "not known" and is kept as 0."""
    year = _u16(data, 0)
    month, day, hours, minutes, seconds = data[2:7]
    text = f"{year:04d}-{month:02d}-{day:02d}T{hours:02d}:{minutes:02d}:{seconds:02d}"
    bad = (
        year > 9999
        or (year and not 1582 <= year)
        or month > 12
        or day > 31
        or hours > 23
        or minutes > 59
        or seconds > 59
    )
    return text, f"time stamp {text} is out of range" if bad else None


def _temperature_measurement(data: bytes) -> DecodedValue:
    kind = "temperature_measurement"
    if not data:
        return DecodedValue(kind, "(empty)", {}, "Temperature Measurement needs at least 5 bytes")
    flags = data[0]
    fahrenheit = bool(flags & 0x01)
    symbol = "°F" if fahrenheit else "°C"
    fields: dict[str, JSON] = {
        "flags": flags,
        "unit": "fahrenheit" if fahrenheit else "celsius",
        "unit_symbol": symbol,
    }
    if len(data) < 5:
        return DecodedValue(
            kind,
            "truncated",
            fields,
            "the temperature (IEEE-11073 FLOAT) needs 4 bytes after the flags",
        )
    value = units.medfloat32(int.from_bytes(data[1:5], "little"))
    if isinstance(value, str):  # NaN, NRes, +/-INFINITY: no number to convert
        fields["temperature"] = value
        fields["celsius"] = None
        parts = [f"{value} {symbol}"]
    else:
        fields["temperature"] = value
        fields["celsius"] = round((value - 32) * 5 / 9, 2) if fahrenheit else value
        parts = [f"{value:g} {symbol}"]
    off = 5
    error = None
    if flags & 0x02:
        if len(data) >= off + 7:
            stamp, error = _date_time(data[off : off + 7])
            fields["timestamp"] = stamp
            parts.append(stamp.replace("T", " "))
            off += 7
        else:
            error = "time stamp flag set but its 7 bytes are missing"
    if flags & 0x04 and error is None:
        if len(data) > off:
            text, type_fields, error = _temperature_type_fields(data[off])
            fields.update(type_fields)
            parts.append(text)
            off += 1
        else:
            error = "temperature type flag set but the byte is missing"
    if error is None and off < len(data):
        error = f"{len(data) - off} extra bytes after the fields the flags announce"
    if error is None and flags & 0xF8:
        error = f"reserved flag bits set (0x{flags:02X})"
    return DecodedValue(kind, ", ".join(parts), fields, error)


def _measurement_interval(data: bytes) -> DecodedValue:
    error = _need(data, 2, "Measurement Interval")
    if len(data) < 2:
        return DecodedValue("measurement_interval", "truncated", {}, error)
    seconds = _u16(data, 0)
    text = "no periodic measurement" if seconds == 0 else f"every {seconds} s"
    return DecodedValue("measurement_interval", text, {"seconds": seconds}, error)


def _valid_range(data: bytes, presentation: PresentationFormat | None = None) -> DecodedValue:
    """Valid Range (0x2906): the lower and upper inclusive bounds, each in the format of the
    characteristic it belongs to. Typed by that characteristic's 0x2904 when given, else
    read as two unsigned little-endian integers of half the length each."""
    kind = "valid_range"
    if not data or len(data) % 2:
        return DecodedValue(
            kind,
            _hex_preview(data) or "(empty)",
            {"hex": data.hex()},
            f"Valid Range holds two values of one size; got {len(data)} byte(s)",
        )
    half = len(data) // 2
    if presentation is not None:
        low, high = (
            decode_with_format(data[:half], presentation),
            decode_with_format(data[half:], presentation),
        )
        fields: dict[str, JSON] = {
            "lower": low.fields.get("value"),
            "upper": high.fields.get("value"),
            "typed": True,
        }
        return DecodedValue(
            kind, f"{low.summary} to {high.summary}", fields, low.error or high.error
        )
    lower = int.from_bytes(data[:half], "little")
    upper = int.from_bytes(data[half:], "little")
    fields = {"lower": lower, "upper": upper, "typed": False}
    error = f"lower bound {lower} is above the upper bound {upper}" if lower > upper else None
    return DecodedValue(kind, f"{lower} to {upper}", fields, error)


def _ppcp(data: bytes) -> DecodedValue:
    error = _need(data, 8, "Peripheral Preferred Connection Parameters")
    if len(data) < 8:
        return DecodedValue("preferred_connection_parameters", "truncated", {}, error)
    lo, hi, latency, timeout = struct.unpack_from("<HHHH", data)

    def interval(v: int) -> JSON:
        return None if v == 0xFFFF else v * 1.25

    fields: dict[str, JSON] = {
        "min_interval_ms": interval(lo),
        "max_interval_ms": interval(hi),
        "latency": latency,
        "supervision_timeout_ms": None if timeout == 0xFFFF else timeout * 10,
    }
    text = (
        f"interval {fields['min_interval_ms'] or 'any'}-{fields['max_interval_ms'] or 'any'} ms, "
        f"latency {latency}, timeout {fields['supervision_timeout_ms'] or 'any'} ms"
    )
    return DecodedValue("preferred_connection_parameters", text, fields, error)


def _service_changed(data: bytes) -> DecodedValue:
    error = _need(data, 4, "Service Changed")
    if len(data) < 4:
        return DecodedValue("service_changed", "truncated", {}, error)
    start, end = _u16(data, 0), _u16(data, 2)
    fields: dict[str, JSON] = {"start_handle": start, "end_handle": end}
    return DecodedValue(
        "service_changed", f"handles 0x{start:04X}-0x{end:04X} changed", fields, error
    )


# Kept here: Bumble has this table (HeartRateService.BodySensorLocation), but its module
# (bumble.profiles.heart_rate_service) imports bumble.device, which decode/ must not load
# (tests/unit/test_import_hygiene.py). tests/unit/decode_ad/test_library_tables.py holds
# the two together.
_BODY_SENSOR_LOCATIONS = {
    0: "Other",
    1: "Chest",
    2: "Wrist",
    3: "Finger",
    4: "Hand",
    5: "Ear Lobe",
    6: "Foot",
}


def _body_sensor_location(data: bytes) -> DecodedValue:
    error = _need(data, 1, "Body Sensor Location")
    if not data:
        return DecodedValue("body_sensor_location", "(empty)", {}, error)
    name = _BODY_SENSOR_LOCATIONS.get(data[0])
    return DecodedValue(
        "body_sensor_location",
        name or f"reserved ({data[0]})",
        {"value": data[0], "name": name},
        error if name else error or f"location {data[0]} is reserved",
    )


def _central_address_resolution(data: bytes) -> DecodedValue:
    error = _need(data, 1, "Central Address Resolution")
    if not data:
        return DecodedValue("central_address_resolution", "(empty)", {}, error)
    on = data[0] == 1
    return DecodedValue(
        "central_address_resolution",
        "supported" if on else "not supported",
        {"supported": on},
        error,
    )


def _boot_keyboard(data: bytes) -> DecodedValue:
    value = hid.decode_input_report(hid.boot_keyboard_map(), None, data)
    fields: dict[str, JSON] = {
        "keys": list(value.keys),
        "modifiers": list(value.modifiers),
        "text": value.text,
    }
    summary = " + ".join(value.keys) if value.keys else "no keys"
    if value.text and value.text.isprintable():
        summary += f' ("{printable(value.text, SUMMARY_MAX)}")'
    return DecodedValue("boot_keyboard_input", summary, fields, value.error)


def _boot_mouse(data: bytes) -> DecodedValue:
    value = hid.decode_input_report(hid.boot_mouse_map(), None, data)
    named = {v.name: v.value for v in value.values}
    fields: dict[str, JSON] = {
        "buttons": [n for n, v in named.items() if n.startswith("Button") and v],
        "x": named.get("X"),
        "y": named.get("Y"),
    }
    buttons = fields["buttons"]
    text = f"x {fields['x']}, y {fields['y']}" + (
        f", {' + '.join(str(b) for b in buttons)}" if isinstance(buttons, list) and buttons else ""
    )
    return DecodedValue("boot_mouse_input", text, fields, value.error)


def _hid_control_point(data: bytes) -> DecodedValue:
    error = _need(data, 1, "HID Control Point")
    if not data:
        return DecodedValue("hid_control_point", "(empty)", {}, error)
    name = {0: "suspend", 1: "exit suspend"}.get(data[0])
    return DecodedValue(
        "hid_control_point",
        name or f"reserved ({data[0]})",
        {"value": data[0], "name": name},
        error,
    )


_DECODERS: dict[int, Callable[[bytes], DecodedValue]] = {
    0x2A00: _string("string", "Device Name"),
    0x2A01: _appearance,
    0x2A04: _ppcp,
    0x2A05: _service_changed,
    0x2A19: _battery,
    0x2A1C: _temperature_measurement,
    0x2A1D: _temperature_type,
    0x2A21: _measurement_interval,
    0x2A22: _boot_keyboard,
    0x2A23: _system_id,
    0x2A24: _string("string", "Model Number"),
    0x2A25: _string("string", "Serial Number"),
    0x2A26: _string("string", "Firmware Revision"),
    0x2A27: _string("string", "Hardware Revision"),
    0x2A28: _string("string", "Software Revision"),
    0x2A29: _string("string", "Manufacturer Name"),
    0x2A33: _boot_mouse,
    0x2A37: _heart_rate,
    0x2A38: _body_sensor_location,
    0x2A4A: _hid_information,
    0x2A4B: _report_map,
    0x2A4C: _hid_control_point,
    0x2A4E: _protocol_mode,
    0x2A50: _pnp_id,
    0x2A6D: _pressure,
    0x2A6E: _temperature,
    0x2A6F: _humidity,
    0x2AA6: _central_address_resolution,
    0x2901: _string("string", "Characteristic User Description"),
    0x2902: _cccd,
    0x2904: _presentation,
    0x2906: _valid_range,
    0x2908: _report_reference,
}


def known_uuids() -> tuple[int, ...]:
    """The 16-bit UUIDs with a specific decoder."""
    return tuple(sorted(_DECODERS))


def _leaf_names(fields: Mapping[str, JSON], prefix: str = "") -> set[str]:
    """Dotted names of the leaves (`flags.contact`); a `{"value", "unit"}` mapping is a leaf."""
    names: set[str] = set()
    for key, value in fields.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and "value" not in value:
            names |= _leaf_names(value, f"{name}.")
        else:
            names.add(name)
    return names


@functools.cache
def field_names(uuid: str | int) -> frozenset[str] | None:
    """Every field name the UUID's decoder can give (dotted for nested ones), plus
    `error`; None when the UUID has no specific decoder. Found by asking the decoder
    itself, over every flags byte and lengths up to 24, so it never drifts from it."""
    number = sig_uuid16(uuid)
    decoder = _DECODERS.get(number) if number is not None else None
    if decoder is None:
        return None
    names: set[str] = {"error"}
    for first in range(256):
        for length in range(1, 25):
            for filler in (0x01, 0xFF):
                try:
                    decoded = decoder(bytes([first]) + bytes([filler]) * (length - 1))
                except Exception:  # noqa: BLE001, S112 - decode_value guards this the same way
                    continue
                names |= _leaf_names(decoded.fields)
    return frozenset(names)


# -- presentation-format typed values -------------------------------------------------------


def decode_with_format(data: bytes, pf: PresentationFormat) -> DecodedValue:
    """A value typed by its Characteristic Presentation Format descriptor."""
    entry = units.FORMATS.get(pf.format)
    fields: dict[str, JSON] = {"presentation": pf.to_json()}
    symbol = units.unit_symbol(pf.unit)
    suffix = f" {symbol}" if symbol else ""
    if entry is None:
        view = generic_view(data)
        return DecodedValue(
            "formatted",
            _generic_summary(data),
            {**fields, **view},
            f"format 0x{pf.format:02X} is reserved",
        )
    name, size, family = entry
    fields["format_name"] = name
    error = None
    if size is not None:
        if len(data) < size:
            fields["hex"] = data.hex()
            return DecodedValue(
                "formatted",
                _hex_preview(data) or "(empty)",
                fields,
                f"{name} needs {size} bytes, got {len(data)}",
            )
        if len(data) > size:
            error = f"{name} is {size} bytes; {len(data) - size} extra ignored"
        data = data[:size]
    value: JSON
    if family in ("uint", "sint", "bool"):
        raw = int.from_bytes(data, "little", signed=family == "sint")
        bits = units._SMALL_BITS.get(pf.format)
        if bits is not None:
            raw &= (1 << bits) - 1
            if family == "sint" and raw >> (bits - 1):
                raw -= 1 << bits
        if family == "bool":
            value = bool(raw & 1)
            text = "true" if value else "false"
        else:
            scaled: float | int = (
                raw * 10**pf.exponent
                if pf.exponent >= 0
                else round(raw * 10.0**pf.exponent, -pf.exponent)
            )
            value = scaled
            text = _format_scaled(scaled, pf.exponent) + suffix
        fields["raw"] = raw
    elif family == "float":
        f = units.ieee_float(data)
        value = units.json_number(f * 10.0**pf.exponent if pf.exponent else f)
        text = f"{value}{suffix}"
    elif family == "sfloat":
        s = units.sfloat(_u16(data, 0))
        value = s if isinstance(s, str) else units.json_number(s)
        text = f"{value}{suffix}"
    elif family == "medfloat32":
        m = units.medfloat32(int.from_bytes(data, "little"))
        value = m if isinstance(m, str) else units.json_number(m)
        text = f"{value}{suffix}"
    elif family == "duint16":
        value = [_u16(data, 0), _u16(data, 2)]
        text = f"{value[0]}, {value[1]}{suffix}"
    elif family in ("utf8", "utf16"):
        codec = "utf-8" if family == "utf8" else "utf-16-le"
        try:
            value = data.decode(codec)
        except UnicodeDecodeError as exc:
            value = data.decode(codec, errors="replace")
            error = f"not valid {codec.upper()} at byte {exc.start}"
        text = f'"{printable(value, SUMMARY_MAX)}"'
    else:  # struct, medASN1: opaque
        value = data.hex()
        text = _hex_preview(data) or "(empty)"
    fields["value"] = value
    return DecodedValue("formatted", text, fields, error)


# -- generic view --------------------------------------------------------------------------------


def generic_view(data: bytes | bytearray) -> dict[str, JSON]:
    """Hex, ASCII (printable only, '.' for the rest), and the leading bytes read as every
    integer and float width and byte order that fits."""
    data = bytes(data)
    ints: dict[str, JSON] = {}
    floats: dict[str, JSON] = {}
    for width in (1, 2, 3, 4, 8):
        if len(data) < width:
            break
        chunk = data[:width]
        if width == 1:
            ints["u8"] = chunk[0]
            ints["s8"] = int.from_bytes(chunk, "little", signed=True)
            continue
        bits = width * 8
        for order, tag in (("little", "le"), ("big", "be")):
            ints[f"u{bits}{tag}"] = int.from_bytes(chunk, order)  # type: ignore[arg-type]
            ints[f"s{bits}{tag}"] = int.from_bytes(chunk, order, signed=True)  # type: ignore[arg-type]
    for width in (2, 4, 8):
        if len(data) < width:
            break
        chunk = data[:width]
        for little, tag in ((True, "le"), (False, "be")):
            floats[f"f{width * 8}{tag}"] = units.json_number(units.ieee_float(chunk, little))
    if len(data) >= 2:
        s = units.sfloat(_u16(data, 0))
        floats["sfloat_le"] = s if isinstance(s, str) else units.json_number(s)
    if len(data) >= 4:
        m = units.medfloat32(int.from_bytes(data[:4], "little"))
        floats["medfloat32_le"] = m if isinstance(m, str) else units.json_number(m)
    return {
        "length": len(data),
        "hex": data.hex(),
        "ascii": "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in data),
        "ints": ints,
        "floats": floats,
    }


def _generic_summary(data: bytes) -> str:
    if not data:
        return "(empty)"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if text and text.isprintable() and len(text) >= 2:
        return f'"{printable(text, SUMMARY_MAX)}" ({len(data)} bytes)'
    summary = f"{_hex_preview(data)} ({len(data)} byte{'s' if len(data) > 1 else ''})"
    if len(data) in (1, 2, 4):
        summary += f" = {int.from_bytes(data, 'little')}"
    return summary


def _generic(data: bytes) -> DecodedValue:
    return DecodedValue("generic", _generic_summary(data), generic_view(data))


# -- entry point ---------------------------------------------------------------------------------


def sig_uuid16(uuid: str | int) -> int | None:
    """The 16-bit number of a UUID on the Bluetooth SIG base, else None (also for
    anything that is not a UUID)."""
    try:
        full = normalize_uuid(uuid)
    except ValueError:
        return None
    if full.endswith(SIG_BASE_SUFFIX) and full.startswith("0000"):
        return int(full[4:8], 16)
    return None


def decode_value(
    uuid: str | int, data: bytes | bytearray, presentation: PresentationFormat | None = None
) -> DecodedValue:
    """Decode a characteristic or descriptor value by its UUID. Known UUIDs get their
    specific decoder; others are typed by `presentation` (the characteristic's 0x2904
    descriptor) when given, else the generic view. Never raises."""
    data = bytes(data)
    number = sig_uuid16(uuid)
    decoder = _DECODERS.get(number) if number is not None else None
    try:
        if number == 0x2906 and presentation is not None:
            return _valid_range(data, presentation)
        if decoder is not None:
            return decoder(data)
        if presentation is not None:
            return decode_with_format(data, presentation)
    except Exception as exc:  # the air is hostile: a bug must not become a traceback
        view = generic_view(data)
        return DecodedValue(
            "generic", _generic_summary(data), view, f"internal decoder error: {exc!r}"
        )
    return _generic(data)

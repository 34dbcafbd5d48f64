"""GATT characteristic and descriptor values by UUID."""

from __future__ import annotations

import json

import pytest

from blebench.decode.gatt_values import (
    decode_value,
    generic_view,
    known_uuids,
    parse_presentation_format,
)


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


def test_heart_rate_measurement_full() -> None:
    # flags: uint16 bpm, contact detected, energy present, RR present
    v = decode_value("2a37", h("1f 48 00 e8 03 40 03 20 03"))
    assert v.kind == "heart_rate_measurement" and v.error is None
    assert v.fields["heart_rate_bpm"] == 72
    assert v.fields["value_format"] == "uint16"
    assert v.fields["sensor_contact"] == "detected"
    assert v.fields["energy_expended_kj"] == 1000
    assert v.fields["rr_intervals_raw"] == [832, 800]
    assert v.fields["rr_intervals_s"] == [0.8125, 0.7812]
    assert v.summary == "72 bpm, contact, 1000 kJ, RR 0.812 0.781 s"


def test_heart_rate_contact_states_and_truncation() -> None:
    assert decode_value("2a37", h("04 50")).summary == "80 bpm, no contact"
    assert decode_value("2a37", h("00 50")).fields["sensor_contact"] == "not supported"
    cut = decode_value("2a37", h("01 48"))
    assert cut.error is not None and cut.fields["value_format"] == "uint16"
    odd = decode_value("2a37", h("10 48 00 04 01"))
    assert odd.fields["rr_intervals_raw"] == [0x0400] and "odd trailing byte" in (odd.error or "")
    assert decode_value("2a37", b"").error is not None


def test_full_and_short_uuid_forms_pick_the_same_decoder() -> None:
    for uuid in ("2a37", "0x2A37", "00002a37-0000-1000-8000-00805f9b34fb", 0x2A37):
        assert decode_value(uuid, h("00 48")).kind == "heart_rate_measurement"


def test_battery_level() -> None:
    v = decode_value("2a19", h("57"))
    assert (v.summary, v.fields["percent"], v.error) == ("87 %", 87, None)
    assert "out of range" in (decode_value("2a19", h("c8")).error or "")


def test_pnp_id_bluetooth_sig_vendor_gets_a_company_name() -> None:
    v = decode_value("2a50", h("01 0600 3412 1301"))
    assert v.fields["vendor_id_source_name"] == "Bluetooth SIG"
    assert (v.fields["vendor_id"], v.fields["vendor_name"]) == (6, "Microsoft")
    assert v.fields["product_id"] == 0x1234
    assert v.fields["product_version_text"] == "1.1.3"
    usb = decode_value("2a50", h("02 4c05 6802 0001"))
    assert usb.fields["vendor_name"] is None and "USB vendor 0x054C" in usb.summary
    short = decode_value("2a50", h("01 06"))
    assert short.error == "PnP ID needs 7 bytes, got 2"


def test_appearance_names() -> None:
    v = decode_value("2a01", h("c1 03"))  # 0x03C1 HID keyboard (field note 003)
    assert v.fields["category_name"] == "Human Interface Device"
    assert v.fields["subcategory_name"] == "Keyboard"
    assert v.summary == "Human Interface Device: Keyboard (0x03C1)"


def test_strings_are_literal_in_fields_and_escaped_in_summary() -> None:
    v = decode_value("2a00", b"ZV-1\x00")
    assert (v.kind, v.fields["text"], v.summary) == ("string", "ZV-1", '"ZV-1"')
    evil = decode_value("2a29", "\x1b[2Jowned\n\u202e".encode())
    assert evil.fields["text"] == "\x1b[2Jowned\n\u202e"  # kept literally
    assert "\x1b" not in evil.summary and "\\x1b" in evil.summary
    assert "\n" not in evil.summary and "\u202e" not in evil.summary  # no bidi override
    bad = decode_value("2a24", b"Model\xff")
    assert bad.error == "not valid UTF-8 at byte 5" and bad.fields["text"] == "Model\ufffd"


def test_system_id() -> None:
    v = decode_value("2a23", h("01 02 03 04 05 06 07 08"))
    assert v.fields["manufacturer_identifier"] == 0x0504030201
    assert v.fields["oui"] == "08:07:06"


def test_cccd_report_reference_hid_information_protocol_mode() -> None:
    assert decode_value("2902", h("0100")).summary == "notifications on"
    assert decode_value("2902", h("0200")).summary == "indications on"
    assert decode_value("2902", h("0000")).summary == "off"
    rr = decode_value("2908", h("02 03"))
    assert rr.fields == {"report_id": 2, "report_type": 3, "report_type_name": "feature"}
    info = decode_value("2a4a", h("11 01 00 03"))
    assert info.fields["hid_version"] == "1.11"
    assert info.fields["remote_wake"] and info.fields["normally_connectable"]
    assert decode_value("2a4e", h("00")).summary == "boot protocol"
    assert decode_value("2a4e", h("05")).error == "protocol mode 5 is reserved"


def test_report_map_summary_comes_from_the_hid_parser() -> None:
    kbd = h(
        "05 01 09 06 a1 01 05 07 19 e0 29 e7 15 00 25 01 75 01 95 08 81 02 95 01 75 08 81 01"
        " 95 06 75 08 15 00 25 65 19 00 29 65 81 00 c0"
    )
    v = decode_value("2a4b", kbd)
    assert v.summary == "Keyboard: input 64 bits"
    assert v.fields["reports"] == [{"kind": "input", "id": None, "size_bits": 64}]
    broken = decode_value("2a4b", kbd[:-3])
    assert broken.error is not None and "never closed" in broken.error


def test_temperature_and_humidity() -> None:
    assert decode_value("2a6e", h("3408")).summary == "21.00 °C"
    assert decode_value("2a6e", h("f6ff")).fields["celsius"] == -0.1
    assert decode_value("2a6e", h("0080")).summary == "value not known"
    assert decode_value("2a6f", h("a00f")).summary == "40.00 %"
    assert decode_value("2a6f", h("ffff")).fields["percent"] is None


def test_presentation_format_descriptor_and_typed_value() -> None:
    raw = h("0e fe 2f27 01 0000")  # sint16, exponent -2, degree Celsius
    desc = decode_value("2904", raw)
    assert desc.fields["format_name"] == "sint16"
    assert desc.fields["unit_name"] == "Celsius temperature (degree Celsius)"
    pf = parse_presentation_format(raw)
    assert pf is not None and pf.exponent == -2
    v = decode_value("f000aa01-0451-4000-b000-000000000000", h("6708"), pf)
    assert (v.kind, v.summary, v.fields["value"]) == ("formatted", "21.51 °C", 21.51)
    neg = decode_value("ff01", h("9cff"), pf)
    assert neg.summary == "-1.00 °C"
    assert parse_presentation_format(h("0e fe")) is None


def test_presentation_formats_of_other_families() -> None:
    def typed(fmt: int, exp: int, unit: int, data: str) -> str:
        pf = parse_presentation_format(
            bytes([fmt, exp & 0xFF]) + unit.to_bytes(2, "little") + h("01 0000")
        )
        assert pf is not None
        return decode_value("ff01", h(data), pf).summary

    assert typed(0x01, 0, 0x2700, "01") == "true"
    assert typed(0x04, 0, 0x27AD, "2a") == "42 %"
    assert typed(0x16, 0, 0x272F, "6ef1") == "36.6 °C"  # IEEE-11073 SFLOAT
    assert typed(0x16, 0, 0x272F, "ff07") == "NaN °C"
    assert typed(0x14, 0, 0x2728, "0000c03f") == "1.5 V"  # float32
    assert typed(0x19, 0, 0x2700, "686921") == '"hi!"'
    pf = parse_presentation_format(h("06 00 0027 01 0000"))
    assert pf is not None
    assert "needs 2 bytes" in (decode_value("ff01", h("01"), pf).error or "")


def test_known_decoders_win_over_presentation() -> None:
    pf = parse_presentation_format(h("0e fe 2f27 01 0000"))
    assert decode_value("2a19", h("50"), pf).kind == "battery_level"


def test_generic_view_widths_and_orders() -> None:
    g = generic_view(h("01 02 03 04"))
    assert g["hex"] == "01020304" and g["ascii"] == "...."
    ints = g["ints"]
    assert isinstance(ints, dict)
    assert ints["u8"] == 1 and ints["u16le"] == 0x0201 and ints["u16be"] == 0x0102
    assert ints["u24le"] == 0x030201 and ints["s32be"] == 0x01020304
    assert "u64le" not in ints
    floats = g["floats"]
    assert isinstance(floats, dict) and "f32le" in floats and "f64le" not in floats
    nan = generic_view(h("0000c07f"))
    assert nan["floats"]["f32le"] == "NaN"  # type: ignore[index,call-overload]
    json.dumps(nan)  # JSON-safe: no bare NaN
    assert generic_view(b"Hi\x00")["ascii"] == "Hi."


def test_generic_values_summaries() -> None:
    assert decode_value("ff01", b"Hello").summary == '"Hello" (5 bytes)'
    assert decode_value("ff01", h("2a00")).summary == "2a 00 (2 bytes) = 42"
    assert decode_value("ff01", b"").summary == "(empty)"
    assert decode_value("not a uuid", h("01")).kind == "generic"


@pytest.mark.parametrize("number", known_uuids())
def test_every_known_decoder_copes_with_empty_and_long_values(number: int) -> None:
    for data in (b"", bytes(range(40))):
        v = decode_value(f"{number:04x}", data)
        assert v.summary
        json.dumps(v.to_json())
        assert v.error is None or not v.error.startswith("internal")


def test_temperature_measurement_celsius_with_time_stamp_and_type() -> None:
    # flags 0x06: Celsius, time stamp and type present; FLOAT mantissa 3684, exponent -2;
    # 2026-01-01 08:30:05; type 6 (mouth). Layout: Health Thermometer Service 3.1.
    v = decode_value("2a1c", h("06 640e00fe ea07 01 01 08 1e 05 06"))
    assert v.kind == "temperature_measurement" and v.error is None
    assert v.fields["temperature"] == 36.84 and v.fields["celsius"] == 36.84
    assert v.fields["unit"] == "celsius"
    assert v.fields["timestamp"] == "2026-01-01T08:30:05"
    assert v.fields["temperature_type_name"] == "Mouth"
    assert v.summary == "36.84 °C, 2026-01-01 08:30:05, Mouth"


def test_temperature_measurement_fahrenheit_special_and_truncated() -> None:
    f = decode_value("2a1c", h("01 b2 03 00 ff"))  # 94.6 °F, nothing else
    assert f.summary == "94.6 °F" and f.fields["celsius"] == 34.78 and f.error is None
    nan = decode_value("2a1c", h("00 ff ff 7f 00"))
    assert nan.fields["temperature"] == "NaN" and nan.fields["celsius"] is None
    cut = decode_value("2a1c", h("02 640e00fe ea07 01"))
    assert cut.fields["temperature"] == 36.84
    assert "time stamp" in (cut.error or "")
    short = decode_value("2a1c", h("00 64 0e"))
    assert short.summary == "truncated" and "4 bytes" in (short.error or "")
    extra = decode_value("2a1c", h("00 640e00fe 99"))
    assert "1 extra bytes" in (extra.error or "")
    bad_time = decode_value("2a1c", h("02 640e00fe ea07 0d 01 08 1e 05"))
    assert "out of range" in (bad_time.error or "")


def test_temperature_type_measurement_interval_and_pressure() -> None:
    assert decode_value("2a1d", h("02")).summary == "Body (general)"
    reserved = decode_value("2a1d", h("0a"))
    assert reserved.summary == "reserved (10)" and reserved.error
    assert decode_value("2a21", h("1e00")).summary == "every 30 s"
    assert decode_value("2a21", h("0000")).summary == "no periodic measurement"
    p = decode_value("2a6d", (1_013_250).to_bytes(4, "little"))  # 101325.0 Pa
    assert p.kind == "pressure" and p.fields["pascal"] == 101325.0
    assert p.summary == "101325.0 Pa (1013.25 hPa)"
    assert decode_value("2a6d", h("0102")).error


def test_valid_range_plain_and_typed_by_the_characteristic_format() -> None:
    plain = decode_value("2906", h("0100 5802"))  # 1 to 600 (uint16 halves)
    assert (plain.summary, plain.fields["lower"], plain.fields["upper"]) == ("1 to 600", 1, 600)
    assert plain.fields["typed"] is False
    pf = parse_presentation_format(h("0e fe 2f27 01 0000"))  # sint16, -2, °C
    typed = decode_value("2906", h("18fc 1027"), pf)  # -10.00 to 100.00
    assert typed.summary == "-10.00 °C to 100.00 °C"
    assert (typed.fields["lower"], typed.fields["upper"]) == (-10.0, 100.0)
    assert decode_value("2906", h("010203")).error
    assert "above" in (decode_value("2906", h("0500 0100")).error or "")

"""The HID report descriptor parser and the input report decoder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blebench.cli import main
from blebench.decode.hid import (
    BOOT_KEYBOARD_DESCRIPTOR,
    KeyboardTextAccumulator,
    boot_keyboard_map,
    decode_input_report,
    parse_report_map,
    unit_text,
)

from .conftest import HID_DATA, load_hex


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


# -- items ------------------------------------------------------------------------------------


def test_items_have_offsets_types_names_and_depth() -> None:
    m = parse_report_map(BOOT_KEYBOARD_DESCRIPTOR)
    first, usage, coll = m.items[0], m.items[1], m.items[2]
    assert (first.offset, first.type, first.tag, first.value, first.text) == (
        0,
        "global",
        "Usage Page",
        1,
        "Generic Desktop",
    )
    assert (usage.tag, usage.text, usage.type) == ("Usage", "Keyboard", "local")
    assert (coll.tag, coll.text, coll.depth) == ("Collection", "Application (Keyboard)", 0)
    assert m.items[3].depth == 1  # inside the collection
    end = m.items[-1]
    assert (end.tag, end.depth, end.offset, end.raw) == ("End Collection", 0, 62, b"\xc0")
    modifiers = next(i for i in m.items if i.tag == "Usage Minimum")
    assert modifiers.text == "Left Control"


def test_report_fields_of_the_boot_keyboard() -> None:
    m = boot_keyboard_map()
    assert m.applications == ("Keyboard",)
    inp = m.report("input", None)
    assert inp is not None and inp.size_bits == 64
    mods, reserved, keys = inp.fields
    assert (mods.bit_offset, mods.report_size, mods.report_count, mods.variable) == (0, 1, 8, True)
    assert reserved.constant and reserved.padding
    assert (keys.bit_offset, keys.variable, keys.logical_max) == (16, False, 101)
    js = keys.to_json()
    assert js["usage_ranges"] == [
        {"page": 7, "min": 0, "max": 0x65, "min_name": "No Event", "max_name": "Application"}
    ]
    leds = m.report("output", None)
    assert leds is not None and leds.size_bits == 8
    assert leds.fields[0].to_json()["usage_ranges"][0]["max_name"] == "Kana"  # type: ignore[index]


def test_json_shape_is_the_documented_one() -> None:
    js = parse_report_map(load_hex("mi_wireless_mouse.hex")).to_json()
    assert set(js) >= {"reports", "items", "errors"}
    rep = js["reports"][0]  # type: ignore[index]
    assert set(rep) >= {"kind", "id", "size_bits", "fields"}
    assert (rep["kind"], rep["id"], rep["size_bits"]) == ("input", 1, 24)
    field = rep["fields"][0]
    for key in (
        "usage_page",
        "usages",
        "usage_ranges",
        "logical_min",
        "logical_max",
        "report_size",
        "report_count",
        "constant",
        "variable",
        "relative",
    ):
        assert key in field
    json.dumps(js)  # serialisable


def test_push_pop_restores_globals() -> None:
    desc = h(
        "05 01 09 02 a1 01 75 08 95 01 15 81 25 7f"  # size 8, count 1, -127..127
        " a4"  # Push
        " 75 10 95 02 16 00 80 26 ff 7f 09 30 09 31 81 02"  # two 16-bit fields
        " b4"  # Pop: back to 8-bit, count 1
        " 09 38 81 06 c0"
    )
    m = parse_report_map(desc)
    assert not m.errors
    x_y, wheel = m.reports[0].fields
    assert (x_y.report_size, x_y.report_count, x_y.logical_min) == (16, 2, -32768)
    assert (wheel.report_size, wheel.report_count, wheel.logical_min, wheel.relative) == (
        8,
        1,
        -127,
        True,
    )
    assert m.reports[0].size_bits == 40


def test_pop_without_push_and_unbalanced_collections_are_errors() -> None:
    m = parse_report_map(h("b4 c0 05 01 a1 01"))
    messages = [(e.offset, e.message) for e in m.errors]
    assert (0, "Pop without a matching Push") in messages
    assert (1, "End Collection without a matching Collection") in messages
    assert any(off == 4 and "never closed" in msg for off, msg in messages)


def test_truncated_item_keeps_what_parsed_before() -> None:
    desc = BOOT_KEYBOARD_DESCRIPTOR[:-1] + h("26 ff")  # Logical Maximum needs 2 bytes
    m = parse_report_map(desc)
    assert m.report("input", None) is not None and m.report("input", None).size_bits == 64  # type: ignore[union-attr]
    err = m.errors[0]
    assert err.offset == len(BOOT_KEYBOARD_DESCRIPTOR) - 1
    assert "needs 2 data bytes, only 1 left" in err.message


def test_long_items_are_listed_and_skipped() -> None:
    desc = h("fe 02 10 aa bb 05 01 09 06 a1 01 c0")
    m = parse_report_map(desc)
    assert m.items[0].tag == "Long Item" and m.items[0].raw == h("fe 02 10 aa bb")
    assert m.items[1].offset == 5 and m.items[1].text == "Generic Desktop"
    assert m.applications == ("Keyboard",)
    assert m.errors and m.errors[0].offset == 0


def test_report_id_switching_and_reserved_id_zero() -> None:
    desc = h(
        "05 0c 09 01 a1 01 85 01 75 10 95 01 15 00 26 ff 03 19 00 2a ff 03 81 00"
        " 85 02 75 08 95 01 81 03 85 00 09 e2 81 02 c0"
    )
    m = parse_report_map(desc)
    assert [(r.kind, r.report_id, r.size_bits) for r in m.reports] == [
        ("input", 1, 16),
        ("input", 2, 8),
        ("input", 0, 8),
    ]
    assert any("Report ID 0 is reserved" in e.message for e in m.errors)


def test_extended_usage_carries_its_own_page() -> None:
    # Usage (0x000C00E9) = Consumer Volume Increment while the Usage Page is Generic Desktop.
    m = parse_report_map(h("05 01 0b e9 00 0c 00 75 01 95 01 81 02"))
    assert m.items[1].text == "Volume Increment"
    assert m.reports[0].fields[0].usage_spans == ((0x0C, 0xE9, 0xE9),)


def test_logical_maximum_is_unsigned_for_a_non_negative_range() -> None:
    m = parse_report_map(h("15 00 25 ff 75 08 95 01 09 01 81 02"))
    assert m.reports[0].fields[0].logical_max == 255
    m = parse_report_map(h("15 80 25 7f 75 08 95 01 09 01 81 02"))
    assert (m.reports[0].fields[0].logical_min, m.reports[0].fields[0].logical_max) == (-128, 127)


def test_unit_and_nibble_unit_exponent() -> None:
    m = parse_report_map(h("55 0e 65 11 75 10 95 01 09 30 81 02"))
    f = m.reports[0].fields[0]
    assert (f.unit_exponent, unit_text(f.unit)) == (-2, "SI Linear: cm")
    assert unit_text(0x14) == "English Rotation: deg"
    assert unit_text(0x1001) == "SI Linear: s"


def test_main_item_before_report_size_is_an_error_not_a_crash() -> None:
    m = parse_report_map(h("09 01 81 02"))
    assert m.reports[0].size_bits == 0
    assert "before any Report Size" in m.errors[0].message


# -- input reports ----------------------------------------------------------------------------


def test_boot_keyboard_report_gives_keys_and_text() -> None:
    v = decode_input_report(boot_keyboard_map(), None, h("02 00 0b 08 0f 0f 12 00"))
    assert v.keys == ("Left Shift", "H", "E", "L", "O")
    assert v.modifiers == ("Left Shift",)
    assert v.text == "HELLO"
    assert v.error is None


def test_shortcuts_type_nothing_and_rollover_is_not_text() -> None:
    ctrl_c = decode_input_report(boot_keyboard_map(), None, h("01 00 06 00 00 00 00 00"))
    assert ctrl_c.keys == ("Left Control", "C") and ctrl_c.text == ""
    rollover = decode_input_report(boot_keyboard_map(), None, h("00 00 01 01 01 01 01 01"))
    assert rollover.text == "" and rollover.keys == ()


def test_report_id_taken_from_the_first_byte_when_the_map_numbers_reports() -> None:
    m = parse_report_map(load_hex("mi_wireless_mouse.hex"))
    v = decode_input_report(m, None, h("03 11"))
    assert v.report_id == 3
    pressed = [x.name for x in v.values if x.value]
    assert pressed == ["Play/Pause", "Volume Decrement"]
    same = decode_input_report(m, 3, h("11"))
    assert same.values == v.values


def test_relative_12_bit_axes_are_signed() -> None:
    m = parse_report_map(load_hex("mi_wireless_mouse.hex"))
    v = decode_input_report(m, 2, h("ff 0f 80"))  # X = 0xFFF -> -1, Y = 0x800 -> -2048
    assert [(x.name, x.value) for x in v.values] == [("X", -1), ("Y", -2048)]


def test_unknown_id_and_short_reports_are_reported() -> None:
    m = parse_report_map(load_hex("mi_wireless_mouse.hex"))
    bad = decode_input_report(m, 9, h("00"))
    assert bad.error is not None and "no input report with id 9" in bad.error
    short = decode_input_report(m, 1, h("01"))
    assert short.error == "report is 1 bytes, the map defines 3"
    assert short.values[0].name == "Button 1" and short.values[0].value == 1


def test_gamepad_buttons_and_axes() -> None:
    m = parse_report_map(load_hex("ps3_controller.hex"))
    report = bytearray(48)
    report[1] = 0x01 | 0x08  # buttons 1 and 4 (bits 8.. after the constant byte)
    report[5:9] = bytes([0x00, 0xFF, 0x80, 0x7F])  # X, Y, Z, Rz after 40 bits of buttons
    v = decode_input_report(m, 1, bytes(report))
    values = {x.name: x.value for x in v.values}
    assert values["Button 1"] == 1 and values["Button 4"] == 1 and values["Button 2"] == 0
    assert (values["X"], values["Y"], values["Z"], values["Rz"]) == (0, 255, 128, 127)
    assert v.error is None


# -- typed text -----------------------------------------------------------------------------


def test_accumulator_counts_key_down_edges_only() -> None:
    acc = KeyboardTextAccumulator()
    reports = [
        "00 00 0b 00 00 00 00 00",  # h
        "00 00 0b 00 00 00 00 00",  # h held: nothing new
        "00 00 0b 08 00 00 00 00",  # e
        "00 00 00 00 00 00 00 00",
        "02 00 0f 00 00 00 00 00",  # L
        "00 00 00 00 00 00 00 00",
        "00 00 0f 00 00 00 00 00",  # l
        "00 00 00 00 00 00 00 00",
        "00 00 12 00 00 00 00 00",  # o
    ]
    typed = [acc.feed(h(r)) for r in reports]
    assert typed == ["h", "", "e", "", "L", "", "l", "", "o"]
    assert acc.text == "heLlo"


def test_accumulator_backspace_caps_lock_and_rollover() -> None:
    acc = KeyboardTextAccumulator()
    for r in (
        "00 00 04 00 00 00 00 00",  # a
        "00 00 2a 00 00 00 00 00",  # Backspace
        "00 00 39 00 00 00 00 00",  # Caps Lock on
        "00 00 05 00 00 00 00 00",  # B
        "02 00 05 00 00 00 00 00",  # shift + held b: no new edge
        "02 00 06 00 00 00 00 00",  # shift + c with caps: c
        "00 00 01 01 01 01 01 01",  # rollover: ignored
        "00 00 28 00 00 00 00 00",  # Enter
    ):
        acc.feed(h(r))
    assert acc.text == "Bc\n"
    acc.reset()
    assert acc.text == "" and not acc.caps_lock


def test_accumulator_with_a_report_protocol_map() -> None:
    # A composite map: keyboard on report id 1, consumer control on report id 2.
    desc = h("85 01") + BOOT_KEYBOARD_DESCRIPTOR
    m = parse_report_map(desc)
    acc = KeyboardTextAccumulator(m, report_id=1)
    acc.feed(h("00 00 1c 00 00 00 00 00"))
    acc.feed(h("00 00 00 00 00 00 00 00"))
    acc.feed(h("00 00 1e 00 00 00 00 00"))
    assert acc.text == "y1"


# -- CLI -----------------------------------------------------------------------------------


def test_cli_hid_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hid", "--json", BOOT_KEYBOARD_DESCRIPTOR.hex()]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(r["kind"], r["id"], r["size_bits"]) for r in out["reports"]] == [
        ("input", None, 64),
        ("output", None, 8),
    ]
    assert out["items"][0]["tag"] == "Usage Page"


def test_cli_hid_text_file_and_report(capsys: pytest.CaptureFixture[str]) -> None:
    path = HID_DATA / "boot_keyboard.hex"
    assert main(["hid", "--file", str(path), "--items", "--report", "02 00 0b 0c 00 00 00 00"]) == 0
    out = capsys.readouterr().out
    assert "Usage Page (Generic Desktop)" in out
    assert "input" in out and "64" in out
    assert "text: 'HI'" in out


def test_cli_hid_binary_file_and_decoded_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "map.bin"
    path.write_bytes(load_hex("mi_wireless_mouse.hex"))
    assert main(["hid", "--file", str(path), "--json", "--report", "3:01"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["decoded"][0]["values"][0] == {
        "page": 12,
        "usage": 0xCD,
        "name": "Play/Pause",
        "value": 1,
    }


def test_cli_hid_bad_input_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hid", "05 01 zz"]) == 2
    assert "not hex: 'zz'" in capsys.readouterr().err
    assert main(["hid", "--file", "/nonexistent/map.bin"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_cli_hid_refuses_bytes_that_are_not_a_report_map(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A file given by mistake (an ELF header and a page of code-like bytes): mostly
    # invalid items. It is still listed, but said plainly and with a failing exit.
    path = tmp_path / "program"
    path.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 8)
    assert main(["hid", "--file", str(path)]) == 1
    captured = capsys.readouterr()
    assert "does not look like a HID report descriptor" in captured.err
    assert "offset 0" in captured.err
    assert len(captured.out.splitlines()[0]) < 300  # the summary stays one readable line


def test_cli_hid_keeps_a_real_map_with_one_bad_item_quiet(
    capsys: pytest.CaptureFixture[str]
) -> None:
    data = BOOT_KEYBOARD_DESCRIPTOR + b"\x7f\x00\x00\x00\x00"  # one reserved item at the end
    main(["hid", data.hex()])
    assert "does not look like" not in capsys.readouterr().err


def test_summary_names_eight_reports_then_counts_the_rest() -> None:
    items = b"".join(bytes([0x85, rid, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02]) for rid in range(1, 21))
    summary = parse_report_map(items).summary()
    assert "input #8 8 bits" in summary and "input #9 " not in summary
    assert "+12 more" in summary

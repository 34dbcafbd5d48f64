"""Values typed for a write, and characteristic references: clear errors for typos."""

from __future__ import annotations

import math
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from blebench.session.errors import TargetError
from blebench.session.models import GattNode, GattTree
from blebench.userinput import ValueParseError, parse_value

HR = "00002a37-0000-1000-8000-00805f9b34fb"
REPORT = "00002a4d-0000-1000-8000-00805f9b34fb"


def test_hex_forms() -> None:
    assert parse_value("0a1B") == b"\x0a\x1b"
    assert parse_value("0a 1b:2c-3d") == bytes.fromhex("0a1b2c3d")
    assert parse_value("0x0a1b") == b"\x0a\x1b"
    assert parse_value("") == b""


@pytest.mark.parametrize(
    ("text", "words"),
    [("0a1", "3 hex digits"), ("0g", "'g' at position 2"), ("hello", "use --text")],
)
def test_hex_typos(text: str, words: str) -> None:
    with pytest.raises(ValueParseError, match=words):
        parse_value(text)


def test_text_with_escapes() -> None:
    assert parse_value("AT\\r\\n", "text") == b"AT\r\n"
    assert parse_value("\\x00\\xff", "text") == b"\x00\xff"
    assert parse_value("é", "text") == "é".encode()
    with pytest.raises(ValueParseError, match="unknown escape"):
        parse_value("\\q", "text")
    with pytest.raises(ValueParseError, match="lone backslash"):
        parse_value("a\\", "text")


def test_integers_of_a_width_and_endianness() -> None:
    assert parse_value("258", "int", width=2) == b"\x02\x01"
    assert parse_value("258", "int", width=2, endian="big") == b"\x01\x02"
    assert parse_value("-1", "int", width=2) == b"\xff\xff"
    assert parse_value("0x10", "int", width=1) == b"\x10"
    assert parse_value("100", "int", width=3) == b"\x64\x00\x00"
    with pytest.raises(ValueParseError, match="does not fit in 1 byte"):
        parse_value("256", "int", width=1)
    with pytest.raises(ValueParseError, match="-128..127 signed"):
        parse_value("-129", "int", width=1)
    with pytest.raises(ValueParseError, match="not an integer"):
        parse_value("12a", "int", width=1)
    with pytest.raises(ValueParseError, match="width 5"):
        parse_value("1", "int", width=5)


def test_floats() -> None:
    assert parse_value("21.5", "float", width=4) == struct.pack("<f", 21.5)
    assert parse_value("1.5", "float", width=2, endian="big") == struct.pack(">e", 1.5)
    assert parse_value("nan", "float", width=8) == struct.pack("<d", math.nan)
    with pytest.raises(ValueParseError, match="too large"):
        parse_value("1e6", "float", width=2)
    with pytest.raises(ValueParseError, match="not a number"):
        parse_value("2,5", "float")


@given(st.integers(min_value=-(2**31), max_value=2**32 - 1))
def test_int_round_trip(value: int) -> None:
    data = parse_value(str(value), "int", width=4)
    assert int.from_bytes(data, "little", signed=value < 0) == value


def _tree() -> GattTree:
    hr = GattNode("characteristic", 0x10, HR, "Heart Rate Measurement", ["notify"])
    hr.children.append(GattNode("descriptor", 0x11, "00002902-0000-1000-8000-00805f9b34fb", "CCCD"))
    r1 = GattNode("characteristic", 0x20, REPORT, "Report", ["read"])
    r2 = GattNode("characteristic", 0x24, REPORT, "Report", ["read"])
    svc = GattNode("service", 0x0E, "0000180d-0000-1000-8000-00805f9b34fb", "Heart Rate")
    svc.children += [hr, r1, r2]
    return GattTree("AA:BB:CC:DD:EE:FF", [svc])


def test_find_by_short_uuid_full_uuid_and_handle() -> None:
    tree = _tree()
    assert tree.find("2a37").handle == 0x10
    assert tree.find("0x2A37").handle == 0x10  # no handle 0x2A37: the UUID was meant
    assert tree.find(HR).handle == 0x10
    assert tree.find("0x0020").handle == 0x20
    assert tree.find(0x24).handle == 0x24
    assert tree.find("0x0011", ("characteristic", "descriptor")).kind == "descriptor"


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("2a4d", "handles 0x0020, 0x0024"),
        ("2a19", "no characteristic 2a19 \\(Battery Level\\)"),
        ("0x0099", "no characteristic at handle 0x0099"),
        ("heart", "neither a UUID"),
    ],
)
def test_find_errors_say_what_to_do(spec: str, words: str) -> None:
    with pytest.raises(TargetError, match=words):
        _tree().find(spec)

"""Property-based fuzzing: any bytes give a result, never an exception.

The seed (tests/fuzzing.py) is in the header and in a failure report; FUZZ_SEED=N replays a run.
"""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from blebench.decode.codes import DOMAINS, explain, explain_all, explain_guess
from blebench.decode.gatt_values import (
    PresentationFormat,
    decode_value,
    generic_view,
    known_uuids,
    parse_presentation_format,
)
from blebench.decode.hid import (
    BOOT_KEYBOARD_DESCRIPTOR,
    KeyboardTextAccumulator,
    _parse_report_map_uncached,
    decode_input_report,
)
from blebench.decode.units import FORMATS
from tests.fuzzing import FUZZ_SEED

from .conftest import HID_DATA, load_hex

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)

# Descriptor-shaped bytes: real item prefixes with random data, so the parser goes deep.
_PREFIXES = [
    0x05,
    0x06,
    0x09,
    0x0A,
    0x0B,
    0x15,
    0x16,
    0x25,
    0x26,
    0x27,
    0x35,
    0x45,
    0x55,
    0x65,
    0x75,
    0x85,
    0x95,
    0xA4,
    0xB4,
    0x19,
    0x29,
    0x1A,
    0x2A,
    0x81,
    0x91,
    0xB1,
    0xA1,
    0xC0,
    0xFE,
    0x79,
    0x7F,
]


@st.composite
def descriptor_like(draw: st.DrawFn) -> bytes:
    out = bytearray()
    for _ in range(draw(st.integers(0, 60))):
        prefix = draw(st.sampled_from(_PREFIXES))
        size = (0, 1, 2, 4)[prefix & 3] if prefix != 0xFE else draw(st.integers(0, 4)) + 2
        out.append(prefix)
        out += draw(st.binary(min_size=0, max_size=size + 1))  # sometimes short or long
    return bytes(out)


def _json_ok(obj: object) -> None:
    json.dumps(obj, allow_nan=False)


@seed(FUZZ_SEED)
@FUZZ
@given(
    uuid=st.sampled_from([f"{n:04x}" for n in known_uuids()] + ["ff01", "not-a-uuid", ""]),
    data=st.binary(max_size=64),
)
def test_decode_value_is_total(uuid: str, data: bytes) -> None:
    v = decode_value(uuid, data)
    assert v.summary and "\n" not in v.summary and "\x1b" not in v.summary
    assert v.error is None or not v.error.startswith("internal")
    _json_ok(v.to_json())


@seed(FUZZ_SEED)
@FUZZ
@given(
    fmt=st.one_of(st.sampled_from(sorted(FORMATS)), st.integers(0, 255)),
    exponent=st.integers(-128, 127),
    unit=st.integers(0x2700, 0x27FF),
    data=st.binary(max_size=20),
)
def test_presentation_typed_values_are_total(
    fmt: int, exponent: int, unit: int, data: bytes
) -> None:
    pf = PresentationFormat(fmt, exponent, unit, 1, 0)
    v = decode_value("12345678-0000-1000-8000-001122334455", data, pf)
    assert v.error is None or not v.error.startswith("internal")
    _json_ok(v.to_json())


@seed(FUZZ_SEED)
@FUZZ
@given(data=st.binary(max_size=40))
def test_generic_view_and_presentation_parse_are_total(data: bytes) -> None:
    _json_ok(generic_view(data))
    pf = parse_presentation_format(data)
    assert (pf is None) == (len(data) < 7)


@seed(FUZZ_SEED)
@FUZZ
@given(data=st.one_of(st.binary(max_size=200), descriptor_like()))
def test_report_map_parser_is_total(data: bytes) -> None:
    m = _parse_report_map_uncached(data)
    js = m.to_json()
    _json_ok(js)
    assert all(0 <= e.offset < max(len(data), 1) for e in m.errors)
    if m.items:  # items tile the descriptor from the start, in order
        assert m.items[0].offset == 0
        for a, b in zip(m.items, m.items[1:], strict=False):
            assert b.offset == a.offset + len(a.raw)


@seed(FUZZ_SEED)
@FUZZ
@given(
    descriptor=descriptor_like(), report=st.binary(max_size=64), rid=st.none() | st.integers(0, 255)
)
def test_input_report_decoder_is_total(descriptor: bytes, report: bytes, rid: int | None) -> None:
    m = _parse_report_map_uncached(descriptor)
    v = decode_input_report(m, rid, report)
    _json_ok(v.to_json())


_REAL_MAPS = [load_hex(p.name) for p in sorted(HID_DATA.glob("*.hex"))] + [BOOT_KEYBOARD_DESCRIPTOR]


@seed(FUZZ_SEED)
@FUZZ
@given(
    index=st.integers(0, len(_REAL_MAPS) - 1), reports=st.lists(st.binary(max_size=64), max_size=8)
)
def test_real_maps_decode_any_report_and_typed_text_never_fails(
    index: int, reports: list[bytes]
) -> None:
    m = _parse_report_map_uncached(_REAL_MAPS[index])
    acc = KeyboardTextAccumulator(m)
    for r in reports:
        _json_ok(decode_input_report(m, None, r).to_json())
        acc.feed(r)
    assert isinstance(acc.text, str)


@seed(FUZZ_SEED)
@FUZZ
@given(code=st.integers(-(2**40), 2**40))
def test_explain_is_total(code: int) -> None:
    for domain in DOMAINS:
        e = explain(domain, code)
        assert e.name and e.meaning and e.next_step
        assert explain_all(domain, code)
    for e in explain_guess(code):
        assert e.known
        _json_ok(e.to_json())

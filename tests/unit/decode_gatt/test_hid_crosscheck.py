"""Our HID parser against two independent ones on real descriptors (tests/data/hid):
report ids, kinds and sizes must agree."""

from __future__ import annotations

import warnings

import hid_parser
import pytest
from hidtools.hid import ReportDescriptor as HidToolsDescriptor

from blebench.decode.hid import ReportMap, parse_report_map

from .conftest import HID_DATA, load_hex

DESCRIPTORS = sorted(p.name for p in HID_DATA.glob("*.hex"))


def _ours(report_map: ReportMap) -> dict[tuple[str, int | None], int]:
    return {(r.kind, r.report_id): r.size_bits for r in report_map.reports}


def test_every_kind_of_device_is_covered() -> None:
    apps = set()
    for name in DESCRIPTORS:
        apps.update(parse_report_map(load_hex(name)).applications)
    assert {"Keyboard", "Mouse", "Joystick", "Touch Screen", "Consumer Control"} <= apps


@pytest.mark.parametrize("name", DESCRIPTORS)
def test_same_reports_and_sizes_as_hid_tools(name: str) -> None:
    data = load_hex(name)
    ours = parse_report_map(data)
    assert not ours.errors
    theirs = HidToolsDescriptor.from_bytes(list(data))
    expected: dict[tuple[str, int | None], int] = {}
    for kind, reports in (
        ("input", theirs.input_reports),
        ("output", theirs.output_reports),
        ("feature", theirs.feature_reports),
    ):
        for rid, report in reports.items():
            expected[(kind, None if rid == -1 else rid)] = report.size  # bytes, id included
    assert {(r.kind, r.report_id): r.size_bytes for r in ours.reports} == expected


@pytest.mark.parametrize("name", DESCRIPTORS)
def test_same_report_ids_and_kinds_as_hid_parser(name: str) -> None:
    data = load_hex(name)
    ours = parse_report_map(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = hid_parser.ReportDescriptor(list(data))
    expected = {
        ("input", rid): int(theirs.get_input_report_size(rid)) for rid in theirs.input_report_ids
    }
    expected |= {
        ("output", rid): int(theirs.get_output_report_size(rid)) for rid in theirs.output_report_ids
    }
    expected |= {
        ("feature", rid): int(theirs.get_feature_report_size(rid))
        for rid in theirs.feature_report_ids
    }
    got = _ours(ours)
    assert set(got) == set(expected)
    # hid-parser makes one field per usage and does not apply HID 1.11 6.2.2.8 (the last
    # usage repeats when Report Count exceeds the usages), so sizes are compared where
    # that rule is not needed.
    for report in ours.reports:
        needs_rule = any(
            f.variable and not f.padding and f.usage_count < f.report_count for f in report.fields
        )
        if not needs_rule:
            assert got[(report.kind, report.report_id)] == expected[(report.kind, report.report_id)]


def test_known_sizes_of_real_devices() -> None:
    # Facts independent of any parser: the boot protocol report sizes (HID 1.11 B.1/B.2)
    # and the PS3 controller's 49-byte input report that the Linux hid-sony driver reads.
    kbd = parse_report_map(load_hex("boot_keyboard.hex"))
    assert (kbd.report("input", None).size_bytes, kbd.report("output", None).size_bytes) == (8, 1)  # type: ignore[union-attr]
    mouse = parse_report_map(load_hex("boot_mouse.hex"))
    assert mouse.report("input", None).size_bytes == 3  # type: ignore[union-attr]
    ps3 = parse_report_map(load_hex("ps3_controller.hex"))
    assert ps3.report("input", 1).size_bytes == 49  # type: ignore[union-attr]
    assert sorted(r.report_id or 0 for r in ps3.reports if r.kind == "feature") == [
        1,
        2,
        0xEE,
        0xEF,
    ]


def test_multitouch_fields_are_named() -> None:
    m = parse_report_map(load_hex("3m_0596_0500.hex"))
    touch = m.report("input", 0x10)
    assert touch is not None
    names = [
        f.to_json()["usages"][0]["name"]  # type: ignore[index]
        for f in touch.fields
        if not f.padding and f.to_json()["usages"]
    ]
    assert names.count("Contact Identifier") == 10  # ten fingers
    assert "Tip Switch" in names and "X" in names and "Contact Count" in names
    x = next(f for f in touch.fields if f.usage_spans and f.usage_spans[0][1:] == (0x30, 0x30))
    assert (x.unit, x.unit_exponent, x.logical_max) == (0x33, -2, 0x7FFF)

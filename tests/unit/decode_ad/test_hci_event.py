"""HCI LE (Extended) Advertising Report events: the data and the report's parameters."""

from __future__ import annotations

import pytest

from blebench.decode.hci_event import (
    NotAnAdvertisingReport,
    looks_like_event,
    parse_advertising_event,
)

DATA = bytes.fromhex("0201060303aafe")


def _legacy(event_type: int, address_type: int, address: str, data: bytes, rssi: int) -> bytes:
    report = (
        bytes([event_type, address_type])
        + bytes.fromhex(address.replace(":", ""))[::-1]
        + bytes([len(data)])
        + data
        + bytes([rssi & 0xFF])
    )
    params = bytes([0x02, 1]) + report
    return bytes([0x04, 0x3E, len(params)]) + params


def test_legacy_report() -> None:
    raw = _legacy(0x04, 0x01, "C0:11:22:33:44:55", DATA, -60)
    (report,) = parse_advertising_event(raw)
    assert report.data == DATA
    assert report.event["event_type_name"] == "SCAN_RSP"
    assert report.event["address"] == "C0:11:22:33:44:55"
    assert report.event["address_type"] == "random"
    assert report.event["address_kind"] == "random-static"
    assert report.event["rssi"] == -60
    assert report.address == bytes.fromhex("C01122334455")
    # Without the H4 indicator too.
    assert parse_advertising_event(raw[1:])[0].data == DATA


def test_extended_report() -> None:
    report = (
        (0x0013).to_bytes(2, "little")  # connectable, scannable, legacy
        + bytes([0x00])
        + bytes.fromhex("665544332211")
        + bytes([0x01, 0x00, 0xFF, 0x7F, 0xC4])  # 1M, none, SID ff, tx n/a, rssi -60
        + (0).to_bytes(2, "little")
        + bytes([0x00])
        + bytes(6)
        + bytes([len(DATA)])
        + DATA
    )
    params = bytes([0x0D, 1]) + report
    (parsed,) = parse_advertising_event(bytes([0x04, 0x3E, len(params)]) + params)
    assert parsed.data == DATA
    assert parsed.event["event_properties"] == ["connectable", "scannable", "legacy"]
    assert parsed.event["address"] == "11:22:33:44:55:66"
    assert parsed.event["primary_phy"] == "LE 1M"
    assert parsed.event["tx_power"] is None and parsed.event["rssi"] == -60


def test_truncated_or_foreign_events_are_refused_with_a_reason() -> None:
    raw = _legacy(0, 0, "00:11:22:33:44:55", DATA, -60)
    assert not looks_like_event(raw[:-1])
    cut = bytes([0x04, 0x3E, len(raw) - 4]) + raw[3:-1]
    with pytest.raises(NotAnAdvertisingReport):
        parse_advertising_event(cut)
    with pytest.raises(NotAnAdvertisingReport, match="subevent 0x01"):
        parse_advertising_event(bytes([0x04, 0x3E, 2, 0x01, 0x00]))

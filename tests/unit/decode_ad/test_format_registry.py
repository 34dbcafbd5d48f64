"""The vendor formats are declared once (decode/formats): every id has one label, the Scan
pane's labels are those, and the dispatch built from the list finds each format."""

from __future__ import annotations

from blebench.decode.formats import FORMAT_IDS, FORMATS, LABELS, decode_structure
from blebench.decode.payload import decode_payload
from blebench.ui.scan.model import VENDOR_LABELS, kind_of


def test_each_format_id_is_declared_once_with_a_label() -> None:
    assert len(FORMAT_IDS) == len(FORMATS) == len(LABELS)
    assert all(LABELS[f.id] == f.label and f.label for f in FORMATS)
    assert VENDOR_LABELS is LABELS


def test_the_scan_pane_names_a_beacon_by_its_declared_label() -> None:
    ibeacon = bytes.fromhex("1aff4c000215" + "e2c56db5dffb48d2b060d0f5a71096e0" + "0001000ac5")
    assert kind_of(decode_payload(ibeacon), None) == "iBeacon"
    eddystone_url = bytes.fromhex("0d16aafe10eb03676f6f676c6500")
    assert kind_of(decode_payload(eddystone_url), None) == "Eddystone URL"


def test_altbeacon_is_tried_under_any_company_before_the_company_formats() -> None:
    body = bytes.fromhex("beac" + "11" * 20 + "c5" + "00")
    apple = decode_structure(0xFF, 0x004C, body)
    other = decode_structure(0xFF, 0x1234, body)
    assert apple is not None and other is not None
    assert (apple.format, other.format) == ("altbeacon", "altbeacon")
    assert other.fields["company_id"] == 0x1234
    # Not an AltBeacon after all (too short): Apple's own formats are tried next.
    short = decode_structure(0xFF, 0x004C, bytes.fromhex("beac0102"))
    assert short is not None and short.format == "apple-continuity"
    assert decode_structure(0xFF, 0x1234, bytes.fromhex("beac0102")) is None


def test_a_structure_type_no_format_rides_in_decodes_to_nothing() -> None:
    assert decode_structure(0x20, 0xFEAA, b"\x10\x00\x00") is None

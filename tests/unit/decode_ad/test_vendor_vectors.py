"""Vendor formats against payloads from other projects' test suites and documentation.

Each expected value is the one the cited source asserts (or, where marked, the value the
cited specification section defines), never one read back from our decoder.
"""

from __future__ import annotations

from blebench.decode.formats import decode_bthome
from blebench.decode.formats.base import VendorDecoding
from blebench.decode.payload import decode_payload, decode_payload_uncached


def _only(payload_hex: str, fmt: str) -> VendorDecoding:
    found = [v for v in decode_payload(bytes.fromhex(payload_hex)).vendors if v.format == fmt]
    assert len(found) == 1, [v.format for v in decode_payload(bytes.fromhex(payload_hex)).vendors]
    return found[0]


# -- iBeacon ---------------------------------------------------------------------------
# Bluetooth-Devices/ibeacon-ble tests/test_init.py (test_parse): the Blue Charm beacon's
# manufacturer data {76: b"\x02\x15BlueCharmBeacons\x0e\xfe\x13U\xc5"}; the same frame is
# AOSP's RECORD_IBEACON "captured from a Blue Charm BC011" (ScanRecordTest.java).
BLUECHARM_IBEACON = "0201061aff4c000215426c7565436861726d426561636f6e730efe1355c5"


def test_ibeacon_ibeacon_ble_vector() -> None:
    v = _only(BLUECHARM_IBEACON, "ibeacon")
    assert v.fields["uuid"] == "426c7565-4368-6172-6d42-6561636f6e73"
    assert v.fields["major"] == 3838
    assert v.fields["minor"] == 4949
    assert v.fields["measured_power"] == -59


def test_same_bytes_under_another_company_are_not_an_ibeacon() -> None:
    # ibeacon-ble test_not_parse: the identical body under company 21 is not an iBeacon.
    other = BLUECHARM_IBEACON.replace("ff4c00", "ff1500")
    assert not any(v.format == "ibeacon" for v in decode_payload(bytes.fromhex(other)).vendors)


def test_ibeacon_prefix_with_wrong_length_is_not_an_ibeacon() -> None:
    # One byte short of the 0x1A structure an iBeacon is: the prefix alone proves nothing.
    short = "0201061aff4c000215426c7565436861726d426561636f6e730efe1355"
    short = "020106" + "19" + short[8:]
    formats = [v.format for v in decode_payload(bytes.fromhex(short)).vendors]
    assert "ibeacon" not in formats
    assert formats == ["apple-continuity"]


# -- AltBeacon -------------------------------------------------------------------------
# AltBeacon/android-beacon-library lib/src/test/java/org/altbeacon/beacon/
# BeaconParserTest.java (testRecognizeBeacon...): id1 2f234454-cf6d-4a0f-adf2-f4911ba9ffa6,
# id2 1, id3 2, txPower -59, manufacturer 0x118; AltBeaconParserTest: mfg reserved 9.
ALTBEACON = "02011a1bff1801beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c509"


def test_altbeacon_android_beacon_library_vector() -> None:
    v = _only(ALTBEACON, "altbeacon")
    assert v.fields["id1"] == "2f234454-cf6d-4a0f-adf2-f4911ba9ffa6"
    assert v.fields["id2"] == 1
    assert v.fields["id3"] == 2
    assert v.fields["reference_rssi"] == -59
    assert v.fields["company_id"] == 0x0118
    assert v.fields["manufacturer_reserved"] == 9
    assert v.note is None


def test_altbeacon_without_reserved_byte_decodes_with_a_note() -> None:
    # The AltBeacon spec's frame minus its last byte (AD length 0x1A instead of 0x1B).
    short = "02011a1aff1801beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c5"
    v = _only(short, "altbeacon")
    assert v.fields["id1"] == "2f234454-cf6d-4a0f-adf2-f4911ba9ffa6"
    assert v.fields["reference_rssi"] == -59
    assert v.fields["manufacturer_reserved"] is None
    assert v.note is not None and "reserved" in v.note


def test_altbeacon_that_stops_before_its_identifiers_is_not_decoded() -> None:
    # android-beacon-library testParseManufacturerIdentifierThatRunsOverPduLength: AD
    # length 0x16 ends the frame before id2: "beacon should not be parsed".
    bad = "02011a16ff1801beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c509000000"
    assert not any(v.format == "altbeacon" for v in decode_payload(bytes.fromhex(bad)).vendors)


# -- Eddystone -------------------------------------------------------------------------
# MikroTik RouterOS manual, IoT > Bluetooth, "Decode-ad" and the peripheral-devices list:
# payloads from real tags with the values RouterOS prints.


def test_eddystone_tlm_mikrotik_decode_ad() -> None:
    v = _only("0201060303AAFE1116AAFE20000B6E158402353AF20238576B", "eddystone-tlm")
    assert v.fields["version"] == 0
    assert v.fields["battery_mv"] == 2926  # battery-voltage: 2.926V
    assert int(v.fields["temperature_c"] * 1000) == 21515  # temperature: 21.515C
    assert v.fields["advertising_count"] == 37042930  # packet-count
    assert v.fields["uptime_s"] == 3724682.7  # uptime: 3724682.7s


def test_eddystone_tlm_mikrotik_peripheral_list() -> None:
    v = _only("0201060303AAFE1116AAFE20000B701549023532D802384F46", "eddystone-tlm")
    assert v.fields["battery_mv"] == 2928
    assert int(v.fields["temperature_c"] * 1000) == 21285
    assert v.fields["advertising_count"] == 37040856
    assert v.fields["uptime_s"] == 3724474.2


def test_eddystone_uid_mikrotik_peripheral_list() -> None:
    v = _only("0303AAFE1716AAFE00E5B2B98DE4C81C47C2B14E7500000000000000", "eddystone-uid")
    assert v.fields["namespace"] == "b2b98de4c81c47c2b14e"
    assert v.fields["instance"] == "750000000000"
    assert v.fields["tx_power_0m"] == -27  # eddy-rssi-at-1m=-27dBm (the byte as sent)
    assert v.note is None


def test_eddystone_uid_without_rfu_decodes_with_a_note() -> None:
    # The same frame without its two RFU bytes (service data length 0x15, not 0x17).
    v = _only("0303AAFE1516AAFE00E5B2B98DE4C81C47C2B14E750000000000", "eddystone-uid")
    assert v.fields["namespace"] == "b2b98de4c81c47c2b14e"
    assert v.fields["instance"] == "750000000000"
    assert v.note is not None and "RFU" in v.note


def test_eddystone_url_blue_charm_capture() -> None:
    # AOSP ScanRecordTest.java RECORD_URL, "captured from a Blue Charm BC011"; expected
    # text per the Eddystone-URL spec: scheme 0x01 "https://www.", code 0x00 ".com/".
    record = (
        "0201060303AAFE1716AAFE10EE01626C7565636861726D626561636F6E7300"
        "09168020691E0EFE13551109426C7565436861726D5F313639363835000000"
    )
    v = _only(record, "eddystone-url")
    assert v.fields["url"] == "https://www.bluecharmbeacons.com/"
    assert v.fields["tx_power_0m"] == -18
    payload = decode_payload(bytes.fromhex(record))
    assert payload.local_name == "BlueCharm_169685"


def test_eddystone_eid_and_encrypted_tlm() -> None:
    # Eddystone EID spec: frame 0x30, TX power, 8-byte EID. eTLM: version 0x01.
    eid = _only("0201060303AAFE0D16AAFE30EB0102030405060708", "eddystone-eid")
    assert eid.fields == {"tx_power_0m": -21, "eid": "0102030405060708"}
    etlm = _only("0201060303aafe1516aafe2001" + "00" * 12 + "1234abcd", "eddystone-tlm")
    assert etlm.fields["version"] == 1
    assert etlm.fields["salt"] == "1234" and etlm.fields["mic"] == "abcd"
    assert etlm.note is not None and "encrypted" in etlm.note


# -- BTHome ----------------------------------------------------------------------------
# Bluetooth-Devices/bthome-ble tests/test_parser_v2.py: service data after 0xFCD2.


def _objects(v: VendorDecoding | None) -> dict[str, object]:
    assert v is not None
    return {o["name"]: o["value"] for o in v.fields["objects"]}


def test_bthome_pressure_bthome_ble_vector() -> None:
    # test_mac_as_name: b"\x40\x04\x13\x8a\x01" -> Pressure 1008.83 (mbar = hPa).
    assert _objects(decode_bthome(b"\x40\x04\x13\x8a\x01")) == {"pressure": 1008.83}


def test_bthome_shelly_blu_ht_display_vector() -> None:
    # test_shelly_blu_ht_display_zb: packet id 46, battery 100, temperature 27.8,
    # humidity 52 (and the light binary sensor, object 0x1e).
    v = decode_bthome(b"\x40\x00\x2e\x01\x64\x1e\x01\x2e\x34\x45\x16\x01")
    values = _objects(v)
    assert values["packet id"] == 46
    assert values["battery"] == 100
    assert values["temperature"] == 27.8
    assert values["humidity"] == 52


def test_bthome_encrypted_is_flagged_then_decrypted_with_the_key() -> None:
    # test_bindkey_correct: Shelly BLU H&T 54:48:E6:8F:80:A5, key 231d39c1...,
    # temperature 25.06, humidity 50.55.
    data = b"\x41\xa4\x72\x66\xc9\x5f\x73\x00\x11\x22\x33\x78\x23\x72\x14"
    mac = bytes.fromhex("5448E68F80A5")
    key = bytes.fromhex("231d39c1d7cc1ab1aee224cd096db932")
    locked = decode_bthome(data)
    assert locked is not None and locked.fields["encrypted"] is True
    assert locked.fields["counter"] == int.from_bytes(b"\x00\x11\x22\x33", "little")
    assert locked.note is not None and "bind key" in locked.note
    assert _objects(decode_bthome(data, mac=mac, bind_key=key)) == {
        "temperature": 25.06,
        "humidity": 50.55,
    }
    # From a whole payload, with the key and address given.
    payload = bytes([len(data) + 3, 0x16, 0xD2, 0xFC]) + data
    decoded = decode_payload_uncached(payload, mac=mac, bthome_key=key)
    assert _objects(decoded.vendors[0]) == {"temperature": 25.06, "humidity": 50.55}


def test_bthome_wrong_key_says_so() -> None:
    # test_bindkey_wrong: key 814aac74... on the A4:C1:38:8D:18:B2 payload fails.
    data = b"\x41\xd2\xfc\xef\xe5\x2e\xb2\x12\xd6\x00\x11\x22\x33\xbc\x38\xc9\x66"
    v = decode_bthome(
        data,
        mac=bytes.fromhex("A4C1388D18B2"),
        bind_key=bytes.fromhex("814aac74c4f17b6c1581e1ab87816b99"),
    )
    assert v is not None and v.fields["decrypted"] is False
    assert v.note is not None and "failed" in v.note


def test_bthome_other_version_is_not_decoded_as_v2() -> None:
    # test_has_incorrect_version: device info 0xe1 (version 7) is not supported.
    v = decode_bthome(b"\xe1\x02\x00\x0c\x04\x04\x13\x8a\x01")
    assert v is not None and "objects" not in v.fields and v.note is not None


# -- Microsoft, Apple, Fast Pair (named; layouts per the cited specifications) --------


def test_microsoft_cdp_beacon() -> None:
    # [MS-CDP] 2.2.2.2.2: scenario 1, version 1 device type 9 (Windows 10 Desktop).
    body = "0109" + "20" + "00" + "11223344" + "00" * 16
    v = _only(f"{len(body) // 2 + 3:02x}ff0600{body}", "microsoft-cdp")
    assert v.fields["device_type_name"] == "Windows 10 Desktop"
    assert v.fields["salt"] == "11223344"


def test_apple_continuity_messages_are_named() -> None:
    # Nearby Info (0x10), length 5, as iPhones send it.
    v = _only("0aff4c001005011c2d3e4f", "apple-continuity")
    assert v.fields["messages"][0]["name"] == "Nearby Info"


def test_fast_pair_model_id() -> None:
    v = _only("06162cfe0a0b0c", "google-fast-pair")
    assert v.fields == {"discoverable": True, "model_id": "0a0b0c"}

"""AD structures: every assigned type decoded or named, malformed input reported in place."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from blebench.decode.ad_types import AD_TYPES
from blebench.decode.payload import decode_payload, decode_payload_uncached, vendors_json


def _structures(payload_hex: str) -> list[dict[str, Any]]:
    # Through JSON, as a user of --json sees it.
    result: list[dict[str, Any]] = json.loads(
        json.dumps(decode_payload_uncached(bytes.fromhex(payload_hex)).to_json())
    )["structures"]
    return result


def test_every_ad_type_bumble_knows_is_decoded_or_named() -> None:
    # An independent list of the Assigned Numbers' AD types: Bumble's enum.
    from bumble.core import AdvertisingData

    missing = {int(t) for t in AdvertisingData.Type} - set(AD_TYPES)
    assert not missing, [hex(m) for m in sorted(missing)]


def test_common_advertisement_in_words() -> None:
    # Flags, 16-bit UUIDs (Heart Rate, Battery), name, TX power, appearance (HR belt),
    # manufacturer data of Sony (field note 000's camera advertises company 0x012D).
    payload = "02010605030d180f180509426c6531020af40319410305ff2d01aabb"
    s = _structures(payload)
    assert s[0]["flags_text"] == ["LE General Discoverable Mode", "BR/EDR Not Supported"]
    assert [u["name"] for u in s[1]["uuids"]] == ["Heart Rate", "Battery Service"]
    assert s[2]["name"] == "Ble1" and s[2]["complete"] is True
    assert s[3]["tx_power_dbm"] == -12
    assert (s[4]["category"], s[4]["subcategory"]) == ("Heart Rate Sensor", "Heart Rate Belt")
    assert s[5]["company"] == "Sony Corporation" and s[5]["manufacturer_data"] == "aabb"
    d = decode_payload(bytes.fromhex(payload))
    assert d.local_name == "Ble1" and d.name_complete
    assert d.service_uuids == (
        "0000180d-0000-1000-8000-00805f9b34fb",
        "0000180f-0000-1000-8000-00805f9b34fb",
    )
    assert d.company_ids == (0x012D,)
    assert (d.tx_power, d.appearance, d.flags, d.errors) == (-12, 0x0341, 6, 0)


def test_json_shape_is_plain_json() -> None:
    d = decode_payload(
        bytes.fromhex("0201061aff4c000215426c7565436861726d426561636f6e730efe1355c5")
    )
    text = json.dumps({"adv": d.to_json(), "vendors": vendors_json(d, None)})
    back = json.loads(text)
    assert back["adv"]["raw"] == "0201061aff4c000215426c7565436861726d426561636f6e730efe1355c5"
    assert back["adv"]["structures"][0] == {
        "type": 1,
        "type_name": "Flags",
        "offset": 0,
        "data": "06",
        "flags": 6,
        "flags_text": ["LE General Discoverable Mode", "BR/EDR Not Supported"],
    }
    assert back["vendors"][0]["format"] == "ibeacon" and back["vendors"][0]["source"] == "adv"


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ("05120600800c", {"min_interval_ms": 7.5, "max_interval_ms": 4000.0}),
        ("031a2000", {"interval_ms": 20.0}),
        ("042f400600", {"interval_ms": 1000.0}),
        ("081b5544332211c101", {"address": "C1:11:22:33:44:55", "address_kind": "random-static"}),
        ("021c02", {"role": 2}),
        ("092417" + b"//x.org".hex(), {"uri": "https://x.org"}),
        ("0a30" + b"Broadcast".hex(), {"name": "Broadcast"}),
        ("0411" + "0d", None),
    ],
)
def test_more_ad_types(payload: str, fields: dict[str, object] | None) -> None:
    s = _structures(payload)
    if fields is None:
        assert "error" in s[0]
        return
    assert "error" not in s[0], s[0]
    for key, value in fields.items():
        assert s[0][key] == value


def test_service_data_uuid_names() -> None:
    s = _structures("0516d2fc4004")
    assert s[0]["uuid"] == "fcd2" and s[0]["service_data"] == "4004"


def test_128_bit_uuid_is_byte_reversed() -> None:
    nus_le = bytes.fromhex("6e400001b5a3f393e0a9e50e24dcca9e")[::-1].hex()
    s = _structures("1107" + nus_le)
    assert s[0]["uuids"] == [
        {"uuid": "6e400001-b5a3-f393-e0a9-e50e24dcca9e", "name": "Nordic UART Service"}
    ]


def test_length_past_end_keeps_what_came_before() -> None:
    d = decode_payload(bytes.fromhex("0201060509414243"))
    s = d.to_json()["structures"]
    assert s[0]["type_name"] == "Flags" and "error" not in s[0]
    assert s[1]["offset"] == 3 and s[1]["type"] == 9 and "runs past the end" in s[1]["error"]
    assert d.errors == 1


def test_lone_length_byte_at_the_end() -> None:
    s = _structures("02010605")
    assert s[1] == {"offset": 3, "data": "", "error": "length 5 with no type byte: truncated"}


def test_zero_padding_is_not_an_error_but_data_after_it_is_reported_and_decoded() -> None:
    assert decode_payload(bytes.fromhex("0201060000000000")).errors == 0
    d = decode_payload(bytes.fromhex("020106000003094142"))
    s = d.to_json()["structures"]
    assert d.errors == 1 and s[1]["offset"] == 3 and "zero length" in s[1]["error"]
    assert d.local_name == "AB"


def test_wrong_length_for_its_type_is_an_error_entry_and_decoding_goes_on() -> None:
    d = decode_payload(bytes.fromhex("030af4f403094142"))
    s = d.to_json()["structures"]
    assert s[0]["type_name"] == "TX Power Level" and "1 bytes" in s[0]["error"]
    assert d.local_name == "AB" and d.tx_power is None and d.errors == 1


def test_odd_uuid_list_is_an_error() -> None:
    s = _structures("0403aabbcc")
    assert "multiple of 2" in s[0]["error"]


def test_unknown_type_is_named_by_number() -> None:
    s = _structures("03eeaabb")
    assert s[0]["type_name"] == "Unknown AD type 0xee" and "error" not in s[0]


def test_payload_longer_than_31_bytes_decodes_the_same_way() -> None:
    # Advertising data and scan response joined (or extended advertising): 60+ bytes.
    adv = "0201061aff4c000215426c7565436861726d426561636f6e730efe1355c5"
    scan_rsp = "1109426c7565436861726d5f313639363835" + "1107" + "00" * 16
    d = decode_payload(bytes.fromhex(adv + scan_rsp))
    assert len(d.raw) > 31
    assert d.local_name == "BlueCharm_169685"
    assert [v.format for v in d.vendors] == ["ibeacon"]
    assert d.errors == 0 and len(d.structures) == 4


def test_results_are_cached_and_read_only() -> None:
    data = bytes.fromhex("03094142")
    a, b = decode_payload(data), decode_payload(bytes.fromhex("03094142"))
    assert a is b
    with pytest.raises(TypeError):
        a.structures[0].fields["name"] = "x"  # type: ignore[index]
    with pytest.raises(AttributeError):
        a.local_name = "x"  # type: ignore[misc]


def test_names_from_the_air_are_decoded_leniently() -> None:
    d = decode_payload(bytes.fromhex("0409ff4142"))
    assert d.local_name == "\ufffdAB"


def test_results_are_shared_read_only_and_decoded_once() -> None:
    # decode_payload's results are shared between callers: nobody may change them, and
    # the parts decoded on first access are decoded once.
    data = bytes.fromhex("0201061aff4c000215426c7565436861726d426561636f6e730efe1355c5")
    d = decode_payload_uncached(data)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.flags = 0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.structures[0].error = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        d.structures[0].fields["flags"] = 0  # type: ignore[index]
    assert d.structures is d.structures and d.vendors is d.vendors
    assert d.vendors[0].format == "ibeacon"
    assert d == decode_payload_uncached(data) != decode_payload_uncached(data[:3])

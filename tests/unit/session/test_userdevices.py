"""User-defined devices: what a file may say, and one clear line when it is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from blebench import paths
from blebench.sim.userdevices import UserDevicesError, load_user_devices, parse_user_devices

GOOD = """
[[device]]
name = "Lamp"
address = "c0:11:22:33:44:55"
adv = "02 01 06 03:ff:4c"   # malformed on purpose: sent as-is
scan_response = "0409 4c 61 6d"
interval_ms = 50

[[device.service]]
uuid = "180f"
[[device.service.characteristic]]
uuid = "2a19"
properties = ["read", "notify"]
value = "64"

[[device]]
name = "Phone"
address = "AA:BB:CC:DD:EE:FF"
address_type = "public"
connectable = false
adv = ""
"""


def test_a_good_file() -> None:
    lamp, phone = parse_user_devices(GOOD, "f.toml")
    assert lamp.address == "C0:11:22:33:44:55" and lamp.address_type == "random-static"
    assert lamp.advertising_data() == bytes.fromhex("02010603ff4c")
    assert lamp.scan_response_data() == bytes.fromhex("04094c616d")
    assert lamp.adv_interval_ms == 50 and lamp.connectable
    assert lamp.services[0].characteristics[0].value == b"\x64"
    assert phone.address_type == "public" and not phone.connectable
    assert phone.scan_response_data() is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[[device]\n", "not valid TOML"),
        (
            '[[device]]\nname="A"\naddress="C0:00:00:00:00:01"\n',
            "device 1 (A): field 'adv' is missing",
        ),
        ('[[device]]\nname="A"\naddress="C0:00:00:00:00:01"\nadv="0g"\n', "field 'adv': not hex"),
        (
            '[[device]]\nname="A"\naddress="C0:00:00:00:00:01"\nadv="' + "00" * 32 + '"\n',
            "at most 31",
        ),
        ('[[device]]\nname="A"\naddress="nope"\nadv=""\n', "field 'address'"),
        ('[[device]]\nname="A"\naddress="40:00:00:00:00:01"\nadv=""\n', "two top bits"),
        (
            '[[device]]\nname="A"\naddress="C0:00:00:00:00:01"\nadv=""\naddress_type="x"\n',
            "address_type",
        ),
        (
            '[[device]]\nname="A"\naddress="C0:00:00:00:00:01"\nadv=""\ncolour=1\n',
            "unknown field 'colour'",
        ),
        ('[[device]]\nname="A"\naddress="C0:00:00:00:00:01"\nadv=""\nirk="00"\n', "16 bytes"),
        (
            '[[device]]\nname="A"\naddress="C0:00:00:00:00:01"\nadv=""\n'
            '[[device.service]]\nuuid="180f"\n[[device.service.characteristic]]\nuuid="2a19"\n'
            'properties=["fly"]\n',
            "service 1, characteristic 1, field 'properties'",
        ),
    ],
)
def test_bad_files_get_one_line(text: str, words: str) -> None:
    with pytest.raises(UserDevicesError) as caught:
        parse_user_devices(text, "devices.toml")
    message = str(caught.value)
    assert message.startswith("devices.toml") and words in message and "\n" not in message


def test_data_dir_file_is_read_too(tmp_path: Path) -> None:
    default = paths.user_sim_devices_file()
    default.parent.mkdir(parents=True, exist_ok=True)
    default.write_text('[[device]]\nname="Home"\naddress="C0:00:00:00:00:09"\nadv=""\n')
    extra = tmp_path / "more.toml"
    extra.write_text('[[device]]\nname="More"\naddress="C0:00:00:00:00:0A"\nadv=""\n')
    assert [d.name for d in load_user_devices(extra)] == ["Home", "More"]
    assert [d.name for d in load_user_devices(default)] == ["Home"]  # not twice
    assert [d.name for d in load_user_devices(None, include_data_dir=False)] == []
    with pytest.raises(UserDevicesError, match="no such file"):
        load_user_devices(tmp_path / "absent.toml")

"""The device file's peripheral fields: what they build, and one line naming the file,
the entry and the field when one is wrong."""

from __future__ import annotations

import pytest

from blebench.sim.userdevices import UserDevicesError, parse_user_devices

HEAD = '[[device]]\nname = "Dev"\naddress = "C0:00:00:00:00:01"\nadv = ""\n'
SERVICE = '[[device.service]]\nuuid = "180f"\n[[device.service.characteristic]]\nuuid = "2a19"\n'


def one_characteristic(fields: str):  # type: ignore[no-untyped-def]
    (device,) = parse_user_devices(HEAD + SERVICE + fields, "dev.toml")
    return device.services[0].characteristics[0]


def test_descriptors_permissions_and_behaviours_are_built() -> None:
    char = one_characteristic(
        'properties = ["read", "write", "notify"]\ntext = "hi"\nmax_length = 8\n'
        'read = "encrypted"\nwrite = "authenticated"\ndescription = "Level"\n'
        'format = { format = "uint16", exponent = -1, unit = "27ad" }\n'
        "valid_range = [1, 1000]\n"
        '[[device.service.characteristic.descriptor]]\nuuid = "2908"\nvalue = "0101"\n'
    )
    assert char.value == b"hi" and char.max_length == 8
    assert (char.read_access, char.write_access) == ("encrypted", "authenticated")
    by_uuid = {d.uuid: d.value for d in char.descriptors}
    assert by_uuid["2901"] == b"Level"
    assert by_uuid["2904"] == bytes.fromhex("06ff ad27 00 0000")
    assert by_uuid["2906"] == bytes.fromhex("0100 e803")
    assert by_uuid["2908"] == b"\x01\x01"


def test_notify_schedules() -> None:
    char = one_characteristic(
        'properties = ["notify"]\nnotify_every_ms = 50\nnotify_values = ["01", "0203"]\n'
    )
    assert char.notify_every_ms == 50 and char.notify_values == (b"\x01", b"\x02\x03")
    char = one_characteristic(
        'properties = ["indicate"]\nnotify_every_ms = 1000\n'
        'notify_value = { kind = "sine", min = 10, max = 20, period_s = 60, prefix = "00" }\n'
    )
    assert char.notify_expression is not None and char.notify_expression.kind == "sine"


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ('properties = ["read"]\nread = "secret"\n', "field 'read': one of open, encrypted"),
        ('properties = ["read"]\nwrite = "open"\n', "field 'write': the properties have no"),
        ('value = "000000"\nmax_length = 2\n', "field 'value': 3 bytes, more than max_length 2"),
        ("max_length = 513\n", "field 'max_length': 513 is outside 1..512"),
        ('format = { format = "uint9" }\n', "field 'format', field 'format'"),
        ("valid_range = [1, 2]\n", "need a numeric 'format'"),
        ('format = { format = "uint8" }\nvalid_range = [9, 1]\n', "low 9 is above high 1"),
        ('format = { format = "uint8" }\nvalid_range = [0, 300]\n', "300 is outside 0..255"),
        ("notify_every_ms = 100\n", "the properties have no notify or indicate"),
        ('properties = ["notify"]\nnotify_values = ["01"]\n', "needs notify_every_ms"),
        ('properties = ["notify"]\nnotify_every_ms = 0\n', "0 is outside 0.1..3600000"),
        (
            'properties = ["notify"]\nnotify_every_ms = 10\nnotify_value = { kind = "cosine" }\n',
            "field 'kind': one of counter, ramp, sine, random-walk",
        ),
        (
            'properties = ["notify"]\nnotify_every_ms = 10\n'
            'notify_value = { kind = "counter", min = 5, max = 1 }\n',
            "min 5 is above max 1",
        ),
        ('reply = "echo"\n', "field 'reply': the properties have no write"),
        ('properties = ["write"]\nreply = "81 {z}"\n', "field 'reply': {z} is not"),
        ('properties = ["write"]\nreplies = [{ prefix = "01" }]\n', "field 'replies' 1"),
        ('properties = ["write"]\nreply = "00"\nreply_on = "2a99"\n',
         "field 'reply_on': this device has no characteristic 2a99"),
        ('properties = ["write"]\nreply_on = "2a19"\n', "field 'reply_on': needs reply"),
        ('mirror = "2a19"\n', "field 'mirror': 2a19 is itself"),
        ('[[device.service.characteristic.descriptor]]\nuuid = "2902"\n',
         "added by the GATT server itself"),
        ('description = "a"\n[[device.service.characteristic.descriptor]]\nuuid = "2901"\n',
         "given twice"),
        ('value = "00"\ntext = "a"\n', "give 'value' (hex) or 'text', not both"),
        ("colour = 1\n", "unknown field 'colour'"),
    ],
)
def test_a_bad_field_gets_one_line_naming_file_entry_and_field(fields: str, words: str) -> None:
    with pytest.raises(UserDevicesError) as caught:
        parse_user_devices(HEAD + SERVICE + fields, "dev.toml")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("dev.toml: device 1 (Dev), service 1, characteristic 1")
    assert words in message, message

"""A typed device name picks a heard device as the Scan filter would: any case, a part only
one name has, several names said rather than guessed, and a close name offered."""

from __future__ import annotations

from blebench.session.device_names import choose_by_name, did_you_mean
from blebench.session.models import DeviceRecord


def _record(name: str | None, address: str, *, connectable: bool = True, seen: float = 1.0) -> DeviceRecord:
    return DeviceRecord(address, "public", 0.0, seen, name=name, connectable=connectable)


HEARD = [
    _record("HID Keyboard", "D4:3A:2C:18:5B:90"),
    _record("UART Bridge", "E8:1C:5A:77:02:C4"),
    _record("Flaky Sensor", "E2:4F:86:0A:D3:59"),
    _record("BTHome Sensor", "A4:C1:38:00:00:01", connectable=False),
    _record(None, "11:22:33:44:55:66"),
]


def test_any_case_and_a_unique_part_of_the_name() -> None:
    assert choose_by_name(HEARD, "hid keyboard").record is HEARD[0]
    assert choose_by_name(HEARD, "hid keyboard").exact
    part = choose_by_name(HEARD, "UART")
    assert part.record is HEARD[1] and not part.exact
    assert choose_by_name(HEARD, "flaky").record is HEARD[2]


def test_several_names_containing_the_part_are_listed_not_guessed() -> None:
    choice = choose_by_name(HEARD, "sensor")
    assert choice.record is None and choice.ambiguous
    assert choice.candidates == ("BTHome Sensor", "Flaky Sensor")


def test_the_exact_name_wins_over_a_longer_one_containing_it() -> None:
    heard = [*HEARD, _record("UART", "01:02:03:04:05:06")]
    assert choose_by_name(heard, "uart").record is heard[-1]


def test_one_name_on_several_addresses_prefers_the_connectable_then_the_newest() -> None:
    heard = [
        _record("Tag", "01:00:00:00:00:01", connectable=False, seen=9.0),
        _record("Tag", "01:00:00:00:00:02", seen=2.0),
        _record("Tag", "01:00:00:00:00:03", seen=5.0),
    ]
    assert choose_by_name(heard, "tag").record is heard[2]


def test_nothing_matches_and_a_close_name_is_offered() -> None:
    assert choose_by_name(HEARD, "HID Keybaord").record is None
    assert not choose_by_name(HEARD, "HID Keybaord").ambiguous
    assert did_you_mean(HEARD, "HID Keybaord") == ["HID Keyboard"]
    assert did_you_mean(HEARD, "zzzz") == []
    assert choose_by_name(HEARD, "   ").record is None

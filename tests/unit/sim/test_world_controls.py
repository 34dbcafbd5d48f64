"""What `blebench sim` and the Virtual world screen accept as values, and the file the
world keeps them in: typed text converted as the control declares it, refusals in words,
a broken file named and never overwritten."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from blebench.errors import UserInputError
from blebench.sim import control, state
from blebench.sim.catalogue import default_catalogue, make_device


def test_values_are_converted_as_each_control_declares_them() -> None:
    (rate,) = control.parse_params("rate_hz: float | None")
    assert control.convert(rate, "250") == 250.0
    assert control.convert(rate, "off") is None
    (on,) = control.parse_params("on: bool")
    assert [control.convert(on, w) for w in ("on", "OFF", "yes", "0")] == [True, False, True, False]
    (key,) = control.parse_params("key: play_pause | mute | None")
    assert key.optional and control.convert(key, "mute") == "mute"
    assert control.convert(key, "none") is None
    (text,) = control.parse_params("text: str")
    assert control.convert(text, " two words ") == " two words "  # typed text kept as typed


@pytest.mark.parametrize(
    ("params", "value", "words"),
    [
        ("level: int", "4.5", "level: '4.5' is not a whole number"),
        ("metres: float", "inf", "metres: 'inf' is not a number"),
        ("on: bool", "maybe", "on: 'maybe' is not on/off"),
        ("key: mute | play_pause", "loud", "key: 'loud' is not one of mute, play_pause"),
    ],
)
def test_a_value_that_does_not_fit_says_what_does(params: str, value: str, words: str) -> None:
    (param,) = control.parse_params(params)
    with pytest.raises(UserInputError, match="^" + re.escape(words)) as caught:
        control.convert(param, value)
    assert caught.value.exit_code == 2


def test_devices_and_controls_are_found_as_the_scan_filter_finds_names() -> None:
    devices = default_catalogue()
    assert control.find_peripheral(devices, "smart lock").name == "Smart Lock"
    assert control.find_peripheral(devices, "thermo").name == "Thermo Probe"
    with pytest.raises(UserInputError, match="more than one virtual device: iBeacon"):
        control.find_peripheral(devices, "beacon")
    probe = make_device("Thermo Probe")
    assert control.find_control(probe, "battery").name == "set_battery"
    assert control.find_control(probe, "set-distance").name == "set_distance"
    with pytest.raises(UserInputError, match="Thermo Probe has no control 'chatty'"):
        control.find_control(probe, "chatty")
    # Only a private address rotates: the world's own control is offered where it applies.
    assert "rotate_address" in control.all_controls(make_device("Privacy Tag"))
    assert "rotate_address" not in control.all_controls(probe)


def test_what_is_kept_for_the_next_start(tmp_path: Path) -> None:
    path = tmp_path / "sim-world.json"
    kept = state.load(path)
    probe = make_device("Thermo Probe")
    kept.record(probe, "set_battery", ["20"])
    kept.record(probe, "set_fahrenheit", ["on"])
    kept.record(probe, "set_battery", ["30"])  # the newest value wins
    kept.record(probe, "set_distance", ["12.5"])
    kept.record(make_device("Eddystone"), "next_frame", [])
    kept.record(make_device("Eddystone"), "next_frame", [])
    kept.record(make_device("Pulse HRM"), "power", ["off"])
    kept.save()
    again = state.load(path)
    assert again.devices["Thermo Probe"].settings == {
        "set_fahrenheit": ["on"], "set_battery": ["30"]
    }  # fmt: skip
    assert again.devices["Thermo Probe"].distance_m == 12.5
    assert again.devices["Eddystone"].moments == {"next_frame": 2}
    assert again.devices["Pulse HRM"].off is True
    assert again.reset("Pulse HRM") == 1 and "Pulse HRM" not in again.devices


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "not JSON (line 1"),
        ("[]", 'no "devices" object'),
        (json.dumps({"devices": {"Pulse HRM": {"distance_m": "far"}}}), "distance_m is not a number"),
        (json.dumps({"devices": {"Pulse HRM": {"moments": {"x": -1}}}}), "moments is not"),
    ],
)
def test_a_file_that_cannot_be_used_is_named_and_left_alone(
    tmp_path: Path, text: str, words: str
) -> None:
    path = tmp_path / "sim-world.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(state.WorldStateError, match=re.escape(words)) as caught:
        state.load(path)
    assert str(path) in str(caught.value) and caught.value.exit_code == 2
    assert path.read_text(encoding="utf-8") == text

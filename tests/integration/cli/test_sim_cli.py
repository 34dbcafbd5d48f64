"""`blebench sim` as a user runs it, process after process: what it sets is what the next
`--sim` run finds (the Smart Lock's bonds, a battery level, a device switched off); bad
values are refused in words, exit 2, and the kept file is left as it was."""

from __future__ import annotations

import json

import pytest

from blebench import paths
from blebench.sim.catalogue.smart_lock import LOCK_STATE, SmartLock
from tests.integration.cli.clirun import blebench

pytestmark = pytest.mark.slow


def test_forget_bonds_makes_the_next_connect_report_a_stale_bond() -> None:
    paired = blebench("pair", "--sim", "Smart Lock", "--io", "keyboard-display", "--mitm",
                      "--sc", "--bond", "--passkey", "123456")  # fmt: skip
    assert paired.returncode == 0, paired.stderr
    listed = blebench("sim", "list", "smart lock", "--json")
    assert listed.returncode == 0, listed.stderr
    (lock,) = json.loads(listed.stdout)["devices"]
    assert (lock["name"], lock["bonds"]) == ("Smart Lock", 1)
    assert "forget-bonds" in lock["actions"]

    forgot = blebench("sim", "forget-bonds", "Smart Lock")
    assert forgot.returncode == 0, forgot.stderr
    assert "Smart Lock forgot 1 bond(s)" in forgot.stdout

    stale = blebench("read", "--sim", "Smart Lock", LOCK_STATE, "--json")
    assert stale.returncode == 1
    error = json.loads(stale.stdout)
    assert error["error"] == "stale_bond"
    assert error["identity_address"] == SmartLock.address
    again = blebench("sim", "forget-bonds", "Smart Lock", "--json")
    assert json.loads(again.stdout)["forgotten"] == 0  # nothing left to forget


def test_a_battery_set_between_runs_is_what_the_next_read_gives() -> None:
    kept = blebench("sim", "battery", "thermo", "42", "--json")
    assert kept.returncode == 0, kept.stderr
    said = json.loads(kept.stdout)
    assert said["device"] == "Thermo Probe"
    assert said["kept"]["settings"] == {"set_battery": ["42"]}
    read = blebench("read", "--sim", "Thermo Probe", "2a19", "--json")
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout)["hex"] == "2a"  # 42 %

    before = paths.sim_world_file().read_bytes()
    refused = blebench("sim", "battery", "Thermo Probe", "150")
    assert refused.returncode == 2
    assert "battery level must be 0-100 %, not 150" in refused.stderr
    not_a_number = blebench("sim", "battery", "Thermo Probe", "lots")
    assert not_a_number.returncode == 2 and "is not a whole number" in not_a_number.stderr
    assert paths.sim_world_file().read_bytes() == before  # nothing lost, nothing half-kept


def test_a_device_switched_off_is_not_on_the_air_until_switched_on() -> None:
    off = blebench("sim", "off", "Pulse HRM")
    assert off.returncode == 0, off.stderr
    listed = json.loads(blebench("sim", "list", "--json").stdout)
    assert {d["name"]: d["powered"] for d in listed["devices"]}["Pulse HRM"] is False
    scan = blebench("scan", "--sim", "--duration", "1.5", "--json")
    assert scan.returncode == 0, scan.stderr
    names = _names(scan.stdout)
    assert "Pulse HRM" not in names and "Thermo Probe" in names

    on = blebench("sim", "on", "Pulse HRM")
    assert on.returncode == 0, on.stderr
    scan = blebench("scan", "--sim", "--duration", "1.5", "--json")
    assert "Pulse HRM" in _names(scan.stdout)


def _names(lines: str) -> set[str | None]:
    return {json.loads(line).get("name") for line in lines.splitlines() if line.strip()}


def test_words_for_what_does_not_fit() -> None:
    unknown = blebench("sim", "battery", "Toaster", "5")
    assert unknown.returncode == 2
    assert "no virtual device named 'Toaster'; one of: Pulse HRM" in unknown.stderr
    no_control = blebench("sim", "chatty", "Smart Lock", "10")
    assert no_control.returncode == 2
    assert "Smart Lock has no chatty control" in no_control.stderr
    ambiguous = blebench("sim", "distance", "beacon", "3")
    assert ambiguous.returncode == 2 and "more than one virtual device" in ambiguous.stderr
    any_control = blebench("sim", "set", "Flaky Sensor", "reset_log")
    assert any_control.returncode == 0 and "reset_log at the next start" in any_control.stdout
    no_such = blebench("sim", "set", "Smart Lock", "nope")
    assert no_such.returncode == 2
    assert "its controls: forget_bonds, set_locked, set_distance, power" in no_such.stderr
    far = blebench("sim", "distance", "Pulse HRM", "nan")
    assert far.returncode == 2 and "is not a number" in far.stderr

    paths.sim_world_file().parent.mkdir(parents=True, exist_ok=True)
    paths.sim_world_file().write_text("{not json", encoding="utf-8")
    broken = blebench("sim", "site", "Thermo Probe", "2")
    assert broken.returncode == 2
    assert "sim-world.json: not JSON (line 1" in broken.stderr
    assert paths.sim_world_file().read_text(encoding="utf-8") == "{not json"  # kept as it was
    reset = blebench("sim", "reset")
    assert reset.returncode == 0, reset.stderr  # the way out: the broken file kept aside
    aside = paths.sim_world_file().with_name("sim-world.json.unreadable")
    assert aside.read_text(encoding="utf-8") == "{not json"
    assert str(aside) in reset.stdout
    assert blebench("sim", "site", "Thermo Probe", "2").returncode == 0

    helped = blebench("sim", "--help")
    assert helped.returncode == 0
    for action in ("forget-bonds", "chatty", "type-text", "media", "battery", "reading",
                   "next-frame", "discoverable", "fahrenheit", "site", "interval",
                   "distance", "off", "on", "rotate", "set", "list", "reset"):  # fmt: skip
        assert action in helped.stdout

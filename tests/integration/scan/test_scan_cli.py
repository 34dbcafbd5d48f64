"""`blebench scan` and `blebench serve` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from blebench.cli import main

BLEBENCH = [sys.executable, "-m", "blebench"]


def test_broken_toml_is_one_line_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "devices.toml"
    bad.write_text("[[device]]\nname = 'x\n")
    assert main(["scan", "--sim", "--sim-devices", str(bad), "--duration", "0.1"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert str(bad) in err and "TOML" in err
    assert "Traceback" not in err


def test_bad_field_names_the_entry_and_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "devices.toml"
    bad.write_text(
        '[[device]]\nname = "ok"\naddress = "C0:00:00:00:00:01"\nadv = "020106"\n'
        '[[device]]\nname = "Bad One"\naddress = "C0:00:00:00:00:02"\nadv = "zz"\n'
    )
    assert main(["scan", "--sim", "--sim-devices", str(bad), "--duration", "0.1"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "device 2" in err and "Bad One" in err and "'adv'" in err


def test_contradicting_radio_options_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--sim", "--transport", "usb:0", "--duration", "0.1"]) == 2
    assert "not both" in capsys.readouterr().err


@pytest.mark.slow
def test_scan_json_lines_active_and_passive(tmp_path: Path) -> None:
    devices = tmp_path / "devices.toml"
    devices.write_text(
        '[[device]]\nname = "Sensor"\naddress = "C0:11:22:33:44:55"\n'
        'adv = "020106 03030f18"\nscan_response = "07 09 53656e736f72"\ninterval_ms = 20\n'
        '[[device]]\nname = "Tag"\naddress = "C0:11:22:33:44:56"\naddress_type = "resolvable"\n'
        'connectable = false\nadv = "0201 04"\ninterval_ms = 20\n'
    )
    env = {**os.environ, "BLEBENCH_HOME": str(tmp_path / "home")}
    by_mode = {}
    for mode in ("", "--passive"):
        args = [*BLEBENCH, "scan", "--sim", "--sim-devices", str(devices), "--duration", "0.6"]
        done = subprocess.run(
            [*args, "--json", *([mode] if mode else [])],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        lines = [json.loads(line) for line in done.stdout.splitlines()]
        by_mode[mode] = {d["address"]: d for d in lines}
    active, passive = by_mode[""], by_mode["--passive"]
    sensor = active["C0:11:22:33:44:55"]
    assert sensor["name"] == "Sensor" and sensor["connectable"] is True
    assert sensor["adv"]["raw"] == "02010603030f18"
    assert sensor["scan_response"]["raw"] == "070953656e736f72"
    assert sensor["scan_response"]["structures"][0]["type"] == 9
    assert set(sensor["event_types"]) == {"ADV_IND", "SCAN_RSP"}
    for key in ("rssi", "vendors", "first_seen", "last_seen", "count", "rssi_history"):
        assert key in sensor
    assert passive["C0:11:22:33:44:55"]["scan_response"] is None
    assert passive["C0:11:22:33:44:55"]["name"] is None
    [tag] = [d for d in active.values() if d["adv"]["raw"] == "020104"]
    assert tag["address_type"] == "resolvable-private"
    assert tag["connectable"] is False and tag["event_types"] == ["ADV_NONCONN_IND"]


@pytest.mark.slow
def test_serve_then_scan_over_tcp(tmp_path: Path) -> None:
    devices = tmp_path / "devices.toml"
    devices.write_text(
        '[[device]]\nname = "Served"\naddress = "C0:11:22:33:44:57"\n'
        'adv = "020106 07 09 536572766564"\ninterval_ms = 20\n'
    )
    env = {**os.environ, "BLEBENCH_HOME": str(tmp_path / "home")}
    server = subprocess.Popen(
        [*BLEBENCH, "serve", "--sim", "--sim-devices", str(devices)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        spec = server.stdout.readline().strip()
        assert spec.startswith("tcp-client:127.0.0.1:")
        done = subprocess.run(
            [*BLEBENCH, "scan", "--transport", spec, "--duration", "0.5", "--json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        names = {json.loads(line)["name"] for line in done.stdout.splitlines()}
        assert "Served" in names
    finally:
        server.terminate()
        assert server.wait(timeout=10) == 0

"""What a script sees of a failure: the exit code (2: what was typed; 1: the device or the
link) and, with --json, one error object on stdout under its public name, with the words and
the next step on stderr. Bad input and a vanished device must never look alike."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from blebench.sim.catalogue.flaky_sensor import DROP_LINK

pytestmark = pytest.mark.slow


def blebench(*args: str) -> tuple[int, Any, str]:
    out = subprocess.run(
        [sys.executable, "-m", "blebench", *args], capture_output=True, text=True, timeout=90
    )
    assert "Traceback" not in out.stderr and "unexpected error" not in out.stderr, out.stderr
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    assert len(lines) <= 1, out.stdout  # one JSON error object, nothing else
    return out.returncode, json.loads(lines[0]) if lines else None, out.stderr


def test_a_value_typed_wrong_is_bad_input_exit_2() -> None:
    code, obj, err = blebench("write", "--sim", "Pulse HRM", "2a39", "zz", "--json")
    assert code == 2
    assert obj["error"] == "bad_input" and "not a hex digit" in obj["message"]
    assert "blebench: error: " in err and "not a hex digit" in err


def test_a_characteristic_the_device_does_not_have_is_bad_input_exit_2() -> None:
    code, obj, err = blebench("read", "--sim", "Pulse HRM", "2aff", "--json")
    assert code == 2
    assert obj["error"] == "bad_input"
    assert "this device has no characteristic/descriptor 2aff" in obj["message"]
    assert "blebench gatt DEVICE" in err


def test_a_device_nobody_hears_is_device_not_found_exit_1() -> None:
    code, obj, err = blebench("read", "--sim", "No Such Device", "2a37", "--json")
    assert code == 1
    assert obj["error"] == "device_not_found"
    assert obj["next_step"] and "blebench scan" in obj["next_step"]
    assert "next: " in err


def test_a_device_that_drops_the_link_mid_read_is_connection_lost_exit_1() -> None:
    code, obj, err = blebench("read", "--sim", "Flaky Sensor", DROP_LINK, "--json")
    assert code == 1
    assert obj["error"] == "connection_lost"
    assert obj["code"]["hex"] == "0x13"  # Remote User Terminated, in words
    assert "disconnected during the read" in err


def test_a_radio_that_does_not_open_is_said_in_json_too_exit_2() -> None:
    code, obj, err = blebench("scan", "--transport", "bogus:0", "--duration", "1", "--json")
    assert code == 2
    assert obj["error"] == "radio_unavailable"
    assert "bogus:0: cannot open" in obj["message"] and "bogus:0: cannot open" in err

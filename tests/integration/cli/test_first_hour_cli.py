"""The first hour's CLI trips (issue 11, items 1-4 and 11), as a user meets them: each a
subprocess on the virtual world. Bad input is refused before connecting, in words, exit 2;
lookups forgive case and take a unique part; broken frames are marked as such."""

from __future__ import annotations

import json
import time

import pytest

from tests.integration.cli.clirun import blebench

pytestmark = pytest.mark.slow


def test_an_empty_write_is_refused_before_connecting() -> None:
    out = blebench("write", "--sim", "Thermo Probe", "2a21", "")
    assert out.returncode == 2
    assert out.stdout == ""
    assert (
        "nothing to write: give a value, or `--empty` to send zero bytes on purpose" in out.stderr
    )
    assert "Measurement Interval" not in out.stderr  # no connection, no write was tried
    text = blebench("write", "--sim", "Thermo Probe", "2a21", "--text", "", "--json")
    assert text.returncode == 2 and json.loads(text.stdout)["error"] == "bad_input"


def test_empty_on_purpose_sends_zero_bytes() -> None:
    """The probe answers a zero-length interval with Invalid Attribute Length: it was sent."""
    out = blebench("write", "--sim", "Thermo Probe", "2a21", "", "--empty")
    assert out.returncode == 1
    assert "Invalid Attribute Length (ATT 0x0D)" in out.stderr
    both = blebench("write", "--sim", "Thermo Probe", "2a21", "01", "--empty")
    assert both.returncode == 2 and '--empty writes zero bytes: give "" as VALUE' in both.stderr


def test_out_of_range_names_the_valid_range_descriptor() -> None:
    out = blebench("write", "--sim", "Thermo Probe", "2a21", "--int", "2", "601")
    assert out.returncode == 1
    assert "Out of Range (ATT 0xFF)" in out.stderr
    assert "next: write a value within its Valid Range (0x2906): 1 to 600" in out.stderr


def test_a_filter_typo_is_refused_at_once_naming_the_fields() -> None:
    started = time.monotonic()
    out = blebench(
        "notify", "--sim", "Pulse HRM", "2a37", "--count", "1", "--filter", "heart_rate_bmp>60",
        timeout=20,
    )  # fmt: skip
    took = time.monotonic() - started
    assert out.returncode == 2
    assert "no field 'heart_rate_bmp' (did you mean 'heart_rate_bpm'?)" in out.stderr
    assert "its fields: " in out.stderr and "sensor_contact" in out.stderr
    assert took < 20  # the bound is subprocess's timeout; the figure is in the notes
    bad_op = blebench("notify", "--sim", "Pulse HRM", "2a37", "--filter", "heart_rate_bpm>>100")
    assert bad_op.returncode == 2 and "'>>' is not an operator" in bad_op.stderr


def test_a_filter_typo_on_a_handle_is_refused_once_its_uuid_is_known() -> None:
    out = blebench(
        "notify", "--sim", "Pulse HRM", "0x0010", "--count", "1", "--filter", "bpm>60",
    )  # fmt: skip
    assert out.returncode == 2
    assert "Heart Rate Measurement (0x0010) has no field 'bpm'" in out.stderr


def test_a_short_vendor_uuid_as_the_tui_shows_it_reads_the_probe() -> None:
    for spec in ("a7c10001", "a7c10001…"):
        out = blebench("read", "--sim", "Thermo Probe", spec, "--json")
        assert out.returncode == 0, out.stderr
        result = json.loads(out.stdout)
        assert result["uuid"] == "a7c10001-5b1e-4f0d-8c2a-3e9d6f4b7a10"
        assert "°C" in result["decoded"]["summary"]


def test_a_char_that_cannot_be_one_is_refused_before_connecting() -> None:
    for command in (("read",), ("notify", "--count", "1")):
        out = blebench(*command, "--sim", "Thermo Probe", "zz")
        assert out.returncode == 2
        assert "'zz' is neither a UUID" in out.stderr and "nor a handle" in out.stderr


def test_explain_refuses_a_bare_hex_guess() -> None:
    out = blebench("explain", "nimble", "1a")
    assert out.returncode == 2 and out.stdout == ""
    assert "0x1a" in out.stderr


def test_device_names_match_in_any_case_by_a_unique_part_with_did_you_mean() -> None:
    lower = blebench("read", "--sim", "thermo probe", "2a21", "--json")
    assert lower.returncode == 0, lower.stderr
    part = blebench("read", "--sim", "thermo", "2a21", "--json")
    assert part.returncode == 0, part.stderr
    typo = blebench("gatt", "--sim", "HID Keybaord", "--json")
    assert typo.returncode == 1
    assert json.loads(typo.stdout)["error"] == "device_not_found"
    assert "did you mean 'HID Keyboard'?" in typo.stderr
    several = blebench("gatt", "--sim", "Sensor")
    assert several.returncode == 1
    assert "'Sensor' is part of several device names" in several.stderr
    assert "'Flaky Sensor'" in several.stderr


def test_the_flaky_sensors_broken_frames_are_marked_beside_what_decoded() -> None:
    out = blebench("notify", "--sim", "Flaky Sensor", "2a37", "--count", "3", "--json")
    assert out.returncode == 0, out.stderr
    frames = {r["hex"]: r["decoded"] for r in map(json.loads, out.stdout.splitlines())}
    assert set(frames) == {"1148", "11480040", "114800"}
    assert "needs 2 byte" in frames["1148"]["error"]  # the bpm byte missing
    assert "odd trailing byte" in frames["11480040"]["error"]
    assert frames["11480040"]["heart_rate_bpm"] == 72  # what could be decoded stays
    assert "no intervals" in frames["114800"]["error"]
    text = blebench("notify", "--sim", "Flaky Sensor", "2a37", "--count", "3")
    assert text.stdout.count("✗") == 3, text.stdout


def test_decode_with_no_input_says_so() -> None:
    out = blebench("decode", input="")
    assert out.returncode == 2
    assert "nothing to decode" in out.stderr

"""A hostile user's typos, in process: each ends in one line that says what failed and
what to do, a non-zero exit, never the last-resort handler (`unexpected error`, 70) and
never a traceback. None of these needs a radio: each is refused before one is opened."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakBluetoothNotAvailableReason,
    BleakDBusError,
    BleakError,
)

from blebench.backends.os_stack import os_stack_problem
from blebench.cli import main
from blebench.userinput import ValueParseError, parse_value


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_clear_line(code: int, err: str) -> None:
    assert code not in (0, 70), err
    assert "unexpected error" not in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["read", "--sim", "Pulse HRM", "2a37", "--timeout", "-1"],
        ["gatt", "--sim", "Pulse HRM", "--timeout", "0"],
        ["notify", "--sim", "Pulse HRM", "2a37", "--timeout", "nan"],
        ["scan", "--sim", "--duration", "0"],
        ["scan", "--sim", "--duration", "-1"],
        ["lab", "--timeout", "-1"],
        ["pair", "--sim", "Smart Lock", "--io", "keyboard-display", "--pair-timeout", "-5"],
    ],
)
def test_timeouts_and_durations_must_be_above_zero(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(argv, capsys)
    assert code == 2
    assert_one_clear_line(code, err)
    assert "give more than 0" in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["write", "--sim", "X", "2a39", "abc", "--int", "1"], "'abc' is not an integer"),
        (["write", "--sim", "X", "2a39", "300", "--int", "1"], "does not fit in 1 byte"),
        (["write", "--sim", "X", "2a39", "1", "--int", "5"], "integer width 5"),
        (["write", "--sim", "X", "2a39", "zz"], "not a hex digit"),
        (["write", "--sim", "X", "2a39", "1.5", "--float", "3"], "float width 3"),
        (["notify", "--sim", "X", "2a37", "--count", "0"], "--count must be at least 1"),
        (["notify", "--sim", "X", "2a37", "--filter", "re:("], "regex '('"),
    ],
)
def test_bad_values_are_refused_before_connecting(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(argv, capsys)
    assert code == 2
    assert_one_clear_line(code, err)
    assert words in err
    assert "no device named" not in err  # nothing was opened


def test_integers_with_leading_zeros_are_decimal() -> None:
    assert parse_value("01", "int", width=3) == b"\x01\x00\x00"
    assert parse_value("007", "int", width=1) == b"\x07"
    assert parse_value("-007", "int", width=2) == (-7).to_bytes(2, "little", signed=True)
    assert parse_value("0x0a", "int", width=1) == b"\x0a"
    with pytest.raises(ValueParseError, match="not an integer"):
        parse_value("0x", "int")


def test_notify_out_into_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["notify", "--sim", "X", "2a37", "--out", str(tmp_path)], capsys)
    assert code == 2
    assert_one_clear_line(code, err)
    assert f"--out {tmp_path}: cannot write: Is a directory" in err


def test_notify_out_in_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "missing" / "n.csv"
    code, _, err = run(["notify", "--sim", "X", "2a37", "--out", str(target)], capsys)
    assert code == 2
    assert_one_clear_line(code, err)
    assert "No such file or directory" in err
    assert not target.parent.exists()


def test_sim_devices_that_is_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["scan", "--sim", "--sim-devices", str(tmp_path), "--duration", "1"], capsys)
    assert_one_clear_line(code, err)
    assert str(tmp_path) in err and "Is a directory" in err


# -- the OS stack through bleak (this machine has no BlueZ) -------------------------------

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="BlueZ over D-Bus is the Linux OS stack"
)


@linux_only
def test_bleak_without_a_system_bus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    socket = tmp_path / "no-such-bus"
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={socket}")
    code, _, err = run(["scan", "--backend", "bleak", "--duration", "1"], capsys)
    assert code == 2
    assert_one_clear_line(code, err)
    assert f"no D-Bus system bus at unix:path={socket}" in err
    assert "start bluetoothd" in err and "--sim" in err


@linux_only
def test_bleak_with_a_malformed_bus_address(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", "garbage")
    code, _, err = run(["gatt", "--backend", "bleak", "AA:BB:CC:DD:EE:FF"], capsys)
    assert code == 2
    assert_one_clear_line(code, err)
    assert "DBUS_SYSTEM_BUS_ADDRESS='garbage' is not a D-Bus address" in err


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (
            BleakBluetoothNotAvailableError("x", BleakBluetoothNotAvailableReason.POWERED_OFF),
            "powered off",
        ),
        (
            BleakBluetoothNotAvailableError("x", BleakBluetoothNotAvailableReason.NO_BLUETOOTH),
            "no adapter",
        ),
        (
            BleakBluetoothNotAvailableError(
                "denied", BleakBluetoothNotAvailableReason.DENIED_BY_SYSTEM
            ),
            "permission denied",
        ),
        (BleakDBusError("org.freedesktop.DBus.Error.AccessDenied", []), "permission denied"),
        (BleakDBusError("org.bluez.Error.NotReady", ["Resource Not Ready"]), "powered off"),
        (BleakDBusError("org.freedesktop.DBus.Error.ServiceUnknown", []), "org.bluez"),
        (BleakDBusError("org.bluez.Error.Failed", ["le-connection-abort"]), "le-connection-abort"),
        (PermissionError(13, "Permission denied"), "permission denied"),
        (ConnectionRefusedError(111, "refused"), "no D-Bus system bus"),
        (BleakError("something odd"), "something odd"),
    ],
)
def test_os_stack_failures_in_words(exc: BaseException, words: str) -> None:
    problem = os_stack_problem(exc)
    assert problem is not None
    text = str(problem)
    assert words in text
    assert "--sim" in text  # and what to do instead


def test_not_an_os_stack_failure_is_left_alone() -> None:
    assert os_stack_problem(KeyError("x")) is None


# -- explain ---------------------------------------------------------------------------


def test_explain_with_a_typo_in_the_domain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["explain", "gap", "3"], capsys)
    assert code == 2
    assert out == ""  # nothing explained for a domain that does not exist
    assert "unknown domain 'gap': use one of hci, att, smp, nimble, esp" in err


def test_explain_negative_code_in_hex(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["explain", "hci", "--", "-1"], capsys)
    assert code == 1
    assert "(-0x01)" in out and "0x-1" not in out


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("bogus:0", "transports: usb:0"),
        ("tcp-client:127.0.0.1:1", "is an HCI server listening there"),
        ("serial:/dev/blebench-no-such-port", "check the device path and baud rate"),
    ],
)
def test_a_transport_that_does_not_open_says_what_to_check(
    spec: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["scan", "--transport", spec, "--duration", "1"], capsys)
    assert code == 2
    assert_one_clear_line(code, err)
    assert f"{spec}: cannot open" in err and words in err


def test_bonds_export_into_a_folder_or_a_missing_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["bonds", "export", str(tmp_path)], capsys)
    assert code == 2
    assert "is a folder: give a file name" in err
    missing = tmp_path / "typo" / "bonds.json"
    code, _, err = run(["bonds", "export", str(missing)], capsys)
    assert code == 2
    assert "is not a folder here" in err
    assert not missing.parent.exists()  # never made for a file of secrets

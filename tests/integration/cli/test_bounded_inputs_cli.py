"""Bounded inputs, as a user meets them on the command line (issue 17, item 4): endless
or huge files and stdin, numbers that are not numbers, text that is not text, capture
files that cannot be written. Each ends at once in words and exit 2: no traceback, no
"unexpected error", no hang, no memory running out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.cli.clirun import blebench

BLEBENCH = [sys.executable, "-m", "blebench"]


def said_in_words(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "unexpected error" not in done.stderr
    return done.stderr


@pytest.mark.parametrize("source", ["/dev/zero", "/dev/urandom"])
def test_hid_file_from_an_endless_device_ends_at_once(source: str) -> None:
    err = said_in_words(blebench("hid", "--file", source, timeout=30))
    assert f"{source} is longer than 1 MiB" in err
    assert "a report map is at most 64 KiB" in err


@pytest.mark.parametrize("source", ["/dev/zero", "/dev/urandom"])
def test_hid_stdin_from_an_endless_device_ends_at_once(source: str) -> None:
    with open(source, "rb") as endless:
        done = subprocess.run(
            [*BLEBENCH, "hid", "--file", "-"],
            stdin=endless, capture_output=True, text=True, timeout=30,
        )
    err = said_in_words(done)
    assert "stdin is longer than 1 MiB" in err


def test_hid_descriptor_over_64_kib_is_refused_with_its_size(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(bytes([0x05, 0x01]) * 40_000)  # 80,000 bytes of Usage Page items
    err = said_in_words(blebench("hid", "--file", str(big)))
    assert "holds 80000 bytes: a report map is at most 64 KiB (65536 bytes)" in err


def test_hid_file_at_the_cap_is_still_parsed(tmp_path: Path) -> None:
    near = tmp_path / "map.bin"
    near.write_bytes(bytes.fromhex("05010906a101c0") * 9000)  # 63,000 bytes
    done = blebench("hid", "--file", str(near))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("63000 bytes")


def test_sim_devices_from_dev_zero_is_refused_naming_the_file() -> None:
    err = said_in_words(blebench("scan", "--sim-devices", "/dev/zero", "--duration", "1"))
    assert err.strip().splitlines() == [
        "blebench: error: /dev/zero: longer than 16 MiB; a devices file is at most 16 MiB "
        "(10,000 devices)"
    ]


def test_more_devices_than_a_world_holds_is_one_line_naming_the_file(tmp_path: Path) -> None:
    from blebench.sim.userdevices import MAX_DEVICES

    path = tmp_path / "crowd.toml"
    entry = '[[device]]\nname = "d"\naddress = "C0:00:00:00:00:01"\nadv = "020106"\n'
    path.write_text(entry * (MAX_DEVICES + 1), encoding="utf-8")
    err = said_in_words(blebench("scan", "--sim-devices", str(path), "--duration", "1"))
    assert err.strip().splitlines() == [
        f"blebench: error: {path}: {MAX_DEVICES + 1} devices; a virtual world holds at "
        "most 10,000"
    ]


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["notify", "--sim", "Pulse", "2a37", "--duration", "nan"], "--duration"),
        (["notify", "--sim", "Pulse", "2a37", "--duration", "inf"], "--duration"),
        (["console", "--sim", "X", "--write", "1", "--notify", "2", "--reply-timeout",
          "-inf"], "--reply-timeout"),
        (["scan", "--sim", "--duration", "nan"], "--duration"),
    ],
)
def test_numbers_that_are_not_finite_are_refused(argv: list[str], option: str) -> None:
    err = said_in_words(blebench(*argv, timeout=30))
    assert f"argument {option}:" in err
    assert "scanning" not in err  # refused before any radio opens


def test_write_text_that_is_not_utf8_is_refused_in_words() -> None:
    done = subprocess.run(
        [*BLEBENCH, "write", "--sim", "Thermo", "2a39", "--text", b"ab\xffcd"],
        capture_output=True, text=True, timeout=30,
        stdin=subprocess.DEVNULL,
    )
    err = said_in_words(done)
    assert "not UTF-8 text (byte 0xFF at position 3)" in err
    assert "\\xff" in err  # how to send that byte on purpose


def test_parse_text_refuses_a_byte_that_was_not_utf8() -> None:
    from blebench.userinput import ValueParseError, parse_text

    with pytest.raises(ValueParseError, match=r"byte 0xFF at position 3.*\\xff"):
        parse_text("ab\udcffcd")
    assert parse_text("ab\\xffcd") == b"ab\xffcd"


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("/dev/full", "/dev/full: not a regular file (a device, FIFO or socket)"),
        ("{tmp}", "is a folder: give a file name"),
        ("{tmp}/missing/capture.btsnoop", "no folder"),
        ("/proc/version", "/proc/version: cannot write"),
    ],
)
def test_capture_file_that_cannot_be_written_is_said_before_the_radio_opens(
    target: str, words: str, tmp_path: Path
) -> None:
    path = target.format(tmp=tmp_path)
    done = blebench("scan", "--sim", "--duration", "1", "--btsnoop", path, timeout=60)
    err = said_in_words(done)
    assert words in err
    assert "scanning" not in err and "virtual world" not in err
    assert done.stdout == ""


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through any file mode")
def test_capture_file_without_write_permission_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked.btsnoop"
    locked.write_bytes(b"")
    locked.chmod(0o444)
    err = said_in_words(blebench("scan", "--sim", "--duration", "1", "--btsnoop", str(locked)))
    assert "cannot write: Permission denied" in err


def test_a_capture_check_leaves_no_file_behind(tmp_path: Path) -> None:
    from blebench.session.capture import check_capture_file

    target = tmp_path / "new.btsnoop"
    assert check_capture_file(target) == target
    assert not target.exists()


def test_decode_stdin_from_dev_zero_ends_at_once() -> None:
    with open("/dev/zero", "rb") as endless:
        done = subprocess.run(
            [*BLEBENCH, "decode"], stdin=endless, capture_output=True, text=True, timeout=60
        )
    err = said_in_words(done)
    assert "line 1 of stdin is longer than 16 MiB: a payload line is at most 16 MiB" in err

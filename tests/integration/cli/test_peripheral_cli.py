"""`blebench peripheral` as a user runs it: one process serves a device of a device file,
other processes (blebench's central, Bumble's own apps) find it, read, write, get its
notifications and pair with it; on two stock Bumble controllers as on the virtual world."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.cli.clirun import blebench
from tests.integration.foreign.test_foreign_peer import run_controllers

DEVICE = """
[[device]]
name = "Bench Sensor"
address = "C6:11:22:33:44:55"
adv = "02 01 06 0d 09 42 65 6e 63 68 20 53 65 6e 73 6f 72"
scan_response = "03 03 1a 18"
interval_ms = 40

[[device.service]]
uuid = "181a"
[[device.service.characteristic]]
uuid = "2a6e"
properties = ["read", "notify"]
value = "0a09"
description = "Room temperature"
format = { format = "sint16", exponent = -2, unit = "272f" }
notify_every_ms = 100
notify_value = { kind = "counter", min = 2000, max = 2005, format = "sint16" }
[[device.service.characteristic]]
uuid = "2a56"
properties = ["read", "write", "notify"]
value = "00"
max_length = 4
replies = [{ prefix = "01", reply = "81 {1:}" }]
[[device.service.characteristic]]
uuid = "12345678-1234-5678-1234-56789abcdef0"
properties = ["read"]
read = "authenticated"
text = "secret"

[device.pairing]
io = "display-only"
mitm = true
passkey = 123456
"""
NAME = "Bench Sensor"
SECRET = "12345678-1234-5678-1234-56789abcdef0"


def device_file(tmp_path: Path) -> Path:
    path = tmp_path / "dev.toml"
    path.write_text(DEVICE)
    return path


class Served:
    """A `blebench peripheral` process and its stdout, line by line as it comes (a thread
    reads it: select() on a text pipe misses lines already in the reader's buffer)."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "blebench", *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def line(self, timeout: float = 30) -> str:
        line = self.lines.get(timeout=timeout)
        self.seen.append(line)
        return line

    def stop(self) -> str:
        """SIGINT (Ctrl-C), then everything it printed."""
        self.proc.send_signal(signal.SIGINT)
        # Not communicate(): it would read stdout too, taking lines from the reader thread.
        self.proc.wait(timeout=30)
        self._reader.join(timeout=5)
        assert self.proc.stderr is not None
        err = self.proc.stderr.read()
        assert self.proc.returncode == 0, err
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return "".join(self.seen)


def test_without_a_bumble_radio_it_says_what_the_peripheral_role_needs(tmp_path: Path) -> None:
    done = blebench("peripheral", str(device_file(tmp_path)))
    assert done.returncode == 2
    assert "needs a Bumble radio" in done.stderr and "--transport usb:0" in done.stderr
    bleak = blebench("peripheral", str(device_file(tmp_path)), "--backend", "bleak")
    assert bleak.returncode == 2 and "OS stack (bleak)" in bleak.stderr


def test_a_bad_file_or_device_name_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(DEVICE.replace("max_length = 4", "max_length = 0"))
    done = blebench("peripheral", str(bad), "--sim")
    assert done.returncode == 2
    assert f"{bad}: device 1 (Bench Sensor), service 1, characteristic 2, field 'max_length'" in (
        done.stderr
    )
    other = blebench("peripheral", str(device_file(tmp_path)), "--sim", "--device", "Lamp")
    assert other.returncode == 2 and "'Bench Sensor'" in other.stderr


@pytest.mark.slow
def test_an_exported_hrm_served_in_the_world_notifies_heart_rate(tmp_path: Path) -> None:
    exported = blebench("sim", "export", "Pulse HRM")
    assert exported.returncode == 0, exported.stderr
    hrm = tmp_path / "hrm.toml"
    hrm.write_text(exported.stdout)
    served = Served("peripheral", str(hrm), "--sim", "--json", "--duration", "60")
    try:
        serving = json.loads(served.line())
        assert serving["event"] == "serving"
        advertising = json.loads(served.line())
        assert advertising["event"] == "advertising"
        assert advertising["address"] == "A0:9E:1A:5C:31:07"
        assert advertising["address_type"] == "public"
        notified = blebench("notify", "--transport", serving["hci"], "Pulse HRM", "2a37",
                            "--count", "2", "--json")  # fmt: skip
        assert notified.returncode == 0, notified.stderr
        samples = [json.loads(line) for line in notified.stdout.splitlines()]
        assert len(samples) == 2
        assert all(40 <= s["decoded"]["heart_rate_bpm"] <= 200 for s in samples)
    finally:
        out = served.stop()
    events = [json.loads(line)["event"] for line in out.splitlines()]
    assert {"connected", "subscribed", "disconnected", "stopped"} <= set(events)


@pytest.fixture
def controllers() -> Iterator[tuple[str, str]]:
    """Two stock Bumble controllers on one link (the foreign-peer tests' process), once
    the second one listens."""
    for stock in run_controllers():
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", stock.theirs), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        yield stock.transport, f"tcp-client:127.0.0.1:{stock.theirs}"


@pytest.mark.slow
def test_on_two_stock_controllers_a_central_finds_reads_writes_and_pairs(
    tmp_path: Path, controllers: tuple[str, str]
) -> None:
    ours, theirs = controllers
    served = Served("peripheral", str(device_file(tmp_path)), "--transport", ours,
                    "--duration", "120")  # fmt: skip
    try:
        assert "advertising" in served.line()
        scan = blebench("scan", "--transport", theirs, "--duration", "1.5", "--json")
        assert scan.returncode == 0, scan.stderr
        seen = [json.loads(line) for line in scan.stdout.splitlines()]
        assert any(d.get("address") == "C6:11:22:33:44:55" for d in seen), scan.stdout


        read = blebench("read", "--transport", theirs, NAME, "2a6e", "--json")
        assert read.returncode == 0, read.stderr
        wrote = blebench("write", "--transport", theirs, NAME, "2a56", "0102", "--json")
        assert wrote.returncode == 0, wrote.stderr
        too_long = blebench("write", "--transport", theirs, NAME, "2a56", "0102030405")
        assert too_long.returncode == 1 and "ATT 0x0D" in too_long.stderr
        notified = blebench("notify", "--transport", theirs, NAME, "2a6e", "--count", "3",
                            "--json")  # fmt: skip
        assert notified.returncode == 0, notified.stderr
        values = [json.loads(line)["hex"] for line in notified.stdout.splitlines()]
        assert len(values) == 3 and all(
            2000 <= int.from_bytes(bytes.fromhex(v), "little", signed=True) <= 2005
            for v in values
        )

        locked = blebench("read", "--transport", theirs, NAME, SECRET)
        assert locked.returncode == 1 and "ATT 0x05" in locked.stderr
        wrong = blebench("pair", "--transport", theirs, NAME, "--io", "keyboard-display",
                         "--mitm", "--sc", "--bond", "--passkey", "654321")  # fmt: skip
        assert wrong.returncode != 0
        paired = blebench("pair", "--transport", theirs, NAME, "--io", "keyboard-display",
                          "--mitm", "--sc", "--bond", "--passkey", "123456")  # fmt: skip
        assert paired.returncode == 0, paired.stderr
        unlocked = blebench("read", "--transport", theirs, NAME, SECRET, "--json")
        assert unlocked.returncode == 0, unlocked.stderr
        assert bytes.fromhex(json.loads(unlocked.stdout)["hex"]) == b"secret"

        # Bumble's own gatt-dump, last: the stock controller keeps its link after the dump's
        # host exits (nothing resets it), which would hold the peripheral for the steps above.
        dump = subprocess.run(
            [str(Path(sys.executable).with_name("bumble-gatt-dump")), theirs, "C6:11:22:33:44:55"],
            capture_output=True, text=True, timeout=60, env={**os.environ, "NO_COLOR": "1"},
        )  # fmt: skip
        assert "UUID-16:181A" in dump.stdout and "UUID-16:2A6E" in dump.stdout, dump.stderr
        assert "526f6f6d2074656d7065726174757265" in dump.stdout  # 0x2901 "Room temperature"
        assert "INSUFFICIENT_AUTHENTICATION" in dump.stdout  # the secret, to a host without keys
    finally:
        out = served.stop()
    assert "the device shows passkey 123456" in out
    assert "refused" in out and "Invalid Attribute" in out

"""The CLI faces of GATT, notify and console on the virtual world: JSON shapes, errors in
words with a next step, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from blebench.sim.catalogue.uart_bridge import NUS_RX, NUS_TX, encode_frame

pytestmark = pytest.mark.slow


def blebench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "blebench", *args], capture_output=True, text=True, timeout=90
    )


def test_gatt_read_json_on_the_hid_keyboard() -> None:
    out = blebench("gatt", "--sim", "HID Keyboard", "--read", "--json")
    assert out.returncode == 0, out.stderr
    tree = json.loads(out.stdout)
    services = {s["short_uuid"]: s for s in tree["services"]}
    assert {"1812", "180f", "180a"} <= set(services)
    chars = {c["short_uuid"]: c for s in tree["services"] for c in s["characteristics"]}
    report_map = chars["2a4b"]["value"]["decoded"]
    assert report_map["report_map"]["reports"]
    reports = [
        c for s in tree["services"] for c in s["characteristics"] if c["short_uuid"] == "2a4d"
    ]
    assert all(r["value"]["error"]["code"]["name"].startswith("Insufficient") for r in reports)
    assert chars["2a50"]["value"]["decoded"]["kind"] == "pnp_id"
    assert tree["connection"]["mtu"] == 247


def test_notify_prints_three_decoded_heart_rates() -> None:
    out = blebench("notify", "--sim", "Pulse HRM", "2a37", "--count", "3", "--json")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(lines) == 3
    assert all(30 <= line["decoded"]["heart_rate_bpm"] <= 220 for line in lines)
    assert [line["seq"] for line in lines] == [1, 2, 3]


def test_console_one_shot_gets_the_reply() -> None:
    request = encode_frame(0x42, 0x02).hex()
    out = blebench(
        "console", "--sim", "UART Bridge", "--write", NUS_RX, "--notify", NUS_TX,
        "--match", "prefix:55aa", "--match", "seq:3", "--send", request, "--json",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    exchange = json.loads(out.stdout)
    assert exchange["reply"].startswith("55aa") and exchange["reply"][6:10] == "4282"


@pytest.mark.parametrize(
    ("args", "status", "words"),
    [
        (("read", "--sim", "HID Keyboard", "2a4d"), 2, "give the handle"),
        (("read", "--sim", "HID Keyboard", "0x0014"), 1, "Insufficient Encryption"),
        (("read", "--sim", "Pulse HRM", "2a4b"), 2, "has no characteristic/descriptor 2a4b"),
        (("write", "--sim", "Pulse HRM", "2a39", "0g"), 2, "not a hex digit"),
        (("write", "--sim", "Pulse HRM", "2a39", "300", "--int", "1"), 2, "does not fit"),
        (("write", "--sim", "Pulse HRM", "2a38", "01"), 1, "does not allow write"),
        (("gatt", "--sim", "No Such Thing", "--timeout", "1"), 1, "no device named"),
        (
            (
                "console",
                "--sim",
                "UART Bridge",
                "--write",
                NUS_RX,
                "--notify",
                NUS_TX,
                "--match",
                "seq:x",
                "--send",
                "00",
            ),
            2,
            "not a number",
        ),  # fmt: skip
    ],
)
def test_errors_in_words_never_a_traceback(args: tuple[str, ...], status: int, words: str) -> None:
    out = blebench(*args)
    assert out.returncode == status, out.stderr
    assert words in out.stderr
    assert "Traceback" not in out.stderr


def test_gatt_read_keeps_what_was_read_when_the_device_drops_the_link() -> None:
    # Flaky Sensor drops the link (0x13) when its "Drop Link" value is read, after the
    # other values: they must still be shown, and the loss said, not hidden behind one error.
    out = blebench("gatt", "--sim", "Flaky Sensor", "--read", "--json")
    assert out.returncode == 1, out.stderr
    tree = json.loads(out.stdout)
    values = [
        c.get("value") for s in tree["services"] for c in s["characteristics"] if c.get("value")
    ]
    read_ok = [v for v in values if v.get("hex") and not v.get("error")]
    assert any(v["length"] == 512 for v in read_ok)  # the long value, read before the drop
    lost = tree["connection_lost"]
    assert lost["error"] == "connection_lost"
    assert lost["code"]["hex"] == "0x13"
    assert "Traceback" not in out.stderr

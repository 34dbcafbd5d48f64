"""`blebench decode`: arguments and stdin, one line out per line in, errors in-band."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys

import pytest

from blebench.cli import main
from tests.unit.decode_ad.payloads import random_payload

IBEACON = "0201061aff4c000215426c7565436861726d426561636f6e730efe1355c5"


def _run(
    argv: list[str],
    stdin: bytes,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> list[str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    assert main(["decode", *argv]) == 0
    return capsys.readouterr().out.splitlines()


def test_stdin_lines_in_order_with_an_error_in_band(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin = f"{IBEACON}\nnot hex at all\n02:01:06 03 09 41 42\n\xff\xfe\n".encode("latin-1")
    lines = [json.loads(x) for x in _run(["--json"], stdin, monkeypatch, capsys)]
    assert [x["input_line"] for x in lines] == [1, 2, 3, 4]
    assert lines[0]["vendors"][0]["format"] == "ibeacon"
    assert lines[0]["adv"]["raw"] == IBEACON
    assert "not hex" in lines[1]["error"] and lines[1]["input"] == "not hex at all"
    assert lines[2]["adv"]["structures"][1]["name"] == "AB"
    assert "error" in lines[3]


def test_arguments_and_odd_digits(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [json.loads(x) for x in _run(["--json", IBEACON, "020"], b"", monkeypatch, capsys)]
    assert lines[0]["vendors"][0]["major"] == 3838
    assert "odd number of digits" in lines[1]["error"]


def test_hci_event_is_unwrapped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = bytes.fromhex(IBEACON)
    params = (
        bytes([0x02, 1, 0x03, 0x00])
        + bytes.fromhex("554433221100")
        + bytes([len(data)])
        + data
        + b"\xc4"
    )
    event = bytes([0x04, 0x3E, len(params)]) + params
    (line,) = _run(["--json", event.hex(" ")], b"", monkeypatch, capsys)
    out = json.loads(line)
    assert out["event"]["event_type_name"] == "ADV_NONCONN_IND"
    assert out["event"]["address"] == "00:11:22:33:44:55"
    assert out["adv"]["raw"] == IBEACON
    assert out["vendors"][0]["format"] == "ibeacon"


def test_bthome_key_option(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # bthome-ble test_bindkey_correct vector, as a whole AD structure.
    payload = "1216d2fc41a47266c95f730011223378237214"
    args = [
        "--json",
        "--bthome-key",
        "231d39c1d7cc1ab1aee224cd096db932",
        "--address",
        "54:48:E6:8F:80:A5",
        payload,
    ]
    (line,) = _run(args, b"", monkeypatch, capsys)
    objects = json.loads(line)["vendors"][0]["objects"]
    assert [(o["name"], o["value"]) for o in objects] == [
        ("temperature", 25.06),
        ("humidity", 50.55),
    ]


def test_text_output_is_one_plain_line_with_escaped_names(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A name carrying an escape sequence and Rich markup: shown literally, escaped.
    name = b"\x1b[31m[bold]x".hex()
    lines = _run([f"{len(name) // 2 + 1:02x}09{name}", IBEACON], b"", monkeypatch, capsys)
    assert len(lines) == 2
    assert "\x1b" not in lines[0] and "\\u001b[31m[bold]x" in lines[0]
    assert "[ibeacon]" in lines[1] and "major=3838" in lines[1]


@pytest.mark.slow
def test_two_thousand_random_lines_through_the_command() -> None:
    rnd = random.Random(4)
    inputs = []
    for i in range(2000):
        if i % 97 == 0:
            inputs.append("zz" + rnd.randbytes(3).hex())
        else:
            inputs.append(random_payload(rnd).hex(":" if i % 2 else " "))
    proc = subprocess.run(
        [sys.executable, "-m", "blebench", "decode", "--json"],
        input="\n".join(inputs) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 2000
    assert [json.loads(x)["input_line"] for x in lines] == list(range(1, 2001))

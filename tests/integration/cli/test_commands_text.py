"""What a user reads in a terminal, command by command, on the virtual world: the text
(non-JSON) output of scan, read, gatt, write and console, a successful write in both
forms, the console's interactive commands, and the pairing prompts answered on stdin.

Each test runs `python -m blebench` in a subprocess with stdin a pipe, as a script or a
user at a terminal would (the prompts are the terminal delegate's; only the TUI needs a
real terminal, tested in test_tui_entry.py).
"""

from __future__ import annotations

import json
import re

import pytest

from blebench.sim.catalogue.uart_bridge import NUS_RX, NUS_TX, encode_frame
from tests.integration.cli.clirun import blebench

pytestmark = pytest.mark.slow

PULSE = "A0:9E:1A:5C:31:07"
UART_ARGS = ("console", "--sim", "UART Bridge", "--write", NUS_RX, "--notify", NUS_TX)


# -- write --------------------------------------------------------------------------------


def test_a_write_that_succeeds_says_what_was_written_in_words_and_in_json() -> None:
    out = blebench("write", "--sim", "Pulse HRM", "2a39", "01")
    assert out.returncode == 0, out.stderr
    assert out.stdout == (
        "wrote 1 bytes to 0x0015 2a39 Heart Rate Control Point (with response): 01\n"
    )
    out = blebench("write", "--sim", "Pulse HRM", "2a39", "01", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {
        "address": PULSE,
        "handle": 0x0015,
        "uuid": "00002a39-0000-1000-8000-00805f9b34fb",
        "short_uuid": "2a39",
        "name": "Heart Rate Control Point",
        "hex": "01",
        "length": 1,
        "response": True,
        "ok": True,
    }


def test_write_text_without_response_sends_the_escaped_bytes() -> None:
    out = blebench("write", "--sim", "UART Bridge", NUS_RX, "--text", "hi\\n", "--no-response")
    assert out.returncode == 0, out.stderr
    assert out.stdout == (
        f"wrote 3 bytes to 0x0010 {NUS_RX.lower()} Nordic UART RX (without response): 68 69 0a\n"
    )


def test_big_endian_changes_the_bytes_and_the_device_says_out_of_range() -> None:
    """Measurement Interval is a little-endian u16 in 1..600 s: 30 is 1e 00; big-endian it
    is 00 1e (7680 s), which the probe refuses with ATT 0xFF, said in words, exit 1."""
    out = blebench("write", "--sim", "Thermo Probe", "2a21", "--int", "2", "30")
    assert out.returncode == 0, out.stderr
    assert out.stdout.endswith("Measurement Interval (with response): 1e 00\n")
    out = blebench("write", "--sim", "Thermo Probe", "2a21", "--int", "2", "30", "--big-endian")
    assert out.returncode == 1
    assert out.stdout == ""
    assert "Out of Range (ATT 0xFF)" in out.stderr
    assert "next: write a value within its Valid Range (0x2906): 1 to 600" in out.stderr
    assert "Traceback" not in out.stderr


# -- scan, read, gatt: the text forms -------------------------------------------------------


def test_scan_prints_the_table_the_readme_describes() -> None:
    out = blebench("scan", "--sim", "--duration", "1.5")
    assert out.returncode == 0, out.stderr
    # What is scanned and how much was heard on stderr, the table alone on stdout.
    said = out.stderr.splitlines()
    assert re.fullmatch(r"scanning virtual world \(\d+ devices\), active, 1\.5 s", said[0])
    lines = ["", *out.stdout.splitlines(), said[-1]]
    assert lines[1].split() == [
        "ADDRESS", "TYPE", "RSSI", "CONN", "NAME", "EVENTS", "ADV", "SCAN", "RSP", "VENDOR",
    ]  # fmt: skip
    rows = {line.split()[0]: line for line in lines[2:-1]}
    pulse = rows[PULSE].split()
    assert pulse[1] == "public" and pulse[3] == "yes"
    assert pulse[4:6] == ["Pulse", "HRM"] and pulse[6] == "ADV_IND,SCAN_RSP"
    assert -100 <= int(pulse[2]) <= 0
    beacon = rows["C1:4E:73:19:E2:0B"].split()
    assert beacon[3] == "no" and beacon[-1] == "ibeacon" and "ADV_NONCONN_IND" in beacon
    summary = re.fullmatch(r"(\d+) device\(s\), (\d+) report\(s\)", lines[-1])
    assert summary is not None and int(summary[1]) == len(rows) >= 10


def test_read_prints_the_handle_the_bytes_and_the_meaning() -> None:
    out = blebench("read", "--sim", "Pulse HRM", "2a19")
    assert out.returncode == 0, out.stderr
    head, raw, meaning = out.stdout.splitlines()
    assert head == "0x0018  2a19  Battery Level  (1 byte)"
    assert meaning == f"{int(raw, 16)} %"


def test_gatt_read_says_att_errors_in_words_and_lists_the_hid_reports() -> None:
    out = blebench("gatt", "--sim", "HID Keyboard", "--read")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert text.startswith("HID Keyboard (D4:3A:2C:18:5B:90)  MTU 247")
    assert "not encrypted" in text.splitlines()[0]
    # The report map decoded into its reports, the report references under each Report.
    assert "Keyboard, Consumer Control: input #1 64 bits; output #1 8 bits; input #2 16 bits" in text
    assert "input report, id 1" in text and "output report, id 1" in text
    # A report read before pairing: the ATT error, in words, and what to do.
    report = text.split("  char      0x0014  2a4d      Report  [read,notify]\n")[1]
    assert report.startswith(
        "    ! Insufficient Encryption (ATT 0x0F)\n"
        "      next: Encrypt the link: pair, or re-encrypt with the existing bond, then retry.\n"
    )


def test_gatt_read_says_where_the_link_was_lost_and_keeps_what_was_read() -> None:
    out = blebench("gatt", "--sim", "Flaky Sensor", "--read")
    assert "the link was lost while reading 0x001F; the values after it were not read" in out.stderr
    assert "! Remote User Terminated Connection (HCI 0x13)" in out.stdout
    assert "(512 bytes)" in out.stdout  # the Long Log, read before the drop
    assert "Traceback" not in out.stderr


# -- console ------------------------------------------------------------------------------


def test_console_one_shot_in_text_and_a_reply_that_never_comes() -> None:
    request = encode_frame(0x42, 0x02)
    out = blebench(*UART_ARGS, "--match", "prefix:55aa", "--match", "seq:3", "--send", request.hex())
    assert out.returncode == 0, out.stderr
    sent, got = out.stdout.splitlines()
    assert sent == "> 55 aa 00 42 02 bb"
    assert re.fullmatch(
        r"< 55 aa .. 42 82 .*  \(\d+\.\d ms, \d+ other notification\(s\) skipped\)", got
    ), got
    # A rule no reply matches: exit 1, and why on stderr.
    out = blebench(*UART_ARGS, "--match", "prefix:55ab", "--send", request.hex(),
                   "--reply-timeout", "0.5")  # fmt: skip
    assert out.returncode == 1
    assert out.stdout == "> 55 aa 00 42 02 bb\n"
    assert re.search(r"no reply matching prefix 55ab within 0\.\d\d s", out.stderr), out.stderr
    assert "next: check the request bytes and the --match rule" in out.stderr


def test_console_interactive_match_timeout_text_and_quit() -> None:
    ping = encode_frame(7, 0x01).hex(" ")
    lines = [
        ":match prefix:55aa seq:3",  # the reply echoes the request's seq (byte 3)
        ":timeout 0",  # refused: says so, keeps going
        ":timeout 5",
        ":bogus",
        ping,
        "55 0g",  # not hex: said, nothing sent
        ":match prefix:55ab",
        ":timeout 0.3",
        ping,
        ":quit",
        encode_frame(8, 0x01).hex(),  # after :quit: never sent
    ]
    out = blebench(*UART_ARGS, input="\n".join(lines) + "\n")
    assert out.returncode == 0, out.stderr
    err = out.stderr
    assert "matching: prefix 55aa and sequence number at 3 (width 1) echoes request byte 3" in err
    assert "error: :timeout needs a positive number of seconds" in err
    assert "error: unknown command ':bogus'" in err
    assert "'g' at position 5 is not a hex digit" in err
    assert "matching: prefix 55ab" in err
    sent = [line for line in out.stdout.splitlines() if line.startswith(">")]
    assert sent == [f"> {ping}", f"> {ping}"]  # not the bad line, nor the one after :quit
    replies = [line for line in out.stdout.splitlines() if line.startswith("<")]
    assert len(replies) == 1 and replies[0].startswith(f"< {encode_frame(7, 0x81).hex(' ')}  ("), out.stdout
    # The second PING's reply does not match 55ab: the 0.3 s timeout, in words.
    assert re.search(r"no reply matching prefix 55ab within 0\.[34]\d s", err), err


def test_console_interactive_text_lines_are_sent_as_text() -> None:
    out = blebench(*UART_ARGS, "--match", "prefix:55", "--reply-timeout", "0.3",
                   input="text:hi\\n\n")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "> 68 69 0a"


# -- pairing prompts on stdin ----------------------------------------------------------------


def test_passkey_prompt_asks_again_after_a_malformed_answer_then_pairs() -> None:
    """The Smart Lock shows 123456 (DisplayOnly); this side types it, on stdin."""
    out = blebench(
        "pair", "--sim", "Smart Lock", "--io", "keyboard-only", "--mitm", "--sc",
        input="12ab\n123456\n",
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    prompt = "Passkey shown on Smart Lock (C7:42:9B:D0:66:1E) (6 digits, empty cancels): "
    assert out.stderr.count(prompt) == 2, out.stderr
    assert "a passkey is 1 to 6 digits (0..999999), not '12ab'" in out.stderr
    assert out.stdout.startswith(
        "Paired with Smart Lock (C7:42:9B:D0:66:1E): LE Secure Connections, passkey entry"
    )
    assert "authenticated, security level 4" in out.stdout


def test_three_malformed_passkeys_give_up_and_say_so() -> None:
    out = blebench(
        "pair", "--sim", "Smart Lock", "--io", "keyboard-only", "--mitm", "--sc",
        input="abc\n12x\n1234567\n",
    )  # fmt: skip
    assert out.returncode == 1
    assert out.stderr.count("Passkey shown on Smart Lock") == 3
    assert "not '1234567'" in out.stderr
    assert "failed: 0x01 Passkey Entry Failed (sent by us)" in out.stderr
    assert "Traceback" not in out.stderr


def test_just_works_prompt_wants_y_or_n() -> None:
    """DisplayYesNo and Secure Connections with a NoInputNoOutput peer: Just Works, which
    this side is asked to accept (y/n, asked again after anything else)."""
    args = ("pair", "--sim", "Pulse HRM", "--io", "display-yes-no", "--sc", "--mitm")
    out = blebench(*args, input="maybe\ny\n")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stderr.count("using Just Works (no MITM protection)? [y/n] ") == 2
    assert "Please answer y or n." in out.stderr
    assert out.stdout.startswith(f"Paired with Pulse HRM ({PULSE}): LE Secure Connections, just works")
    out = blebench(*args, input="n\n")
    assert out.returncode == 1
    assert out.stdout == ""
    assert f"Pairing with Pulse HRM ({PULSE}) failed" in out.stderr
    assert "Traceback" not in out.stderr

"""Numbers out of range on the command line (issue 17, item 4), as a user types them: a
negative or zero duration, count or timeout, one too large to mean anything (1e300 s), a
width of 0 bytes, a port above 65535. Each is refused in words with exit 2 before any
radio opens, as NaN and infinities are: no traceback, no "unexpected error", no command
that runs forever or quietly does something else (`write --int 0` wrote hex)."""

from __future__ import annotations

import pytest

from tests.integration.cli.clirun import blebench
from tests.integration.cli.test_bounded_inputs_cli import said_in_words

SECONDS_RULE = "give more than 0 and at most 86400 seconds"


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["notify", "--sim", "Pulse", "2a37", "--duration", "-1"], "argument --duration: -1 s"),
        (["notify", "--sim", "Pulse", "2a37", "--duration", "0"], "argument --duration: 0 s"),
        # Before: accepted, and the command ran for ever.
        (["notify", "--sim", "Pulse", "2a37", "--duration", "1e300"], SECONDS_RULE),
        (["notify", "--sim", "Pulse", "2a37", "--count", "-3"], "--count must be at least 1"),
        (["notify", "--sim", "Pulse", "2a37", "--timeout", "-0.5"], "argument --timeout"),
        (["console", "--sim", "UART", "--write", "1", "--notify", "2", "--reply-timeout", "-1"],
         "argument --reply-timeout: -1 s"),
        (["console", "--sim", "UART", "--write", "1", "--notify", "2", "--reply-timeout",
          "1e300"], SECONDS_RULE),
        (["scan", "--sim", "--duration", "-2"], "argument --duration: -2 s"),
        (["pair", "--sim", "Lock", "--io", "keyboard-display", "--min-key-size", "-1"],
         "min key size -1 is outside 7..16 bytes"),
        (["matrix", "--initiator-max-key-size", "-5"], "max key size -5 is outside 7..16"),
        (["lab", "--passkey", "-5"], "a passkey is 1 to 6 digits"),
        # Before: a width of 0 was no width, and the value went out as one byte.
        (["write", "--sim", "Thermo", "2a39", "1", "--int", "0"], "integer width 0 is not one of"),
        (["write", "--sim", "Thermo", "2a39", "1", "--float", "0"], "float width 0 is not one of"),
        (["write", "--sim", "Thermo", "2a39", "1", "--int", "-2"], "integer width -2"),
        # Before: "unexpected error: OverflowError", exit 70.
        (["serve", "--hci", "tcp-server:127.0.0.1:-5"], "the port must be a number 0-65535"),
        (["serve", "--hci", "tcp-server:127.0.0.1:70000"], "the port must be a number 0-65535"),
    ],
)  # fmt: skip
def test_a_number_out_of_range_is_refused_in_words(argv: list[str], words: str) -> None:
    err = said_in_words(blebench(*argv, timeout=60))
    assert words in err, err
    assert "scanning" not in err and "serving" not in err  # refused before a radio opens


@pytest.mark.slow
def test_console_timeout_typed_out_of_range_is_said_and_the_console_goes_on() -> None:
    uart = ["console", "--sim", "UART Bridge", "--write", "6e400002-b5a3-f393-e0a9-e50e24dcca9e",
            "--notify", "6e400003-b5a3-f393-e0a9-e50e24dcca9e"]  # fmt: skip
    done = blebench(*uart, input=":timeout nan\n:timeout -1\n:timeout 1e300\n:quit\n")
    assert done.returncode == 0, done.stderr
    for given in ("nan", "-1", "1e300"):
        assert f"error: :timeout needs a positive number of seconds, at most 86400 (not " \
            f"'{given}')" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr

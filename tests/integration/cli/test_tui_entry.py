"""`blebench --sim` as a user starts it: in a terminal (a pseudo-terminal here), the real
entry point (settings, the rotated log file, the App, the session closed on `q`)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a Linux pseudo-terminal"),
]


class Terminal:
    """A child process on a pseudo-terminal of 140x40; what it draws is kept as bytes."""

    def __init__(self, *args: str) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "140", "LINES": "40"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "blebench", *args],
            stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
        )  # fmt: skip
        os.close(slave)
        self.output = b""

    def read(self, seconds: float) -> None:
        ready, _, _ = select.select([self.master], [], [], seconds)
        if ready:
            try:
                self.output += os.read(self.master, 65536)
            except OSError:  # the child closed its side
                time.sleep(seconds)

    def wait_for(self, text: bytes, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            assert time.monotonic() < deadline, f"never drew {text!r}"
            assert self.process.poll() is None, f"exited {self.process.returncode}"
            self.read(0.1)

    def exit_code(self, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None:
            assert time.monotonic() < deadline, "did not exit"
            self.read(0.1)
        return self.process.returncode

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


def test_blebench_sim_draws_the_virtual_world_and_q_quits(blebench_home: Path) -> None:
    terminal = Terminal("--sim")
    try:
        terminal.wait_for(b"Pulse HRM")  # the Scan list, scanning the virtual world
        terminal.wait_for(b"virtual")  # the status line says which radio
        os.write(terminal.master, b"q")
        assert terminal.exit_code() == 0
    finally:
        terminal.close()
    # The log went to the rotated file, not to the terminal the TUI draws on.
    log = (blebench_home / "log" / "blebench.log").read_text()
    assert "starting the TUI" in log and "TUI closed" in log
    assert b"Traceback" not in terminal.output


def test_the_log_rotates_past_its_size(blebench_home: Path) -> None:
    """A log at its cap (1 MB) moves to blebench.log.1 when the TUI starts writing."""
    log_dir = blebench_home / "log"
    log_dir.mkdir(parents=True)
    (log_dir / "blebench.log").write_text("x" * 1_000_000 + "\n")
    terminal = Terminal("--sim")
    try:
        terminal.wait_for(b"Pulse HRM")
        os.write(terminal.master, b"q")
        assert terminal.exit_code() == 0
    finally:
        terminal.close()
    assert (log_dir / "blebench.log.1").read_text().startswith("xxx")
    assert "starting the TUI" in (log_dir / "blebench.log").read_text()

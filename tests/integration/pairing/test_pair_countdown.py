"""Issue 11 item 5 / review UX 4.14: `blebench pair` on a terminal counts down the seconds the
device has left to answer SMP, on one rewritten line that is gone before the outcome; a
pipe gets no countdown (no carriage returns in a log)."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PAIR = [sys.executable, "-m", "blebench", "pair", "--sim", "ZV Camera", "--io",
        "no-input-no-output", "--sc", "--bond", "--pair-timeout", "3"]  # fmt: skip


def test_pair_on_a_terminal_counts_down_then_says_the_device_did_not_answer(tmp_path: Path) -> None:
    env = {**os.environ, "BLEBENCH_HOME": str(tmp_path / "home")}
    main, side = pty.openpty()
    process = subprocess.Popen(PAIR, stdin=subprocess.DEVNULL, stdout=side, stderr=side, env=env)
    os.close(side)
    seen = b""
    try:
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the other end closed: the command ended
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(main)
        assert process.wait(timeout=60) == 1
    text = seen.decode(errors="replace")
    lefts = [int(n) for n in re.findall(r"the device has (\d+) s to answer", text)]
    assert lefts[0] == 3 and lefts == sorted(lefts, reverse=True) and len(set(lefts)) >= 2, lefts
    # The countdown line is wiped before the outcome is written over it.
    assert "\r\x1b[KPairing with ZV Camera (9C:50:D1:4B:2E:11) failed: the device did not answer" in text


def test_pair_into_a_pipe_has_no_countdown(tmp_path: Path) -> None:
    env = {**os.environ, "BLEBENCH_HOME": str(tmp_path / "home")}
    done = subprocess.run(PAIR, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          env=env, timeout=60)  # fmt: skip
    assert done.returncode == 1
    assert "to answer" not in done.stderr and "\r" not in done.stderr
    assert "did not answer SMP within 3 s" in done.stderr

"""Issue 11 item 11 in the CLI: `blebench pair --ladder` says each SMP PDU as it goes, ours and
what the peer actually sent (and `--json` carries them as "ladder"), on a Bumble radio."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def blebench(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "blebench", *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, env=env, timeout=60)  # fmt: skip


def test_pair_ladder_shows_what_each_side_sent(tmp_path: Path) -> None:
    env = {**os.environ, "BLEBENCH_HOME": str(tmp_path / "home")}
    lock = ("pair", "--sim", "Smart Lock", "--io", "keyboard-display", "--mitm", "--sc", "--bond",
            "--passkey", "123456", "--ladder")  # fmt: skip
    text = blebench(env, *lock)
    assert text.returncode == 0, text.stderr
    lines = text.stderr.splitlines()
    request = next(line for line in lines if "Pairing Request" in line)
    response = next(line for line in lines if "Pairing Response" in line)
    assert "us   ──►" in request and "auth_req=bonding,mitm,sc" in request
    assert "◄── peer" in response and "io=display-only" in response  # the lock's own answer
    assert any("Encryption started" in line for line in lines)

    camera = blebench(env, "pair", "--sim", "ZV Camera", "--io", "no-input-no-output", "--sc",
                      "--bond", "--pair-timeout", "2", "--ladder", "--json")  # fmt: skip
    assert camera.returncode == 1
    ladder = json.loads(camera.stdout)["ladder"]
    assert [step["pdu"] for step in ladder] == ["Pairing Request"]  # the camera never answered
    assert "Pairing Request" not in camera.stderr  # --json: the ladder is in the object

"""Issue 11 item 5 / review 3.13: `pair --repair` says whether the bond was stale: it tries
the bond first, so a bond that still encrypts is said not to be stale (and re-paired
anyway, as asked), and one the device forgot is said to be stale (`bond_was_stale`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

LOCK = ["--sim", "Smart Lock"]


def blebench(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "blebench", *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, env=env, timeout=60)  # fmt: skip


def test_repair_says_whether_the_bond_was_stale(tmp_path: Path) -> None:
    env = {**os.environ, "BLEBENCH_HOME": str(tmp_path / "home")}
    first = blebench(env, "pair", *LOCK, "--io", "keyboard-display", "--mitm", "--sc", "--bond",
                     "--passkey", "123456")  # fmt: skip
    assert first.returncode == 0, first.stderr

    working = blebench(env, "pair", *LOCK, "--repair", "--passkey", "123456")
    assert working.returncode == 0, working.stderr
    assert "the bond was not stale (the link encrypted with it)" in working.stderr
    assert "the stale bond was deleted" not in working.stderr

    forgot = blebench(env, "sim", "forget-bonds", "Smart Lock")
    assert forgot.returncode == 0, forgot.stderr
    stale = blebench(env, "pair", *LOCK, "--repair", "--passkey", "123456", "--json")
    assert stale.returncode == 0, stale.stderr
    document = json.loads(stale.stdout)
    assert (document["repaired"], document["bond_was_stale"]) == (True, True)

"""Two `blebench pair` commands at once keep both bonds (issue 17, item 2).

As the review ran it: two real CLI processes on the virtual world, side by side, each
bonding with another device. Before the store's lock one bond was lost in 10 of 10 rounds,
in `bonds.json` and in the virtual devices' own `sim-bonds.json` alike.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BLEBENCH = [sys.executable, "-m", "blebench"]
CAMERA = ["pair", "--sim", "ZV Camera", "--io", "no-input-no-output", "--bond", "--json"]
LOCK = ["pair", "--sim", "Smart Lock", "--io", "keyboard-display", "--mitm", "--sc", "--bond",
        "--passkey", "123456", "--json"]
ROUNDS = 10


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_pairings_at_once_keep_every_bond(tmp_path: Path, round_: int) -> None:
    """One round of ten (each its own case: ten rounds in one would outlast the per-test
    timeout on a loaded CI machine)."""
    home = tmp_path / "home"
    env = {**os.environ, "BLEBENCH_HOME": str(home)}
    runs = [subprocess.Popen([*BLEBENCH, *argv], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for argv in (CAMERA, LOCK)]
    results = [run.communicate(timeout=100) for run in runs]
    for run, (out, err) in zip(runs, results, strict=True):
        assert run.returncode == 0, (round_, out, err)
        assert json.loads(out)["outcome"]["bonded"] is True
        assert "Traceback" not in err

    listed = subprocess.run([*BLEBENCH, "bonds", "--json"], env=env, capture_output=True,
                            text=True, timeout=60, check=True)
    ours = {b["name"]: b["address"] for b in json.loads(listed.stdout)}
    assert set(ours) == {"ZV Camera", "Smart Lock"}, ours

    # The virtual devices' side: each peripheral keeps its own bond with our central.
    theirs = json.loads((home / "data" / "sim-bonds.json").read_text())["bonds"]
    assert {b["local_address"] for b in theirs} == set(ours.values()), theirs

"""Issue 17 item 1: a controller that goes away mid-scan (a TCP HCI server closing its
socket) is a radio error in words: `blebench scan` prints the devices it had heard, says
the radio was lost and exits 1 at once, not after Bumble's command timeout (exit 70).

The controller is a stock `bumble.apps.controllers` process serving two controllers over
TCP: one for blebench, one for a stock Bumble peripheral advertising on it
(`dropping_peer.py`). The controllers' process is killed while blebench scans.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.faults.test_pairing_link_drop import start_dropping_peer
from tests.integration.foreign.test_foreign_peer import run_controllers

pytestmark = pytest.mark.slow

PEER_ADDRESS = "C6:22:33:44:55:31"
HEARD_FOR_S = 1.5  # how long blebench scans before its controller is killed


@pytest.mark.parametrize("as_json", [False, True])
def test_a_controller_that_closes_mid_scan_lists_what_was_heard_and_exits_1(
    as_json: bool, tmp_path: Path
) -> None:
    controllers = next(gen := run_controllers())
    peer = start_dropping_peer(controllers, tmp_path / "peer.log", "pairing-request", PEER_ADDRESS)
    try:
        peer.wait_for("ready")
        scan = subprocess.Popen(
            [sys.executable, "-m", "blebench", "scan", "--transport", controllers.transport,
             "--duration", "30", *(["--json"] if as_json else [])],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert scan.stderr is not None
        started = scan.stderr.readline()
        assert started.startswith("scanning tcp-client:"), started
        time.sleep(HEARD_FOR_S)  # let it hear the peer, then pull the controller away
        controllers.process.kill()
        killed = time.monotonic()
        out, err = scan.communicate(timeout=30)
        took = time.monotonic() - killed
    finally:
        peer.stop()
        gen.close()
    assert scan.returncode == 1, out + err
    assert took < 10, f"the scan went on {took:.1f} s after its controller went away"
    assert "Traceback" not in err and "unexpected error" not in err
    assert "the radio was lost" in err and "the controller went away" in err
    if as_json:
        *devices, last = [json.loads(line) for line in out.splitlines()]
        assert last["error"] == "radio_lost"
        assert "the list is what was heard until then" in last["message"]
        assert PEER_ADDRESS in {d["address"] for d in devices}
    else:
        assert PEER_ADDRESS in out and "Drop pairing-request" in out

"""Issue 17 item 1: a peer that drops the link at the Pairing Request, the Public Key or the
DHKey Check ends `pair` in words (exit 1, with and without --json), never a traceback.

Bumble fails the pairing with `asyncio.CancelledError("abort: disconnection event
occurred")`, a BaseException; the stack's seam (`pair_connection`) turns it into the
session's ConnectionLostError, and a real cancellation of the pairing stays one.

The CLI cases run a stock Bumble peripheral (`dropping_peer.py`, its own program) on a
stock Bumble controller, and `blebench pair --transport tcp-client:...` as a user runs it.
The session cases run a virtual peripheral whose SMP session does the same, in process.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from bumble import hci, smp
from bumble.device import Device

from blebench.pairing.delegate import ScriptedDelegate
from blebench.pairing.models import IoCapability, PairingOptions
from blebench.session.errors import ConnectionLostError
from blebench.session.models import ConnectionState
from blebench.sim.catalogue.base import VirtualPeripheral
from blebench.sim.catalogue.zv_camera import ZvCamera
from blebench.stack.smp_bridge import PeripheralSecurity
from blebench.stack.smp_policy import PolicySession
from tests.integration.foreign.test_foreign_peer import Controllers, Peer, run_controllers
from tests.integration.rig import sim_session, wait_until

PEER_PROGRAM = Path(__file__).with_name("dropping_peer.py")
SC_JUST_WORKS = PairingOptions(io=IoCapability.NO_INPUT_NO_OUTPUT, sc=True, bonding=True)
STEP_WORDS = {
    "pairing-request": "after the Pairing Request was sent",
    "public-key": "after the Pairing Public Key was sent",
    "dhkey-check": "after the Pairing DHKey Check was sent",
}
STEP_CODES = {
    "pairing-request": smp.CommandCode.PAIRING_REQUEST,
    "public-key": smp.CommandCode.PAIRING_PUBLIC_KEY,
    "dhkey-check": smp.CommandCode.PAIRING_DHKEY_CHECK,
}


# -- the CLI against a stock Bumble peer ---------------------------------------------------


@pytest.fixture(scope="module")
def controllers() -> Iterator[Controllers]:
    yield from run_controllers()


def start_dropping_peer(controllers: Controllers, log: Path, step: str, address: str) -> Peer:
    with open(log, "w") as stderr:
        process = subprocess.Popen(
            [sys.executable, str(PEER_PROGRAM), "--hci",
             f"tcp-client:127.0.0.1:{controllers.theirs}", "--drop-at", step,
             "--name", f"Drop {step}", "--address", address],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr, text=True,
        )  # fmt: skip
    peer = Peer(process, log)
    threading.Thread(target=peer._read, daemon=True).start()
    return peer


@pytest.mark.slow
@pytest.mark.parametrize(
    ("step", "as_json"),
    [("pairing-request", False), ("public-key", True), ("dhkey-check", False),
     ("pairing-request", True)],
)  # fmt: skip
def test_pair_ends_in_words_when_the_peer_drops_the_link_at_an_smp_step(
    step: str, as_json: bool, controllers: Controllers, tmp_path: Path
) -> None:
    address = f"C6:22:33:44:55:{list(STEP_WORDS).index(step) + (0x10 if as_json else 0):02X}"
    peer = start_dropping_peer(controllers, tmp_path / "peer.log", step, address)
    try:
        peer.wait_for("ready")
        flags = ["--json"] if as_json else []
        paired = subprocess.run(
            [sys.executable, "-m", "blebench", "pair", "--transport", controllers.transport,
             f"Drop {step}", "--io", "no-input-no-output", "--sc", "--bond", *flags],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert peer.wait_for("dropped")["at"] == STEP_CODES[step].name
        assert paired.returncode == 1, paired.stdout + paired.stderr
        assert "Traceback" not in paired.stderr and "CancelledError" not in paired.stderr
        assert "unexpected error" not in paired.stderr
        said = f"Drop {step} disconnected during pairing, {STEP_WORDS[step]}"
        assert said in paired.stderr
        assert "Remote User Terminated Connection (HCI 0x13)" in paired.stderr
        assert "next: the device ended the link while pairing" in paired.stderr
        if as_json:
            error = json.loads(paired.stdout)
            assert error["error"] == "connection_lost"
            assert error["message"] == said
            assert error["code"]["code"] == 0x13
            assert "matrix --explain" in error["next_step"]
        else:
            assert paired.stdout == ""
    finally:
        peer.stop()


# -- the session against a virtual peer -----------------------------------------------------


def dropper(step: str) -> VirtualPeripheral:
    code = STEP_CODES[step]

    class DroppingSession(PolicySession):
        def on_smp_command(self, command: smp.SMP_Command) -> None:
            if command.code == code:
                self.connection.cancel_on_disconnection(
                    self.connection.disconnect(hci.HCI_REMOTE_USER_TERMINATED_CONNECTION_ERROR)
                )
                return
            super().on_smp_command(command)

    class Dropper(VirtualPeripheral):
        name = "Drop Lock"
        address = "C7:11:22:33:44:55"
        adv_interval_ms = 30.0

        def advertising_data(self) -> bytes:
            return bytes.fromhex("020106") + bytes([10, 0x09]) + b"Drop Lock"

        def configure(self, device: Device) -> None:
            PeripheralSecurity(options=SC_JUST_WORKS).install(device)
            device.smp_session_proxy = DroppingSession

    return Dropper()


@pytest.mark.parametrize("step", list(STEP_WORDS))
async def test_the_session_says_the_link_dropped_and_where(step: str) -> None:
    async with sim_session(dropper(step)) as session:
        with pytest.raises(ConnectionLostError) as raised:
            await session.pair("Drop Lock", SC_JUST_WORKS, ScriptedDelegate(), timeout=10)
        assert str(raised.value).startswith(f"Drop Lock disconnected during pairing, {STEP_WORDS[step]}")
        assert raised.value.code == 0x13
        info = session.connection("Drop Lock")
        assert info is None or info.state != ConnectionState.CONNECTED
        assert session.bonds.get("C7:11:22:33:44:55") is None


async def test_cancelling_a_pairing_is_still_a_cancellation() -> None:
    """The seam turns Bumble's disconnection "cancel" into words, not a real one: a pairing
    task cancelled by its owner (Ctrl-C, a pane closing) ends cancelled."""
    camera = ZvCamera()  # never answers a Secure Connections request
    async with sim_session(camera) as session:
        task = asyncio.ensure_future(
            session.pair("ZV Camera", SC_JUST_WORKS, ScriptedDelegate(), timeout=20)
        )
        await wait_until(lambda: bool(camera.security and camera.security.ignored_requests), 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert session.connection("ZV Camera") is not None

"""Issue 6: pairing works the same with a peer that is not ours.

A stock Bumble peripheral (`peer.py`: Bumble's own SMP, delegate and JSON key store), run
as its own program on a stock Bumble controller (`python -m bumble.apps.controllers`),
pairs with `blebench pair --transport tcp-client:...` run as a user runs it. For each
method (Just Works, numeric comparison, passkey entry either way, legacy), blebench's
outcome is what the matrix predicts for the same options, the peer's SMP selected the
same method, and the bond is kept: `blebench bonds` lists the peer, and the next command
reads the protected characteristic on a link encrypted with the bond, with no pairing.
"""

from __future__ import annotations

import asyncio
import json
import queue
import shlex
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from bumble import hci
from bumble.device import Device
from bumble.transport import Transport, open_transport

from blebench.commands.common import option_flags
from blebench.pairing.matrix import predict
from blebench.pairing.models import IoCapability, PairingOptions
from blebench.session.errors import ConnectFailedError, ConnectTimeoutError
from blebench.session.manager import SessionManager, SessionSettings
from tests.integration.foreign.peer import SECRET_UUID, SECRET_VALUE
from tests.integration.scan.conftest import free_port

pytestmark = pytest.mark.slow

PEER_PROGRAM = Path(__file__).with_name("peer.py")
EVENT_TIMEOUT_S = 15.0
COMMAND_TIMEOUT_S = 60.0
FADING = "C6:11:22:33:44:99"  # random static: heard, then silent


@dataclass(frozen=True, slots=True)
class Controllers:
    """A stock `bumble.apps.controllers` process: two controllers on one link, each
    served on its own TCP port (blebench's and the peer's)."""

    process: subprocess.Popen[bytes]
    ours: int
    theirs: int

    @property
    def transport(self) -> str:
        return f"tcp-client:127.0.0.1:{self.ours}"


@pytest.fixture(scope="module")
def controllers() -> Iterator[Controllers]:
    yield from run_controllers()


@pytest.fixture
def own_controllers() -> Iterator[Controllers]:
    """Controllers for one test (one that leaves them in a state no later test wants)."""
    yield from run_controllers()


def run_controllers() -> Iterator[Controllers]:
    ours, theirs = free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bumble.apps.controllers",
         f"tcp-server:127.0.0.1:{ours}", f"tcp-server:127.0.0.1:{theirs}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield Controllers(process, ours, theirs)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@dataclass(slots=True)
class Peer:
    """The foreign peer's process and the JSON events it printed."""

    process: subprocess.Popen[str]
    log: Path  # its stderr (Bumble's log), in a file: a pipe nobody reads could fill up
    events: list[dict[str, Any]] = field(default_factory=list)
    _lines: queue.Queue[str | None] = field(default_factory=queue.Queue)

    @classmethod
    def start(cls, controllers: Controllers, log: Path, *args: str) -> Peer:
        with open(log, "w") as stderr:
            process = subprocess.Popen(
                [sys.executable, str(PEER_PROGRAM),
                 "--hci", f"tcp-client:127.0.0.1:{controllers.theirs}", *args],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr, text=True,
            )  # fmt: skip
        peer = cls(process, log)
        threading.Thread(target=peer._read, daemon=True).start()
        return peer

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def wait_for(self, event: str, timeout: float = EVENT_TIMEOUT_S, **match: object) -> dict[str, Any]:
        """The first event of that kind (and fields) printed so far or within `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            for seen in self.events:
                if seen["event"] == event and all(seen.get(k) == v for k, v in match.items()):
                    return seen
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(
                    f"the peer did not report {event} {match}: {self.events}\n{self.stderr()}"
                ) from None
            if line is None:
                raise AssertionError(f"the peer exited before {event}: {self.stderr()}")
            self.events.append(json.loads(line))

    def drain(self) -> list[dict[str, Any]]:
        """Every event printed so far."""
        while True:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                return self.events
            if line is None:
                return self.events
            self.events.append(json.loads(line))

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def blebench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "blebench", *args], stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S,
    )  # fmt: skip


def options(io: IoCapability, *, mitm: bool, sc: bool) -> PairingOptions:
    return PairingOptions(io=io, mitm=mitm, sc=sc, bonding=True)


@dataclass(frozen=True, slots=True)
class Case:
    """blebench's options and extra flags against the peer's options and extra flags."""

    ours: PairingOptions
    theirs: PairingOptions
    our_flags: tuple[str, ...] = ()
    their_flags: tuple[str, ...] = ()
    # What blebench must print on stderr ({peer}: the peer's name and address).
    said: str | None = None


DO, DYN, KO, NIO, KD = (IoCapability.DISPLAY_ONLY, IoCapability.DISPLAY_YES_NO,
                        IoCapability.KEYBOARD_ONLY, IoCapability.NO_INPUT_NO_OUTPUT,
                        IoCapability.KEYBOARD_DISPLAY)  # fmt: skip
CASES = {
    "sc-just-works": Case(
        options(NIO, mitm=False, sc=True), options(NIO, mitm=False, sc=True),
        our_flags=("--confirm", "yes"),
    ),
    "sc-numeric-comparison": Case(
        options(DYN, mitm=True, sc=True), options(DYN, mitm=True, sc=True),
        our_flags=("--confirm", "yes"), their_flags=("--confirm", "yes"),
    ),
    "sc-passkey-peer-displays": Case(
        options(KO, mitm=True, sc=True), options(DO, mitm=True, sc=True),
        our_flags=("--passkey", "654321"), their_flags=("--passkey", "654321"),
        said="Typing passkey 654321",
    ),
    "sc-passkey-blebench-displays": Case(
        options(DO, mitm=True, sc=True), options(KO, mitm=True, sc=True),
        our_flags=("--passkey", "246810"), their_flags=("--type", "246810"),
        said="Type this passkey on {peer}: 246810",
    ),
    "legacy-just-works": Case(
        options(NIO, mitm=False, sc=False), options(NIO, mitm=False, sc=False),
    ),
    "legacy-passkey": Case(
        options(KD, mitm=True, sc=False), options(DO, mitm=True, sc=False),
        our_flags=("--passkey", "135790"), their_flags=("--passkey", "135790"),
        said="Typing passkey 135790",
    ),
}


def peer_flags(theirs: PairingOptions) -> list[str]:
    return ["--io", theirs.io.value] + [
        flag for flag, on in (("--mitm", theirs.mitm), ("--sc", theirs.sc),
                              ("--bond", theirs.bonding)) if on
    ]  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_pairs_with_a_foreign_peer_and_keeps_the_bond(
    name: str, controllers: Controllers, tmp_path: Path
) -> None:
    case = CASES[name]
    index = list(CASES).index(name)
    peer_name, peer_address = f"Foreign {name}", f"C6:11:22:33:44:{index:02X}"
    peer = Peer.start(
        controllers, tmp_path / "peer.log", "--name", peer_name, "--address", peer_address,
        "--keys", str(tmp_path / "peer-keys.json"), *peer_flags(case.theirs), *case.their_flags,
    )  # fmt: skip
    try:
        peer.wait_for("ready")
        paired = blebench("pair", "--transport", controllers.transport, peer_name,
                          *option_flags(case.ours), *case.our_flags, "--json")  # fmt: skip
        assert paired.returncode == 0, paired.stdout + paired.stderr
        document = json.loads(paired.stdout)
        expected = predict(case.ours, case.theirs)
        assert document["device"] == {"address": peer_address, "name": peer_name}
        assert document["outcome"] == expected.to_json()
        assert (expected.method, expected.sc, expected.bonded) == (
            document["outcome"]["method"], document["outcome"]["pairing"] == "secure-connections",
            True,
        )  # fmt: skip
        if case.said is not None:
            assert case.said.format(peer=f"{peer_name} ({peer_address})") in paired.stderr

        # The peer's own SMP saw the same pairing.
        seen = peer.wait_for("method", link=1)
        assert (seen["method"], seen["sc"]) == (expected.method, expected.sc)
        their_keys = peer.wait_for("paired", link=1)
        assert (their_keys["sc"], their_keys["authenticated"]) == (expected.sc, expected.authenticated)
        if "--passkey" in case.their_flags:  # it showed the passkey blebench typed
            shown = case.their_flags[case.their_flags.index("--passkey") + 1]
            assert peer.wait_for("display")["passkey"] == int(shown)
        if expected.method == "numeric-comparison":
            number = peer.wait_for("compared")["number"]
            assert f": {number:06d}, confirmed (--confirm)" in paired.stderr
        peer.wait_for("disconnected", link=1)

        listed = blebench("bonds", "--json")
        assert listed.returncode == 0, listed.stderr
        (bond,) = json.loads(listed.stdout)
        assert (bond["address"], bond["name"], bond["ltk"]) == (peer_address, peer_name, True)
        assert (bond["authenticated"], bond["sc"]) == (expected.authenticated, expected.sc)
        assert bond["local_address"] == their_keys["peer"]  # the identity the peer filed us under

        read = blebench("read", "--transport", controllers.transport, peer_name, SECRET_UUID,
                        "--json")  # fmt: skip
        assert read.returncode == 0, read.stdout + read.stderr
        assert bytes.fromhex(json.loads(read.stdout)["hex"]) == SECRET_VALUE
        encrypted = peer.wait_for("encrypted", link=2)
        assert encrypted["pairing_on_this_link"] is False
        peer.wait_for("read")
        peer.wait_for("disconnected", link=2)
        links = {event.get("link") for event in peer.drain() if event["event"] in ("method", "paired")}
        assert links == {1}, "the second command paired again"

        # The keys the peer keeps for us: filed under our identity, with an IRK of our own.
        kept = json.loads((tmp_path / "peer-keys.json").read_text())[peer_address]
        assert list(kept) == [bond["local_address"]]
        assert kept[bond["local_address"]]["irk"]["value"] != "00" * 16
    finally:
        peer.stop()


async def test_a_connection_the_stock_controller_did_not_cancel_is_said_in_words(
    own_controllers: Controllers,
) -> None:
    """A device is heard, then goes silent (it stopped advertising: out of range, or a
    battery gone): the attempt times out and Bumble's software controller ignores the
    cancel, so it refuses every later LE Create Connection (0x0C). The user hears the
    timeout and what to do, not "stop the running procedure".

    The session is driven in-process (what `blebench read` runs, and its errors are the
    CLI's JSON objects) so that the device goes silent exactly between being heard and
    the connection: an address nobody was heard at ends before any connect (bleak's
    semantics: looked for first)."""
    # The app opens its transports in order: once the second listens, so does the first.
    transport = await _transport_when_listening(own_controllers.theirs, own_controllers.process)
    try:
        fading = Device.with_hci(
            "fading peer", hci.Address(FADING), transport.source, transport.sink
        )
        await fading.power_on()
        await fading.start_advertising(advertising_interval_min=20)
        session = await SessionManager.open(
            SessionSettings(transport=own_controllers.transport, user_devices=False)
        )
        try:
            await session.start_scan(active=True)
            for _ in range(400):
                if session.device(FADING) is not None:
                    break
                await asyncio.sleep(0.025)
            await session.stop_scan()
            assert session.device(FADING) is not None, "the device was never heard"
            await fading.stop_advertising()  # silent from now on: nothing to connect to

            with pytest.raises(ConnectTimeoutError) as first:
                await session.connect(FADING, timeout=1)
            error = first.value.to_json()
            assert error["error"] == "connect_timeout"
            assert "the retry was refused (Command Disallowed, HCI 0x0C)" in error["message"]
            assert "reset it" in error["next_step"]

            # The controller is still busy with the first attempt.
            with pytest.raises(ConnectFailedError) as again:
                await session.connect(FADING, timeout=1)
            error = again.value.to_json()
            assert (error["error"], error["code"]["code"]) == ("connect_failed", 0x0C)
            assert "did not cancel" in error["next_step"]
            assert "Stop the running" not in again.value.describe()
        finally:
            await session.close()
    finally:
        await transport.close()


async def _transport_when_listening(port: int, process: subprocess.Popen[bytes]) -> Transport:
    """The transport to `port` once the stock controller listens (no probe connections:
    its TCP server has one sink, and a probe's late disconnection would detach us)."""
    for _ in range(400):
        if process.poll() is not None:
            raise AssertionError("bumble.apps.controllers exited")
        try:
            return await open_transport(f"tcp-client:127.0.0.1:{port}")
        except OSError:
            await asyncio.sleep(0.025)
    raise AssertionError(f"nothing listens on {port}")


def test_a_foreign_peer_that_forgot_the_bond_is_stale_and_the_printed_command_repairs_it(
    controllers: Controllers, tmp_path: Path
) -> None:
    """Field note 001 against a peer that is not ours: the peer is reset (a new key
    store: its flash erased); blebench says so and the exact re-pair command works."""
    name, address = "Foreign Forgetful", "C6:11:22:33:44:F0"
    theirs = ("--name", name, "--address", address, "--io", "no-input-no-output", "--sc",
              "--bond")  # fmt: skip
    peer = Peer.start(controllers, tmp_path / "peer.log", *theirs,
                      "--keys", str(tmp_path / "before-reset.json"))  # fmt: skip
    try:
        peer.wait_for("ready")
        paired = blebench("pair", "--transport", controllers.transport, name, "--io",
                          "no-input-no-output", "--sc", "--bond", "--confirm", "yes")  # fmt: skip
        assert paired.returncode == 0, paired.stderr
        peer.wait_for("disconnected", link=1)
    finally:
        peer.stop()

    peer = Peer.start(controllers, tmp_path / "peer-reset.log", *theirs,
                      "--keys", str(tmp_path / "after-reset.json"))  # fmt: skip
    try:
        peer.wait_for("ready")
        stale = blebench("read", "--transport", controllers.transport, name, SECRET_UUID, "--json")
        assert stale.returncode == 1 and "Traceback" not in stale.stderr
        error = json.loads(stale.stdout)
        assert (error["error"], error["code"]["code"]) == ("stale_bond", 0x06)  # PIN or Key Missing
        command = error["repair_command"].split()
        assert command[:2] == ["blebench", "pair"] and "--repair" in command
        peer.wait_for("disconnected", link=1)

        repaired = blebench(*shlex.split(error["repair_command"])[1:], "--confirm", "yes",
                            "--json")  # fmt: skip
        assert repaired.returncode == 0, repaired.stdout + repaired.stderr
        assert json.loads(repaired.stdout)["repaired"] is True
        # `--repair` tries the kept bond first (link 2: refused, so it was stale), then
        # pairs: on that link or, when the first try dropped it, on a fresh one.
        link = peer.wait_for("paired")["link"]
        assert link in (2, 3)
        peer.wait_for("disconnected", link=link)

        read = blebench("read", "--transport", controllers.transport, name, SECRET_UUID, "--json")
        assert read.returncode == 0, read.stdout + read.stderr
        assert bytes.fromhex(json.loads(read.stdout)["hex"]) == SECRET_VALUE
        assert peer.wait_for("encrypted", link=link + 1)["pairing_on_this_link"] is False
    finally:
        peer.stop()

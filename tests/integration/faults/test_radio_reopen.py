"""Issue 17 item 1, the session's side of "offers to reopen": `SessionApi.reopen_radio()`
over a stock Bumble controller process (TCP HCI) killed mid-scan and started again on its
port. While it is gone the reopen says why in words and the radio stays lost; once it
listens again the same radio opens, the scan runs again, and a `--btsnoop` capture goes on
in a new file, the one up to the loss kept as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from blebench.session.errors import SessionError
from blebench.session.manager import SessionManager, SessionSettings
from tests.integration.faults.test_pairing_link_drop import start_dropping_peer
from tests.integration.foreign.test_foreign_peer import run_controllers
from tests.integration.rig import wait_until
from tests.ui.test_status_reopen_radio import controllers_again

pytestmark = pytest.mark.slow

FIRST_PEER = "C6:22:33:44:55:81"
SECOND_PEER = "C6:22:33:44:55:82"
BTSNOOP_HEADER = b"btsnoop\x00"


async def test_reopen_says_why_while_gone_then_opens_the_same_radio(tmp_path: Path) -> None:
    controllers = next(gen := run_controllers())
    capture = tmp_path / "cap.btsnoop"
    peers = [start_dropping_peer(controllers, tmp_path / "p1.log", "pairing-request", FIRST_PEER)]
    again_gen = None
    try:
        peers[0].wait_for("ready")
        settings = SessionSettings(transport=controllers.transport, btsnoop=capture)
        async with await SessionManager.open(settings) as session:
            await session.start_scan(active=False)
            await wait_until(lambda: session.device(FIRST_PEER) is not None, timeout=30)
            controllers.process.kill()
            controllers.process.wait(timeout=5)
            await wait_until(lambda: session.radio_lost is not None, timeout=30)
            first_capture = capture.read_bytes()
            assert first_capture.startswith(BTSNOOP_HEADER) and len(first_capture) > 100

            with pytest.raises(SessionError) as gone:
                await session.reopen_radio()
            assert f"127.0.0.1:{controllers.ours}" in str(gone.value)
            assert session.radio_lost is not None  # still lost, still reopenable

            again = next(again_gen := controllers_again(controllers))
            peers.append(start_dropping_peer(again, tmp_path / "p2.log", "public-key",
                                             SECOND_PEER))  # fmt: skip
            peers[1].wait_for("ready")
            said = await session.reopen_radio()
            assert said.startswith(f"reopened tcp-client:127.0.0.1:{controllers.ours}")
            assert said.endswith(f"the capture goes on in {tmp_path / 'cap.2.btsnoop'}")
            assert session.radio_lost is None and session.scanning
            await wait_until(lambda: session.device(SECOND_PEER) is not None, timeout=30)
            assert session.device(FIRST_PEER) is not None  # what was heard stays
        assert capture.read_bytes() == first_capture  # the capture up to the loss, untouched
        assert (tmp_path / "cap.2.btsnoop").read_bytes().startswith(BTSNOOP_HEADER)
    finally:
        for peer in peers:
            peer.stop()
        if again_gen is not None:
            again_gen.close()
        gen.close()

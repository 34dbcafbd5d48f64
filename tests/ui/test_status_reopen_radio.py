"""Issue 17 item 1 in the TUI: the radio lost, then reopened from inside the app. A stock
Bumble controller process (TCP HCI) is killed while blebench scans: the status line says
the radio was lost and names the key that reopens it, which the footer then shows. Pressed
while the controller is still gone, the key says why it cannot reopen and the radio stays
lost; once a controller listens on the same port again, the key reopens the same radio,
the scan runs again and a device heard only through the new controller is listed."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Footer

from blebench.session.manager import SessionManager, SessionSettings
from blebench.ui import settings as settings_mod
from blebench.ui.factory import make_app
from blebench.ui.status import REOPEN_KEY, StatusBar
from tests.integration.faults.test_pairing_link_drop import start_dropping_peer
from tests.integration.foreign.test_foreign_peer import Controllers, Peer, run_controllers
from tests.ui.app_harness import SIZE, table_of, wait_until

pytestmark = pytest.mark.slow

FIRST_PEER = "C6:22:33:44:55:51"
SECOND_PEER = "C6:22:33:44:55:52"  # advertises only on the controllers started again


def controllers_again(gone: Controllers) -> Iterator[Controllers]:
    """A new `bumble.apps.controllers` process on the ports of one that was killed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bumble.apps.controllers",
         f"tcp-server:127.0.0.1:{gone.ours}", f"tcp-server:127.0.0.1:{gone.theirs}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield Controllers(process, gone.ours, gone.theirs)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def footer_keys(app: object) -> str:
    footer = app.screen.query_one(Footer)  # type: ignore[attr-defined]
    return " ".join(str(child.render()) for child in footer.query("FooterKey"))


def status_said(bar: StatusBar) -> str:
    return str(bar.query_one("#status-scan").render())


def notes(app: object) -> list[str]:
    return [str(n.message) for n in app._notifications]  # type: ignore[attr-defined]  # noqa: SLF001


async def test_the_status_line_offers_to_reopen_and_the_key_reopens_the_same_radio(
    tmp_path: Path,
) -> None:
    controllers = next(gen := run_controllers())
    peers: list[Peer] = []
    again_gen: Iterator[Controllers] | None = None
    try:
        peers.append(start_dropping_peer(controllers, tmp_path / "p1.log", "pairing-request",
                                         FIRST_PEER))  # fmt: skip
        peers[0].wait_for("ready")
        session = await SessionManager.open(SessionSettings(transport=controllers.transport))
        try:
            app = make_app(settings_mod.load(), session)
            async with app.run_test(size=SIZE) as pilot:
                assert await wait_until(pilot, lambda: session.device(FIRST_PEER) is not None, 400)
                bar = app.query_one(StatusBar)
                assert "Reopen radio" not in footer_keys(app)  # only offered once lost
                controllers.process.kill()
                controllers.process.wait(timeout=5)
                assert await wait_until(pilot, lambda: bar.info.radio_lost is not None, 400)
                said = status_said(bar)
                assert said.startswith(f"✗ radio lost ({REOPEN_KEY} reopens it): ")
                assert await wait_until(pilot, lambda: "Reopen radio" in footer_keys(app))

                # Nothing listens yet: said in words, still lost, still offered.
                await pilot.press(REOPEN_KEY)
                assert await wait_until(
                    pilot, lambda: any(n.startswith("cannot reopen the radio: ") for n in notes(app)),
                    400,
                )
                failed = next(n for n in notes(app) if n.startswith("cannot reopen the radio: "))
                assert f"127.0.0.1:{controllers.ours}" in failed, failed
                assert session.radio_lost is not None
                assert "Reopen radio" in footer_keys(app)

                # The controller back on the same port, a second peer on it: reopened.
                again = next(again_gen := controllers_again(controllers))
                peers.append(start_dropping_peer(again, tmp_path / "p2.log", "public-key",
                                                 SECOND_PEER))  # fmt: skip
                peers[1].wait_for("ready")
                await pilot.press(REOPEN_KEY)
                assert await wait_until(pilot, lambda: bar.info.radio_lost is None, 400), notes(app)
                assert any(n.startswith("reopened tcp-client:127.0.0.1:") for n in notes(app))
                # The scan that ran runs again: the second peer is heard and listed.
                assert await wait_until(pilot, lambda: session.device(SECOND_PEER) is not None, 400)
                assert await wait_until(pilot, lambda: SECOND_PEER in table_of(app).rows, 100)
                assert FIRST_PEER in table_of(app).rows  # what was heard before stays
                assert status_said(bar).startswith("● scanning")
                assert await wait_until(pilot, lambda: "Reopen radio" not in footer_keys(app))
                await pilot.press("q")
        finally:
            await session.close()
    finally:
        for peer in peers:
            peer.stop()
        if again_gen is not None:
            again_gen.close()
        gen.close()

"""A legacy bond is used on the next connection (issue 6, point 4).

Regression: a Bumble peripheral (bumble 0.0.236, here the virtual ZV Camera; the same
with a stock Bumble peer over HCI, tests/integration/foreign) answers a legacy bond's
LTK request with the LTK the central distributed, not its own: every reconnection ended
in 0x3D MIC failure and blebench called the bond stale. The central now distributes the
peer's own LTK back in legacy pairing, so both lookups give the one key.
"""

from __future__ import annotations

import pytest

from blebench.pairing.delegate import ScriptedDelegate
from blebench.pairing.models import IoCapability, PairingOptions
from blebench.session import gatt
from blebench.session.manager import SessionManager, SessionSettings
from blebench.sim.catalogue.zv_camera import SHUTTER_PRESS, ZvCamera

pytestmark = pytest.mark.slow

LEGACY_JUST_WORKS = PairingOptions(io=IoCapability.NO_INPUT_NO_OUTPUT, sc=False, bonding=True)


def session_settings() -> SessionSettings:
    return SessionSettings(sim=True, peripherals=(ZvCamera(),), user_devices=False)


async def test_a_legacy_bond_encrypts_the_next_session_without_pairing() -> None:
    async with await SessionManager.open(session_settings()) as session:
        outcome = await session.pair("ZV Camera", LEGACY_JUST_WORKS, ScriptedDelegate())
        assert outcome.ok and (outcome.pairing, outcome.bonded) == ("legacy", True), outcome

    async with await SessionManager.open(session_settings()) as session:  # the next run
        assert session.world is not None
        camera = session.world.member("ZV Camera").peripheral
        assert isinstance(camera, ZvCamera)
        conn = await session.connections.connect("ZV Camera", timeout=5)
        assert conn.info().encrypted is True  # was: 0x3D MIC failure, "stale bond"
        await gatt.write(conn, "ff01", SHUTTER_PRESS.to_bytes(2, "big"))  # raises on 0x0F
        assert camera.photos_taken == 1  # FF01 needs encryption: the bond gave it

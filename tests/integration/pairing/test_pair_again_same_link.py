"""Pairing again on a link where an earlier attempt failed or timed out gives what a fresh
link gives, bond included on both sides (issue 10, item 3; first-hour review, defect 1).

The ZV Camera ignores Secure Connections requests (field note 000): the SC attempt times
out, then legacy Just Works on the same link bonds. Before the one pairing stack, the
central's timed-out SMP session ran on into the second pairing, the camera's SMP failed
(`'PolicySession' object has no attribute 'ltk'`), the central said "bonded", the camera
kept nothing, and the next connection failed with HCI 0x06.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from bumble import smp

from blebench.pairing.delegate import ScriptedDelegate
from blebench.pairing.models import IoCapability, PairingOptions
from blebench.sim.catalogue.smart_lock import LOCK_STATE, SmartLock
from blebench.sim.catalogue.zv_camera import COMMAND_UUID, SHUTTER_PRESS, ZvCamera
from blebench.stack.smp_policy import PolicySession
from tests.integration.rig import sim_session, wait_until

pytestmark = pytest.mark.slow

SMP_TIMEOUT_S = 0.4  # stands in for the spec's 30 s
SC_JUST_WORKS = PairingOptions(io=IoCapability.NO_INPUT_NO_OUTPUT, sc=True, bonding=True)
LEGACY_JUST_WORKS = SC_JUST_WORKS.with_(sc=False)


async def keys_kept_by(device: Any) -> list[str]:
    """The addresses a virtual peripheral keeps keys for (its own key store)."""
    return [name for name, _ in await device.bumble.keystore.get_all()]


async def test_zv_camera_sc_timeout_then_legacy_on_the_same_link_bonds_on_both_sides(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    camera = ZvCamera()
    async with sim_session(camera) as session:
        timed_out = await session.pair("ZV Camera", SC_JUST_WORKS, ScriptedDelegate(),
                                       timeout=SMP_TIMEOUT_S)
        failure = timed_out.failure
        assert failure is not None and failure.no_answer
        assert failure.by is None  # nobody refused: the camera went quiet
        assert "did not answer" in failure.why and "without SC" in failure.why
        assert camera.security is not None and camera.security.ignored_requests == 1
        assert session.connection("ZV Camera") is not None  # the same link, still up

        again = await session.pair("ZV Camera", LEGACY_JUST_WORKS, ScriptedDelegate(),
                                   timeout=5.0)
        assert again.ok, again.failure
        assert (again.pairing, again.method, again.bonded) == ("legacy", "just-works", True)

        # Both sides hold the bond.
        assert session.bonds.get(ZvCamera.address) is not None
        assert session.radio is not None
        await wait_until(lambda: bool(camera.security and camera.security.observers))
        assert session.radio.identity in await keys_kept_by(camera)
        assert "no attribute 'ltk'" not in caplog.text
        assert "unexpected key distribution" not in caplog.text

        # Disconnect, connect: the link encrypts with the bond (no 0x06), and the camera
        # takes a command that needs encryption.
        await session.disconnect(ZvCamera.address)
        info = await session.connect("ZV Camera", timeout=5)
        assert info.encrypted is True
        await session.write(info.address, f"{COMMAND_UUID:04x}", SHUTTER_PRESS.to_bytes(2, "big"))
        await wait_until(lambda: camera.photos_taken == 1)


async def test_a_refused_pairing_then_the_right_options_on_the_same_link_bond_on_both_sides() -> None:
    lock = SmartLock()
    async with sim_session(lock) as session:
        refused = await session.pair("Smart Lock", SC_JUST_WORKS, ScriptedDelegate())
        assert refused.failure is not None and refused.failure.code == 0x03
        assert refused.failure.by == "responder"

        options = PairingOptions(io=IoCapability.KEYBOARD_DISPLAY, mitm=True, sc=True,
                                 bonding=True)
        paired = await session.pair("Smart Lock", options, ScriptedDelegate(passkey=123456))
        assert paired.ok and paired.security_level == 4 and paired.bonded, paired.failure
        assert session.radio is not None
        assert session.radio.identity in await keys_kept_by(lock)

        await session.disconnect(SmartLock.address)
        info = await session.connect("Smart Lock", timeout=5)
        assert info.encrypted is True
        result = await session.read(info.address, LOCK_STATE)  # needs the authenticated bond
        assert result.ok and result.data == b"\x01"


async def test_pairing_twice_on_one_link_keeps_the_newest_bond_on_both_sides() -> None:
    camera = ZvCamera()
    async with sim_session(camera) as session:
        first = await session.pair("ZV Camera", LEGACY_JUST_WORKS, ScriptedDelegate())
        assert first.ok and first.bonded
        ours = session.bonds.get(ZvCamera.address)
        assert ours is not None and ours.keys.ltk_peripheral is not None
        first_key = bytes(ours.keys.ltk_peripheral.value)

        second = await session.pair("ZV Camera", LEGACY_JUST_WORKS, ScriptedDelegate())
        assert second.ok and second.bonded, second.failure
        ours = session.bonds.get(ZvCamera.address)
        assert ours is not None and ours.keys.ltk_peripheral is not None
        assert bytes(ours.keys.ltk_peripheral.value) != first_key  # a new pairing, new keys

        await session.disconnect(ZvCamera.address)
        info = await session.connect("ZV Camera", timeout=5)
        assert info.encrypted is True  # the camera took the newest key too


class FailsAtOurKeys(PolicySession):
    """A peripheral whose SMP fails when our keys arrive, after our side has finished (what
    the camera's did in the defect)."""

    def on_smp_encryption_information_command(
        self, command: smp.SMP_Encryption_Information_Command
    ) -> None:
        self.send_pairing_failed(smp.ErrorCode.UNSPECIFIED_REASON)


async def test_a_peer_whose_smp_fails_after_ours_is_not_reported_bonded() -> None:
    camera = ZvCamera()
    async with sim_session(camera) as session:
        camera.bumble.smp_session_proxy = FailsAtOurKeys
        outcome = await session.pair("ZV Camera", LEGACY_JUST_WORKS, ScriptedDelegate())
        assert outcome.failure is not None and outcome.failure.code == 0x08
        assert outcome.failure.by == "responder" and not outcome.bonded
        assert session.bonds.get(ZvCamera.address) is None  # no half a bond kept

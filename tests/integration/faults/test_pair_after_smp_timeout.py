"""Issue 10 leftover (Core Vol 3 Part H 3.4): after an SMP timeout no further SMP may run on
that link; "a new Pairing process shall only be performed when a new physical link has
been established". Pairing again after a timeout therefore makes a new link first, and
still bonds on both sides; pairing again after a refusal stays on the same link."""

from __future__ import annotations

from blebench.pairing.delegate import ScriptedDelegate
from blebench.pairing.models import IoCapability, PairingOptions
from blebench.sim.catalogue.smart_lock import SmartLock
from blebench.sim.catalogue.zv_camera import ZvCamera
from tests.integration.rig import sim_session

SC_NOIO = PairingOptions(io=IoCapability.NO_INPUT_NO_OUTPUT, sc=True, bonding=True)
LEGACY_NOIO = PairingOptions(io=IoCapability.NO_INPUT_NO_OUTPUT, sc=False, bonding=True)
LOCK_OK = PairingOptions(io=IoCapability.KEYBOARD_DISPLAY, mitm=True, sc=True, bonding=True)


async def test_pairing_again_after_an_smp_timeout_runs_on_a_new_link() -> None:
    async with sim_session(ZvCamera()) as session:
        timed_out = await session.pair("ZV Camera", SC_NOIO, ScriptedDelegate(), timeout=0.5)
        assert timed_out.failure is not None and timed_out.failure.no_answer
        old = session.connections.get("ZV Camera")
        assert old is not None and old.is_connected and old.smp_timed_out

        again = await session.pair("ZV Camera", LEGACY_NOIO, ScriptedDelegate(), timeout=5)
        assert again.ok and again.bonded, again.failure
        new = session.connections.get("ZV Camera")
        assert new is not None and new is not old and new.is_connected
        assert not old.is_connected and not new.smp_timed_out


async def test_pairing_again_after_a_refusal_stays_on_the_same_link() -> None:
    async with sim_session(SmartLock()) as session:
        refused = await session.pair("Smart Lock", SC_NOIO, ScriptedDelegate(), timeout=5)
        assert refused.failure is not None and refused.failure.code == 0x03
        link = session.connections.get("Smart Lock")
        again = await session.pair("Smart Lock", LOCK_OK, ScriptedDelegate(passkey=123456),
                                   timeout=5)
        assert again.ok, again.failure
        assert session.connections.get("Smart Lock") is link

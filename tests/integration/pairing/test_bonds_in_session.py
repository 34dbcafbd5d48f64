"""Bonds used by the session on the virtual world (issue 6, point 4; field note 001):
a NEW session encrypts with the stored LTK and pairs no more; a device that forgot its
keys is recognised (0x06 PIN or Key Missing, 0x3D MIC failure) and re-paired on request;
the Privacy Tag's changing address shows as one bonded device."""

from __future__ import annotations

from typing import Any

import pytest

from blebench.pairing.bonds import BondStore
from blebench.pairing.delegate import ScriptedDelegate
from blebench.pairing.models import IoCapability, PairingOptions
from blebench.session import gatt
from blebench.session.errors import NoBondError, StaleBondError
from blebench.session.manager import SessionManager
from blebench.sim.catalogue.privacy_tag import PrivacyTag
from blebench.sim.catalogue.smart_lock import LOCK_STATE, SmartLock
from tests.integration.rig import sim_session, wait_until

pytestmark = pytest.mark.slow

LOCK_OPTIONS = PairingOptions(io=IoCapability.KEYBOARD_DISPLAY, mitm=True, sc=True, bonding=True)
TAG_OPTIONS = PairingOptions(io=IoCapability.NO_INPUT_NO_OUTPUT, sc=True, bonding=True)
TAG_IDENTITY = PrivacyTag.address


def peripheral(session: SessionManager, name: str) -> Any:
    assert session.world is not None
    return session.world.member(name).peripheral


def smp_pdus_seen_by(device: Any) -> list[bytes]:
    """Every SMP PDU the device's SMP manager receives from now on."""
    seen: list[bytes] = []
    manager = device.smp_manager
    original = manager.on_smp_pdu

    def record(connection: Any, pdu: bytes) -> None:
        seen.append(pdu)
        original(connection, pdu)

    manager.on_smp_pdu = record
    return seen


async def pair_lock(passkey: int = 123456) -> None:
    async with sim_session(SmartLock()) as session:
        outcome = await session.pair("Smart Lock", LOCK_OPTIONS, ScriptedDelegate(passkey=passkey))
        assert outcome.ok, outcome.failure


async def test_a_new_session_encrypts_with_the_stored_bond_and_pairs_no_more() -> None:
    await pair_lock()
    bond = BondStore().get(SmartLock.address)
    assert bond is not None and bond.options == LOCK_OPTIONS  # kept for a re-pair

    async with sim_session(SmartLock()) as session:  # a new process would do the same
        lock = peripheral(session, "Smart Lock")
        smp = smp_pdus_seen_by(lock.bumble)
        assert session.radio is not None and bond.local_address == session.radio.identity
        conn = await session.connections.connect("Smart Lock", timeout=5)
        info = conn.info()
        assert info.encrypted is True
        result = await gatt.read(conn, LOCK_STATE)  # needs an authenticated bond
        assert result.ok and result.data == b"\x01"
        assert smp == []  # no Pairing Request: the stored LTK did it


async def test_forgotten_bond_is_stale_and_repaired_with_the_same_options() -> None:
    await pair_lock()
    async with sim_session(SmartLock()) as session:
        assert await peripheral(session, "Smart Lock").forget_bonds() == 1  # factory reset
        with pytest.raises(StaleBondError) as caught:
            await session.connections.connect("Smart Lock", timeout=5)
        stale = caught.value
        assert stale.code == 0x06  # PIN or Key Missing: what Bumble's peripheral answers
        assert "no longer has the bond blebench kept; it forgot or reset its keys" in str(stale)
        assert "--repair" in (stale.next_step or "")
        assert stale.to_json()["error"] == "stale_bond"

        # A wrong passkey during the re-pair loses nothing: the old bond is put back.
        failed, old = await session.repair("Smart Lock", ScriptedDelegate(passkey=111111))
        assert failed.failure is not None and failed.failure.code == 0x04
        assert old.options == LOCK_OPTIONS
        kept = session.bonds.get(SmartLock.address)
        assert kept is not None and bytes(kept.keys.ltk.value) == bytes(old.keys.ltk.value)  # type: ignore[union-attr]

        prompts = ScriptedDelegate(passkey=123456)
        outcome, _ = await session.repair("Smart Lock", prompts)
        assert outcome.ok and outcome.security_level == 4 and outcome.bonded
        assert prompts.asked("request_passkey") == [123456]  # the same options: passkey entry
        fresh = session.bonds.get(SmartLock.address)
        assert fresh is not None and fresh.name == "Smart Lock"
        assert bytes(fresh.keys.ltk.value) != bytes(old.keys.ltk.value)  # type: ignore[union-attr]

        await session.connections.disconnect("Smart Lock")
        conn = await session.connections.connect("Smart Lock", timeout=5)
        assert conn.info().encrypted and (await gatt.read(conn, LOCK_STATE)).ok


async def test_a_different_key_on_the_device_is_a_mic_failure_and_stale_too() -> None:
    await pair_lock()
    async with sim_session(SmartLock()) as session:
        world = session.world
        assert world is not None and world.bond_store is not None
        # The lock keeps a key for us that is not ours (re-flashed with another pairing).
        theirs = world.bond_store.bonds()[0]
        assert theirs.keys.ltk is not None
        theirs.keys.ltk.value = bytes(16)
        world.bond_store.put(theirs)
        with pytest.raises(StaleBondError) as caught:
            await session.connections.connect("Smart Lock", timeout=5)
        assert caught.value.code == 0x3D  # Connection Terminated due to MIC Failure
        assert "MIC" in str(caught.value)


async def test_repair_without_a_bond_says_so() -> None:
    async with sim_session(SmartLock()) as session:
        with pytest.raises(NoBondError) as caught:
            await session.repair(SmartLock.address, ScriptedDelegate(passkey=123456))
        assert "no bond" in str(caught.value)


async def test_privacy_tag_rotations_show_as_one_bonded_device_and_reconnect_encrypted() -> None:
    async with sim_session(PrivacyTag()) as session:
        outcome = await session.pair("Privacy Tag", TAG_OPTIONS, ScriptedDelegate())
        assert outcome.ok and outcome.bonded, outcome.failure
        bond = session.bonds.get(TAG_IDENTITY)
        assert bond is not None and bond.has_irk

    async with sim_session(PrivacyTag(rpa_rotate_s=2.0)) as session:
        heard: set[str] = set()

        def two_addresses_heard() -> bool:
            record = session.registry.get(TAG_IDENTITY)
            if record is not None:
                heard.add(record.address)
            return len(heard) >= 2

        await session.start_scan()
        await wait_until(two_addresses_heard, timeout=8.0)  # the tag rotated its address
        await session.stop_scan()
        tags = [r for r in session.registry if r.name == "Privacy Tag"]
        assert len(tags) == 1  # one device, not one per address
        tag = tags[0]
        assert tag.address_type == "resolvable-private" and tag.address != TAG_IDENTITY
        out = tag.to_json(session.registry.wall_offset)
        assert (out["identity_address"], out["bonded"], out["bond_name"]) == (
            TAG_IDENTITY, True, "Privacy Tag",
        )  # fmt: skip

        # Connecting by its identity reaches the address of now, and the bond encrypts it.
        smp = smp_pdus_seen_by(peripheral(session, "Privacy Tag").bumble)
        conn = await session.connections.connect(TAG_IDENTITY, timeout=5)
        assert conn.info().encrypted is True and smp == []

"""Smart Lock: passkey 123456 with Secure Connections, and what it refuses."""

from __future__ import annotations

import asyncio

import pytest
from bumble.core import UUID, ProtocolError
from bumble.hci import HCI_PIN_OR_KEY_MISSING_ERROR, HCI_Error

from blebench.sim.catalogue.smart_lock import LOCK_CONTROL, LOCK_STATE, SmartLock
from tests.integration.rig import IoCapability, Rig, RigFactory

AUTHENTICATION_REQUIREMENTS = 0x03
CONFIRM_VALUE_FAILED = 0x04
INSUFFICIENT_ENCRYPTION = 0x0F


async def pair_with_passkey(rig: Rig, lock: SmartLock, passkey: int):  # type: ignore[no-untyped-def]
    rig.pairing(io=IoCapability.DISPLAY_OUTPUT_AND_KEYBOARD_INPUT, passkey=passkey)
    connection, peer = await rig.connect(lock)
    await connection.pair()
    return connection, peer


async def test_passkey_123456_gives_sc_authenticated_bond(world: RigFactory) -> None:
    lock = SmartLock()
    rig = await world(lock)
    connection, peer = await pair_with_passkey(rig, lock, 123456)
    keys = await rig.central_keys(connection)
    # Security mode 1 level 4: Secure Connections with an authenticated (MITM) key.
    assert connection.sc and connection.is_encrypted
    assert keys is not None and keys.ltk is not None and keys.ltk.authenticated
    [state] = peer.get_characteristics_by_uuid(UUID(LOCK_STATE))
    [control] = peer.get_characteristics_by_uuid(UUID(LOCK_CONTROL))
    assert await state.read_value() == b"\x01"  # locked
    changes: asyncio.Queue[bytes] = asyncio.Queue()
    await peer.subscribe(state, changes.put_nowait)
    await control.write_value(b"\x02", with_response=True)
    assert await asyncio.wait_for(changes.get(), 2.0) == b"\x00"  # unlocked


async def test_state_unreadable_before_pairing(world: RigFactory) -> None:
    lock = SmartLock()
    rig = await world(lock)
    _, peer = await rig.connect(lock)
    [state] = peer.get_characteristics_by_uuid(UUID(LOCK_STATE))
    with pytest.raises(ProtocolError) as error:
        await state.read_value()
    assert error.value.error_code == INSUFFICIENT_ENCRYPTION


async def test_no_input_no_output_is_refused_with_0x03(world: RigFactory) -> None:
    lock = SmartLock()
    rig = await world(lock)
    rig.pairing(io=IoCapability.NO_OUTPUT_NO_INPUT)  # asks for SC + MITM, cannot give it
    connection, _ = await rig.connect(lock)
    with pytest.raises(ProtocolError) as error:
        await asyncio.wait_for(connection.pair(), 2.0)
    assert error.value.error_code == AUTHENTICATION_REQUIREMENTS


async def test_legacy_request_is_refused_with_0x03(world: RigFactory) -> None:
    lock = SmartLock()
    rig = await world(lock)
    rig.pairing(sc=False, passkey=123456)
    connection, _ = await rig.connect(lock)
    with pytest.raises(ProtocolError) as error:
        await asyncio.wait_for(connection.pair(), 2.0)
    assert error.value.error_code == AUTHENTICATION_REQUIREMENTS


async def test_wrong_passkey_is_refused_with_0x04(world: RigFactory) -> None:
    lock = SmartLock()
    rig = await world(lock)
    with pytest.raises(ProtocolError) as error:
        await asyncio.wait_for(pair_with_passkey(rig, lock, 654321), 2.0)
    assert error.value.error_code == CONFIRM_VALUE_FAILED


async def test_forgotten_bond_is_stale_for_the_central(world: RigFactory) -> None:
    lock = SmartLock()
    rig = await world(lock)
    connection, _ = await pair_with_passkey(rig, lock, 123456)
    await connection.disconnect()
    assert await lock.forget_bonds() == 1
    connection, _ = await rig.connect(lock)
    # The central still has its bond: encrypting with it fails on the lock's side.
    with pytest.raises(HCI_Error) as error:
        await asyncio.wait_for(connection.encrypt(), 2.0)
    assert error.value.error_code == HCI_PIN_OR_KEY_MISSING_ERROR
    assert not connection.is_encrypted

"""pair_connection and BondKeyStore on two real Bumble devices: bonds persist and get used."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from bumble.controller import Controller
from bumble.device import Connection, Device
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

from blebench import paths
from blebench.pairing.bonds import BondStore
from blebench.pairing.delegate import ScriptedDelegate
from blebench.pairing.models import IoCapability, PairingOptions
from blebench.stack.keystore import BondKeyStore
from blebench.stack.smp_bridge import pair_connection
from blebench.stack.smp_policy import BridgeConfig, configure_device

CENTRAL = "C0:00:00:00:00:0A"
LOCK = "C0:00:00:00:00:0B"
LOCK_OPTIONS = PairingOptions(io=IoCapability.DISPLAY_ONLY, mitm=True, sc=True, requires_mitm=True)
KD = PairingOptions(io=IoCapability.KEYBOARD_DISPLAY, mitm=True, sc=True, bonding=True)


@dataclass
class Pair:
    central: Device
    lock: Device
    lock_prompts: ScriptedDelegate

    async def connect(self) -> Connection:
        await self.lock.start_advertising(advertising_interval_min=20.0, auto_restart=False)
        return await asyncio.wait_for(self.central.connect(Address(LOCK)), 5.0)


@pytest.fixture
async def pair() -> AsyncIterator[Pair]:
    link = LocalLink()
    devices = []
    for index, address in enumerate((CENTRAL, LOCK)):
        controller = Controller(f"c{index}", link=link)
        device = Device(address=Address(address), host=Host(controller, AsyncPipeSink(controller)))
        device.irk = bytes([index + 1]) * 16
        devices.append(device)
    central, lock = devices
    central.keystore = BondKeyStore(BondStore(), local_address=CENTRAL)
    prompts = ScriptedDelegate()
    configure_device(lock, lambda _c: BridgeConfig(LOCK_OPTIONS, prompts, "central", passkey=123456))
    for device in devices:
        await device.power_on()
    yield Pair(central, lock, prompts)
    for device in devices:
        await device.power_off()


async def test_passkey_pairing_bonds_privately_and_reconnects_encrypted(pair: Pair) -> None:
    connection = await pair.connect()
    me = ScriptedDelegate(passkey=123456)
    outcome = await pair_connection(connection, KD, me, peer_name="Smart Lock")
    assert outcome.ok, outcome.failure
    assert (outcome.method, outcome.security_level, outcome.bonded) == ("passkey-entry", 4, True)
    assert (outcome.passkey_display, outcome.passkey_input) == ("responder", "initiator")
    assert me.asked("request_passkey") == [123456]
    assert pair.lock_prompts.asked("display_passkey") == [123456]

    bond = BondStore().get(LOCK)
    assert bond is not None and bond.has_ltk and bond.has_irk
    assert (bond.authenticated, bond.sc, bond.name) == (True, True, "Smart Lock")
    assert stat.S_IMODE(os.stat(paths.bonds_file()).st_mode) == 0o600

    # The Privacy Tag case: a resolvable address made with the lock's IRK resolves to the bond.
    rpa = Address.generate_private_address(pair.lock.irk).to_string(with_type_qualifier=False)
    resolved = BondStore().resolve(rpa)
    assert resolved is not None and resolved.address == LOCK

    await connection.disconnect()
    again = await pair.connect()
    smp_seen: list[bytes] = []
    pair.lock.smp_manager.on_smp_pdu = lambda c, pdu: smp_seen.append(pdu)  # type: ignore[method-assign,assignment]
    await asyncio.wait_for(again.encrypt(), 5.0)  # the stored LTK, from the bond file
    assert again.is_encrypted and smp_seen == []  # no pairing the second time


async def test_wrong_passkey_and_no_mitm_fail_in_words(pair: Pair) -> None:
    connection = await pair.connect()
    wrong = await pair_connection(connection, KD, ScriptedDelegate(passkey=111111))
    assert wrong.failure is not None and wrong.failure.code == 0x04
    assert "passkey" in wrong.failure.why.lower()
    await connection.disconnect()

    connection = await pair.connect()
    refused = await pair_connection(
        connection, PairingOptions(io=IoCapability.NO_INPUT_NO_OUTPUT, sc=True), ScriptedDelegate()
    )
    assert refused.failure is not None
    assert (refused.failure.code, refused.failure.by, refused.method) == (0x03, "responder", "just-works")
    assert BondStore().bonds() == []


async def test_pairing_without_bonding_stores_nothing(pair: Pair) -> None:
    connection = await pair.connect()
    outcome = await pair_connection(connection, KD.with_(bonding=False), ScriptedDelegate(passkey=123456))
    assert outcome.ok and not outcome.bonded
    assert BondStore().get(LOCK) is None

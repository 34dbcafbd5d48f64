"""Issue 10 leftover: a "no" at this side's own prompt (a numeric comparison, a Just Works
consent) sends Pairing Failed 0x0C Numeric Comparison Failed, as the spec has it for a user
who rejects the comparison, not Bumble's 0x04 Confirm Value Failed (a wrong passkey)."""

from __future__ import annotations

import pytest
from bumble.device import Device

from blebench.pairing.delegate import ScriptedDelegate
from blebench.pairing.models import IoCapability, PairingOptions
from blebench.sim.catalogue.base import VirtualPeripheral
from blebench.stack.smp_bridge import PeripheralSecurity
from tests.integration.rig import sim_session, wait_until

OURS = PairingOptions(io=IoCapability.DISPLAY_YES_NO, mitm=True, sc=True, bonding=True)


def peer(io: IoCapability) -> tuple[VirtualPeripheral, PeripheralSecurity]:
    security = PeripheralSecurity(options=PairingOptions(io=io, mitm=True, sc=True, bonding=True))

    class Peer(VirtualPeripheral):
        name = "Asking Peer"
        address = "C7:11:22:33:44:77"
        adv_interval_ms = 30.0

        def advertising_data(self) -> bytes:
            return bytes.fromhex("020106") + bytes([12, 0x09]) + b"Asking Peer"

        def configure(self, device: Device) -> None:
            security.install(device)

    return Peer(), security


@pytest.mark.parametrize(
    ("peer_io", "asked"),
    [(IoCapability.DISPLAY_YES_NO, "numeric comparison"),
     (IoCapability.NO_INPUT_NO_OUTPUT, "Just Works pairing")],
)  # fmt: skip
async def test_our_no_is_sent_as_numeric_comparison_failed(
    peer_io: IoCapability, asked: str
) -> None:
    device, security = peer(peer_io)
    async with sim_session(device) as session:
        outcome = await session.pair("Asking Peer", OURS,
                                     ScriptedDelegate(confirm=False, just_works=False), timeout=10)
        failure = outcome.failure
        assert failure is not None and failure.declined and failure.by == "initiator"
        assert (failure.code, failure.name) == (0x0C, "Numeric Comparison Failed")
        assert f"declined the {asked}" in failure.why

        def received() -> list[object]:
            return [pdu.fields.get("reason") for observer in security.observers.values()
                    for pdu in observer.pdus if not pdu.outgoing and pdu.name == "Pairing Failed"]

        await wait_until(lambda: bool(received()))
        assert received() == [0x0C]  # what the peer got, not 0x04

"""Issue 17 item 6: a Pairing Failed PDU with no reason byte is said to lack its reason,
never reported as reason 0x00 (Bumble parses the missing byte as 0)."""

from __future__ import annotations

from bumble import smp
from bumble.device import Device

from blebench.pairing.delegate import ScriptedDelegate
from blebench.pairing.models import IoCapability, PairingOptions
from blebench.sim.catalogue.base import VirtualPeripheral
from blebench.stack.smp_bridge import PeripheralSecurity
from blebench.stack.smp_policy import PolicySession
from tests.integration.rig import sim_session

SC_JUST_WORKS = PairingOptions(io=IoCapability.NO_INPUT_NO_OUTPUT, sc=True, bonding=True)


class TerseSession(PolicySession):
    """Answers a Pairing Request with a Pairing Failed PDU cut after its opcode."""

    def on_smp_command(self, command: smp.SMP_Command) -> None:
        if isinstance(command, smp.SMP_Pairing_Request_Command):
            self.connection.send_l2cap_pdu(smp.SMP_CID, bytes([smp.CommandCode.PAIRING_FAILED]))
            return
        super().on_smp_command(command)


class TerseLock(VirtualPeripheral):
    name = "Terse Lock"
    address = "C7:11:22:33:44:66"
    adv_interval_ms = 30.0

    def advertising_data(self) -> bytes:
        return bytes.fromhex("020106") + bytes([11, 0x09]) + b"Terse Lock"

    def configure(self, device: Device) -> None:
        PeripheralSecurity(options=SC_JUST_WORKS).install(device)
        device.smp_session_proxy = TerseSession


async def test_a_pairing_failed_without_its_reason_byte_says_the_reason_is_missing() -> None:
    async with sim_session(TerseLock()) as session:
        outcome = await session.pair("Terse Lock", SC_JUST_WORKS, ScriptedDelegate(), timeout=10)
    failure = outcome.failure
    assert failure is not None
    assert failure.name == "Pairing Failed without a reason"
    assert failure.by == "responder"
    assert "without its reason byte" in failure.why
    assert "0x00" not in failure.why and "Reserved" not in failure.name

"""SMP behaviour of the catalogue's devices: what each one accepts, refuses or ignores.

Bumble's responder accepts any pairing the IO capabilities allow; real devices are pickier.
A `SecurityPolicy` describes one device's rules and installs an SMP session subclass
(`device.smp_session_proxy`) that applies them to each Pairing Request before Bumble's
own handling:

- `ignore_secure_connections`: a Pairing Request with the SC bit gets no answer at all,
  so the initiator's SMP timer runs out (the Sony camera of field note 000);
- `require_mitm_sc`: a request that cannot give Secure Connections with MITM protection,
  from its flags or from the two IO capabilities (Core Vol 3 Part H 2.3.5.1), gets
  Pairing Failed 0x03 Authentication Requirements (the Smart Lock);
- `min_key_size`: a smaller Maximum Encryption Key Size gets 0x06 (Bumble never
  negotiates key sizes, so the policy does it);
- bonding: pairings without the Bonding flag leave no keys behind, as on real devices,
  and `is_bonded()` tells a bonded, encrypted link from a merely encrypted one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bumble import smp
from bumble.core import ProtocolError
from bumble.device import Connection, Device
from bumble.pairing import PairingConfig, PairingDelegate
from bumble.smp import AuthReq, ErrorCode, PairingMethod

logger = logging.getLogger(__name__)

IoCapability = PairingDelegate.IoCapability


class FixedPasskeyDelegate(PairingDelegate):
    """A display-only device that always shows the same passkey (printed on its label)."""

    def __init__(
        self, passkey: int, io_capability: IoCapability = IoCapability.DISPLAY_OUTPUT_ONLY
    ) -> None:
        # 000000 trips an assertion in Bumble's SMP and hangs pairing.
        if not 0 < passkey <= 999_999:
            raise ValueError(f"passkey must be 000001..999999, not {passkey:06d}")
        super().__init__(io_capability=io_capability)
        self.passkey = passkey
        self.displayed: list[int] = []

    async def generate_passkey(self) -> int:
        return self.passkey

    async def display_number(self, number: int, digits: int) -> None:
        self.displayed.append(number)


def method_for(initiator_io: int, responder_io: int, sc: bool) -> PairingMethod:
    """The association model two IO capabilities give when MITM is wanted (Core table 2.8)."""
    details = smp.Session.PAIRING_METHODS[initiator_io][responder_io]  # type: ignore[index]
    if isinstance(details, tuple) and len(details) == 2:
        details = details[1 if sc else 0]
    if isinstance(details, PairingMethod):
        return details
    method = details[0]
    assert isinstance(method, PairingMethod)
    return method


@dataclass(slots=True)
class SecurityPolicy:
    """How one virtual device answers pairing, and which of its links are bonded."""

    sc: bool = True
    mitm: bool = False
    bonding: bool = True
    io_capability: IoCapability = IoCapability.NO_OUTPUT_NO_INPUT
    passkey: int | None = None
    ignore_secure_connections: bool = False
    require_mitm_sc: bool = False
    min_key_size: int | None = None
    identity_address_type: PairingConfig.AddressType | None = None
    # Per connection handle: did the pairing on that link end in a bond?
    paired_on_link: dict[int, bool] = field(default_factory=dict)
    refusals: list[ErrorCode] = field(default_factory=list)
    ignored_requests: int = 0

    def delegate(self) -> PairingDelegate:
        if self.passkey is not None:
            return FixedPasskeyDelegate(self.passkey, self.io_capability)
        return PairingDelegate(io_capability=self.io_capability)

    def install(self, device: Device) -> None:
        """Set the device's pairing configuration and SMP session behaviour."""
        policy = self

        def factory(_connection: Connection) -> PairingConfig:
            return PairingConfig(
                sc=policy.sc,
                mitm=policy.mitm,
                bonding=policy.bonding,
                delegate=policy.delegate(),
                identity_address_type=policy.identity_address_type,
            )

        class PolicySession(_PolicySession):
            _policy = policy

        device.pairing_config_factory = factory
        device.smp_session_proxy = PolicySession

        def on_connection(connection: Connection) -> None:
            handle = connection.handle
            connection.on(
                connection.EVENT_DISCONNECTION,
                lambda *_: policy.paired_on_link.pop(handle, None),
            )

        device.on(device.EVENT_CONNECTION, on_connection)

    def refusal(self, request: smp.SMP_Pairing_Request_Command, own_io: int) -> ErrorCode | None:
        """The Pairing Failed reason for this request, or None to go on pairing."""
        if self.min_key_size is not None and (
            request.maximum_encryption_key_size < self.min_key_size
        ):
            return ErrorCode.ENCRYPTION_KEY_SIZE
        if self.require_mitm_sc:
            wants = AuthReq.SC | AuthReq.MITM
            if request.auth_req & wants != wants:
                return ErrorCode.AUTHENTICATION_REQUIREMENTS
            if method_for(request.io_capability, own_io, sc=True) == PairingMethod.JUST_WORKS:
                return ErrorCode.AUTHENTICATION_REQUIREMENTS
        return None

    async def is_bonded(self, device: Device, connection: Connection) -> bool:
        """An encrypted link whose keys this device keeps (paired with bonding now, or
        encrypted later with a stored bond)."""
        if not connection.is_encrypted:
            return False
        if connection.handle in self.paired_on_link:
            return self.paired_on_link[connection.handle]
        if device.keystore is None:
            return False
        return await device.keystore.get(str(connection.peer_address)) is not None

    async def forget_bonds(self, device: Device) -> int:
        """Drop every stored bond (as a factory reset does); returns how many."""
        if device.keystore is None:
            return 0
        count = len(await device.keystore.get_all())
        await device.keystore.delete_all()
        return count


class _PolicySession(smp.Session):
    _policy: SecurityPolicy

    def on_smp_pairing_request_command(self, command: smp.SMP_Pairing_Request_Command) -> None:
        policy = self._policy
        if policy.ignore_secure_connections and command.auth_req & AuthReq.SC:
            policy.ignored_requests += 1
            logger.info("ignoring a Secure Connections pairing request")
            self._detach()
            return
        reason = policy.refusal(command, int(self.io_capability))
        if reason is not None:
            policy.refusals.append(reason)
            self.send_pairing_failed(reason)
            self._detach()
            return
        super().on_smp_pairing_request_command(command)

    def _detach(self) -> None:
        # A refused or ignored request leaves no session behind, so a later request on
        # the same link starts afresh (Bumble ends sessions only on disconnection).
        self.on_disconnection(0)

    async def on_pairing(self) -> None:
        bonded = self.bonding
        self._policy.paired_on_link[self.connection.handle] = bonded
        await super().on_pairing()
        if not bonded:
            # Without the Bonding flag nothing is kept once the link goes (Core Vol 3
            # Part C 9.4.2); Bumble stores the keys anyway, so remove them.
            keystore = self.manager.device.keystore
            if keystore is not None:
                try:
                    await keystore.delete(str(self.connection.peer_address))
                except (KeyError, ProtocolError):
                    pass

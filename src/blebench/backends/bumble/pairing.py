"""The bridge from blebench's pairing models to Bumble's SMP.

- `BridgeDelegate`: a Bumble `PairingDelegate` that forwards every prompt to our
  `blebench.pairing.delegate.PairingDelegate` protocol (TUI modals, CLI prompts, scripts).
- `BridgeConfig`: a Bumble `PairingConfig` that carries our `PairingOptions` and an
  `SmpObserver`.
- `PolicySession`: an SMP session that applies what Bumble does not (BUMBLE-NOTES): the
  keypress flag, key-size negotiation and minimum, requires-MITM and SC-Only policies
  (answering 0x03 / 0x06), not-pairable (0x05), keypress notifications; and that records
  every SMP PDU and the encryption change (the lab's ladder, `blebench pair`'s outcome).
- `pair_connection(connection, options, delegate)`: pair an open Bumble connection and
  return a `PairingOutcome` (the session layer's Bumble client calls this).
- `BondKeyStore`: a Bumble `KeyStore` that keeps keys in blebench's `BondStore` (it lives
  in `blebench.pairing.keystore`, shared with the virtual world, and is re-exported here).

Bumble quirks handled here: passkey 000000 hangs Bumble's SMP, so we never generate it
and refuse to type it; the encryption key is never shortened by Bumble, so the key size
reported is the SMP negotiation (the smaller Maximum Encryption Key Size); a Bumble
peripheral answers a legacy bond's reconnection with the wrong LTK, so as a legacy
initiator we distribute the peer's own LTK back (`PolicySession.distribute_keys`).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bumble import smp
from bumble.core import PhysicalTransport, ProtocolError
from bumble.hci import Address
from bumble.keys import PairingKeys
from bumble.pairing import PairingConfig, PairingDelegate

from blebench.pairing.delegate import KEYPRESS_KINDS
from blebench.pairing.delegate import PairingDelegate as Prompts
from blebench.pairing.keystore import BondKeyStore, keys_from_bumble, keys_to_bumble
from blebench.pairing.matrix import policy_failure
from blebench.pairing.models import (
    Method,
    Pairing,
    PairingFailure,
    PairingOptions,
    PairingOutcome,
    Side,
    Who,
    security_level,
)

if TYPE_CHECKING:
    from bumble.device import Connection, Device

__all__ = [
    "BondKeyStore",
    "BridgeConfig",
    "BridgeDelegate",
    "PolicySession",
    "SmpObserver",
    "keys_from_bumble",
    "keys_to_bumble",
    "pair_connection",
]

logger = logging.getLogger(__name__)

SMP_TIMEOUT_S = 30.0  # Vol 3 Part H 3.4: a pairing procedure times out after 30 s

METHODS: dict[smp.PairingMethod, Method] = {
    smp.PairingMethod.JUST_WORKS: "just-works",
    smp.PairingMethod.NUMERIC_COMPARISON: "numeric-comparison",
    smp.PairingMethod.PASSKEY: "passkey-entry",
    smp.PairingMethod.OOB: "oob",
}
_PDU_WORDS = {
    "MASTER_IDENTIFICATION": "Central Identification",
    "PAIRING_DHKEY_CHECK": "Pairing DHKey Check",
    "PAIRING_KEYPRESS_NOTIFICATION": "Keypress Notification",
}
_DISPLAYS = {"display-only", "display-yes-no", "keyboard-display"}


def pdu_name(code: int) -> str:
    """`Pairing Request`, `Central Identification`, ... from Bumble's command codes."""
    try:
        name = smp.CommandCode(code).name
    except ValueError:
        return f"SMP command 0x{code:02X}"
    return _PDU_WORDS.get(name, name.replace("_", " ").title())


def auth_req_words(auth_req: int) -> list[str]:
    return [flag.name.lower() for flag in smp.AuthReq if flag.name and auth_req & flag]


def key_dist_words(dist: int) -> list[str]:
    return [
        flag.name.lower().replace("_key", "")
        for flag in smp.KeyDistribution
        if flag.name and dist & flag
    ]


@dataclass(slots=True)
class SmpPdu:
    """One SMP PDU seen by a session. `fields` never holds key material."""

    outgoing: bool
    code: int
    name: str
    fields: dict[str, Any] = field(default_factory=dict)
    at: float = 0.0


@dataclass(slots=True)
class SmpObserver:
    """What one side's SMP session did, from its own point of view."""

    pdus: list[SmpPdu] = field(default_factory=list)
    encrypted_at: int | None = None  # index into pdus where the link became encrypted
    method: Method | None = None
    we_display: bool = False
    request: dict[str, int] = field(default_factory=dict)  # io, oob, auth_req, max_key_size
    response: dict[str, int] = field(default_factory=dict)
    failure_code: int | None = None
    failure_by_us: bool | None = None
    local_failure: PairingFailure | None = None  # a policy refusal decided here
    checked: dict[str, Any] = field(
        default_factory=dict
    )  # sc, key_size as our policy check saw them

    def record(self, outgoing: bool, command: smp.SMP_Command) -> None:
        fields: dict[str, Any] = {}
        if isinstance(command, smp.SMP_Pairing_Request_Command | smp.SMP_Pairing_Response_Command):
            fields = {
                "io": _io_name(int(command.io_capability)),
                "oob": bool(command.oob_data_flag),
                "auth_req": auth_req_words(int(command.auth_req)),
                "max_key_size": int(command.maximum_encryption_key_size),
                "initiator_keys": key_dist_words(int(command.initiator_key_distribution)),
                "responder_keys": key_dist_words(int(command.responder_key_distribution)),
            }
            raw = {
                "io": int(command.io_capability),
                "oob": int(command.oob_data_flag),
                "auth_req": int(command.auth_req),
                "max_key_size": int(command.maximum_encryption_key_size),
            }
            if isinstance(command, smp.SMP_Pairing_Request_Command):
                self.request = raw
            else:
                self.response = raw
        elif isinstance(command, smp.SMP_Pairing_Failed_Command):
            fields = {
                "reason": int(command.reason),
                "reason_name": _reason_name(int(command.reason)),
            }
            if self.failure_code is None:
                self.failure_code = int(command.reason)
                self.failure_by_us = outgoing
        elif isinstance(command, smp.SMP_Identity_Address_Information_Command):
            fields = {"address": str(command.bd_addr)}
        elif isinstance(command, smp.SMP_Pairing_Keypress_Notification_Command):
            fields = {"kind": _keypress_kind(int(command.notification_type))}
        self.pdus.append(
            SmpPdu(
                outgoing,
                int(command.code),
                pdu_name(int(command.code)),
                fields,
                asyncio.get_running_loop().time(),
            )
        )

    @property
    def sc(self) -> bool:
        if not self.response and "sc" in self.checked:
            return bool(self.checked["sc"])  # refused at the request: what it would have been
        if not self.response:
            # Refused before any Pairing Response (or none came): what was asked for is
            # what was attempted, never "legacy" for a request that set SC.
            return bool(self.request.get("auth_req", 0) & smp.AuthReq.SC)
        return bool(
            self.request.get("auth_req", 0) & self.response.get("auth_req", 0) & smp.AuthReq.SC
        )

    @property
    def bonding(self) -> bool:
        return bool(
            self.request.get("auth_req", 0) & self.response.get("auth_req", 0) & smp.AuthReq.BONDING
        )

    @property
    def keypress(self) -> bool:
        return bool(
            self.request.get("auth_req", 0)
            & self.response.get("auth_req", 0)
            & smp.AuthReq.KEYPRESS
        )

    @property
    def key_size(self) -> int:
        if not self.response and "key_size" in self.checked:
            return int(self.checked["key_size"])
        sizes = [d["max_key_size"] for d in (self.request, self.response) if "max_key_size" in d]
        return min(sizes) if sizes else 0


def _io_name(code: int) -> str:
    from blebench.pairing.models import IoCapability

    try:
        return IoCapability.from_code(code).value
    except ValueError:
        return f"reserved 0x{code:02X}"


def _reason_name(code: int) -> str:
    from blebench.decode.codes import smp_error

    return smp_error(code).name


def _keypress_kind(value: int) -> str:
    return KEYPRESS_KINDS[value] if 0 <= value < len(KEYPRESS_KINDS) else f"reserved {value}"


def random_passkey() -> int:
    """A passkey in 1..999999: Bumble's SMP hangs on 000000 (BUMBLE-NOTES)."""
    return 1 + secrets.randbelow(999_999)


class BridgeDelegate(PairingDelegate):
    """Bumble's prompts, forwarded to our delegate protocol."""

    def __init__(
        self, options: PairingOptions, prompts: Prompts, peer: str, *, passkey: int | None = None
    ) -> None:
        super().__init__(
            io_capability=PairingDelegate.IoCapability(options.io.code),
            maximum_encryption_key_size=options.max_key_size,
        )
        self.prompts = prompts
        self.peer = peer
        self.passkey = passkey

    async def accept(self) -> bool:
        return True  # the pairable policy is applied by PolicySession, with its own reason

    async def confirm(self, auto: bool = False) -> bool:
        return await self.prompts.confirm_just_works(self.peer)

    async def compare_numbers(self, number: int, digits: int) -> bool:
        return await self.prompts.confirm_numeric(self.peer, number)

    async def get_number(self) -> int | None:
        passkey = await self.prompts.request_passkey(self.peer)
        if passkey is None:
            return None
        if not 0 < passkey <= 999_999:
            # 000000 would hang Bumble's SMP; out-of-range numbers are not passkeys.
            logger.warning("passkey %06d refused: Bumble cannot pair with it", passkey)
            return None
        return passkey

    async def generate_passkey(self) -> int:
        return self.passkey if self.passkey else random_passkey()

    async def display_number(self, number: int, digits: int) -> None:
        await self.prompts.display_passkey(self.peer, number)


class BridgeConfig(PairingConfig):
    """A Bumble PairingConfig that carries our options and an observer for PolicySession."""

    def __init__(
        self,
        options: PairingOptions,
        prompts: Prompts,
        peer: str,
        *,
        passkey: int | None = None,
        observer: SmpObserver | None = None,
        oob: PairingConfig.OobConfig | None = None,
        identity_address_type: PairingConfig.AddressType | None = None,
    ) -> None:
        super().__init__(
            sc=options.sc,
            mitm=options.mitm,
            bonding=options.bonding,
            delegate=BridgeDelegate(options, prompts, peer, passkey=passkey),
            identity_address_type=identity_address_type,
            oob=oob,
        )
        self.options = options
        self.prompts = prompts
        self.peer = peer
        self.observer = observer or SmpObserver()


class PolicySession(smp.Session):
    """Bumble's SMP session plus our policies, the keypress flag and a PDU record.

    Sessions made from a plain PairingConfig (not a BridgeConfig) behave as stock Bumble.
    """

    def __init__(
        self,
        manager: smp.Manager,
        connection: Connection,
        pairing_config: PairingConfig,
        is_initiator: bool,
    ) -> None:
        super().__init__(manager, connection, pairing_config, is_initiator)
        self.bridge = pairing_config if isinstance(pairing_config, BridgeConfig) else None
        if self.bridge is not None:
            self.keypress = self.bridge.options.keypress
        if not hasattr(self, "tk"):
            # Bumble leaves TK unset for an SC OOB config without legacy data; legacy
            # Just Works then crashes. The spec's TK for Just Works is zero.
            self.tk = bytes(16)

    # -- recording ----------------------------------------------------------------
    def send_command(self, command: smp.SMP_Command) -> None:
        if self.bridge is not None:
            self.bridge.observer.record(True, command)
        super().send_command(command)

    def on_smp_command(self, command: smp.SMP_Command) -> None:
        if self.bridge is not None:
            self.bridge.observer.record(False, command)
            if isinstance(command, smp.SMP_Pairing_Keypress_Notification_Command):
                kind = _keypress_kind(int(command.notification_type))
                if kind in KEYPRESS_KINDS:
                    self.connection.cancel_on_disconnection(
                        self.bridge.prompts.keypress(self.bridge.peer, kind)
                    )
                return
        super().on_smp_command(command)

    def on_connection_encryption_change(self) -> None:
        if self.bridge is not None and self.connection.is_encrypted and not self.completed:
            if self.bridge.observer.encrypted_at is None:
                self.bridge.observer.encrypted_at = len(self.bridge.observer.pdus)
        super().on_connection_encryption_change()

    def decide_pairing_method(
        self, auth_req: int, initiator_io_capability: int, responder_io_capability: int
    ) -> None:
        super().decide_pairing_method(auth_req, initiator_io_capability, responder_io_capability)
        if not self.sc:
            # Not OOB after all: legacy Just Works uses TK = 0 (passkey entry sets its
            # own TK later), never the OOB TK Bumble loaded from the config.
            self.tk = bytes(16)
        self._note_method()

    def distribute_keys(self) -> None:
        if (
            self.bridge is not None
            and self.is_initiator
            and not self.sc
            and self.peer_ltk is not None
            and self.connection.transport == PhysicalTransport.LE
        ):
            # Legacy pairing: the central encrypts later links with the LTK the peripheral
            # distributed (spec). A Bumble peripheral (0.0.236; google/bumble PR #890)
            # answers with the LTK the central distributed instead: MIC failure on every
            # reconnection. Distributing its own LTK, EDIV and Rand back makes both
            # lookups give the one key; a peer that looks its key up right is unaffected.
            self.ltk = self.peer_ltk
            self.ltk_ediv = self.peer_ediv if self.peer_ediv is not None else 0
            self.ltk_rand = self.peer_rand if self.peer_rand is not None else bytes(8)
        super().distribute_keys()

    def _note_method(self) -> None:
        if self.bridge is not None:
            self.bridge.observer.method = METHODS.get(self.pairing_method)
            self.bridge.observer.we_display = bool(self.passkey_display)

    # -- policies -----------------------------------------------------------------
    def send_pairing_request_command(self) -> None:
        if self.bridge is not None and not self.bridge.options.pairable:
            refusal = policy_failure("initiator", self.bridge.options, False, False, 16)
            assert refusal is not None  # not pairable always refuses
            self._refuse(refusal, send=False)
            return
        super().send_pairing_request_command()

    async def on_smp_pairing_request_command_async(
        self, command: smp.SMP_Pairing_Request_Command
    ) -> None:
        if self.bridge is not None:
            failure = self._check(command, side="responder")
            if failure is not None:
                self._refuse(failure, send=True)
                return
        await super().on_smp_pairing_request_command_async(command)
        if self.pairing_method == smp.PairingMethod.OOB:
            self._note_method()

    def on_smp_pairing_response_command(self, command: smp.SMP_Pairing_Response_Command) -> None:
        if self.bridge is not None and self.is_initiator:
            failure = self._check(command, side="initiator")
            if failure is not None:
                self.pres = bytes(command)
                self._refuse(failure, send=True)
                return
        super().on_smp_pairing_response_command(command)
        if self.pairing_method == smp.PairingMethod.OOB:
            self._note_method()

    def _check(
        self,
        peer_pdu: smp.SMP_Pairing_Request_Command | smp.SMP_Pairing_Response_Command,
        side: Side,
    ) -> PairingFailure | None:
        """Our side's policies against what the peer's PDU and Bumble's selection give."""
        assert self.bridge is not None
        options = self.bridge.options
        sc = self.sc and bool(peer_pdu.auth_req & smp.AuthReq.SC)
        peer_oob = peer_pdu.oob_data_flag != 0
        if (sc and (self.oob_data_flag != 0 or peer_oob)) or (
            not sc and self.oob_data_flag != 0 and peer_oob
        ):
            authenticated = True  # OOB
        else:
            # Bumble's own selection; the stock handler repeats it with the same inputs.
            saved = self.sc
            self.sc = sc
            if side == "responder":
                self.decide_pairing_method(
                    peer_pdu.auth_req, peer_pdu.io_capability, self.io_capability
                )
            else:
                self.decide_pairing_method(
                    peer_pdu.auth_req, self.io_capability, peer_pdu.io_capability
                )
            self.sc = saved
            authenticated = self.pairing_method != smp.PairingMethod.JUST_WORKS
        key_size = min(int(peer_pdu.maximum_encryption_key_size), options.max_key_size)
        self.bridge.observer.checked = {"sc": sc, "key_size": key_size}
        if authenticated and self.pairing_method == smp.PairingMethod.JUST_WORKS:
            self.bridge.observer.method = "oob"
        return policy_failure(side, options, sc, authenticated, key_size)

    def _refuse(self, failure: PairingFailure, *, send: bool) -> None:
        assert self.bridge is not None
        self.bridge.observer.local_failure = failure
        if send:
            self.send_pairing_failed(smp.ErrorCode(failure.code))
        else:
            self.bridge.observer.failure_code = failure.code
            self.bridge.observer.failure_by_us = True
            self.on_pairing_failure(smp.ErrorCode(failure.code))


def use_policy_sessions(device: Device) -> None:
    """Make `device` run PolicySession for every SMP session (idempotent)."""
    if not issubclass(device.smp_session_proxy, PolicySession):
        device.smp_session_proxy = PolicySession


def configure_device(
    device: Device,
    factory: Callable[[Connection], PairingConfig],
) -> None:
    use_policy_sessions(device)
    device.pairing_config_factory = factory


def peer_text(connection: Connection, name: str | None = None) -> str:
    address = str(connection.peer_address)
    return f"{name} ({address})" if name else address


def outcome_from(
    observer: SmpObserver,
    *,
    initiator: bool,
    peer_io: str | None,
    authenticated: bool | None,
    error: PairingFailure | None,
) -> PairingOutcome:
    """The observed outcome of one side's session."""
    method: Method = observer.method or "just-works"
    us: Side = "initiator" if initiator else "responder"
    them: Side = "responder" if initiator else "initiator"
    display: Who = "none"
    typing: Who = "none"
    if method == "passkey-entry":
        if observer.we_display:
            display, typing = us, them
        elif peer_io in _DISPLAYS:
            display, typing = them, us
        else:
            typing = "both"
    elif method == "numeric-comparison":
        display = "both"
    sc = observer.sc
    key_size = observer.key_size
    keypress = method == "passkey-entry" and observer.keypress
    pairing: Pairing = "secure-connections" if sc else "legacy"
    if error is not None:
        return PairingOutcome(
            pairing=pairing,
            method=method,
            passkey_display=display,
            passkey_input=typing,
            authenticated=False,
            security_level=1,
            key_size=key_size,
            bonded=False,
            keypress=keypress,
            failure=error,
        )
    auth = bool(authenticated) if authenticated is not None else method != "just-works"
    return PairingOutcome(
        pairing=pairing,
        method=method,
        passkey_display=display,
        passkey_input=typing,
        authenticated=auth,
        security_level=security_level(encrypted=True, authenticated=auth, sc=sc, key_size=key_size),
        key_size=key_size,
        bonded=observer.bonding,
        keypress=keypress,
    )


def failure_from(observer: SmpObserver, error: BaseException, *, initiator: bool) -> PairingFailure:
    """Turn what ended a pairing into a PairingFailure in words."""
    us: Side = "initiator" if initiator else "responder"
    them: Side = "responder" if initiator else "initiator"
    if observer.local_failure is not None:
        return observer.local_failure
    if isinstance(error, ProtocolError) and isinstance(error.error_code, int):
        from blebench.decode.codes import smp_error

        code = int(error.error_code)
        explained = smp_error(code)
        by: Side | None = None
        if observer.failure_code == code and observer.failure_by_us is not None:
            by = us if observer.failure_by_us else them
        why = explained.meaning
        if explained.next_step:
            why = f"{why} {explained.next_step}"
        return PairingFailure(code=code, name=explained.name, why=why, by=by)
    if isinstance(error, TimeoutError):
        return PairingFailure(
            code=0,
            name="Timeout",
            why="The peer stopped answering SMP before pairing completed (the SMP timeout is "
            "30 s). Some devices ignore a Secure Connections request: try without SC "
            "(legacy pairing), or check the matrix for a combination the peer supports.",
            by=them,
        )
    return PairingFailure(
        code=0, name=type(error).__name__, why=f"Pairing stopped: {error}.", by=None
    )


async def pair_connection(
    connection: Connection,
    options: PairingOptions,
    delegate: Prompts,
    *,
    passkey: int | None = None,
    peer_name: str | None = None,
    timeout: float = SMP_TIMEOUT_S,
) -> PairingOutcome:
    """Pair an open Bumble LE connection with our options; never raises for a pairing failure.

    `passkey` is what this side shows when it is the one that displays (else a random
    one, never 000000). The peer's keys go to the device's key store (a `BondKeyStore`
    when the caller set one), and are removed again when the pairing did not bond.
    """
    device = connection.device
    observer = SmpObserver()
    previous = device.pairing_config_factory
    peer = peer_text(connection, peer_name)
    config = BridgeConfig(
        options,
        delegate,
        peer,
        passkey=passkey,
        observer=observer,
        identity_address_type=identity_type_of(connection),
    )

    def factory(conn: Connection) -> PairingConfig:
        return config if conn is connection else previous(conn)

    configure_device(device, factory)
    keys_seen: list[PairingKeys] = []
    connection.on(connection.EVENT_PAIRING, keys_seen.append)
    initiator = connection.role == 0  # hci.Role.CENTRAL
    error: PairingFailure | None = None
    try:
        if initiator:
            await asyncio.wait_for(connection.pair(), timeout)
        else:
            # A peripheral asks the central to pair (Security Request) and waits for it.
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

            def paired(*_: object) -> None:
                if not done.done():
                    done.set_result(None)

            def failed(reason: int) -> None:
                if not done.done():
                    done.set_exception(ProtocolError(reason, "smp", smp.ErrorCode(reason).name))

            connection.once(connection.EVENT_PAIRING, paired)
            connection.once(connection.EVENT_PAIRING_FAILURE, failed)
            connection.request_pairing()
            await asyncio.wait_for(done, timeout)
    except (ProtocolError, TimeoutError) as err:
        error = failure_from(observer, err, initiator=initiator)
    except Exception as err:  # noqa: BLE001 - disconnection and the like, reported in words
        error = failure_from(observer, err, initiator=initiator)
    finally:
        connection.remove_listener(connection.EVENT_PAIRING, keys_seen.append)
        device.pairing_config_factory = previous

    authenticated = _keys_authenticated(keys_seen[-1]) if keys_seen else None
    peer_io = observer.response.get("io") if initiator else observer.request.get("io")
    outcome = outcome_from(
        observer,
        initiator=initiator,
        peer_io=_io_name(peer_io) if peer_io is not None else None,
        authenticated=authenticated,
        error=error,
    )
    await _settle_bond(device, connection, outcome, peer_name, options)
    return outcome


def identity_type_of(connection: Connection) -> PairingConfig.AddressType:
    """The identity we distribute is the address this link runs on. Bumble would send
    the controller's public address whenever there is one, even on a link made from our
    random static address; the peer then files the bond under an address we never
    connect from, and the next encryption finds no key (PIN or Key Missing)."""
    if connection.self_address.address_type == Address.PUBLIC_DEVICE_ADDRESS:
        return PairingConfig.AddressType.PUBLIC
    return PairingConfig.AddressType.RANDOM


def _keys_authenticated(keys: PairingKeys) -> bool | None:
    for key in (keys.ltk, keys.ltk_central, keys.ltk_peripheral):
        if key is not None:
            return bool(key.authenticated)
    return None


async def _settle_bond(
    device: Device,
    connection: Connection,
    outcome: PairingOutcome,
    name: str | None,
    options: PairingOptions,
) -> None:
    keystore = device.keystore
    if keystore is None or not outcome.ok:
        return
    address = str(connection.peer_address)
    if not outcome.bonded:
        await keystore.delete(address)  # Bumble stores keys even without the bonding flags
        return
    if isinstance(keystore, BondKeyStore):
        keystore.store.annotate(
            address,
            authenticated=outcome.authenticated,
            sc=outcome.sc,
            key_size=outcome.key_size,
            name=name,
            options=options,
        )

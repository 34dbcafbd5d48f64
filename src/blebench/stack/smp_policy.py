"""The one SMP session blebench runs, on the central and on every virtual peripheral.

- `BridgeDelegate`: a Bumble `PairingDelegate` that forwards every prompt to our
  `blebench.pairing.delegate.PairingDelegate` protocol (TUI modals, CLI prompts, scripts,
  the lab's people, a virtual device's own "user").
- `BridgeConfig`: a Bumble `PairingConfig` that carries our `PairingOptions`, the device's
  `Quirks` and an `SmpObserver`.
- `PolicySession`: an SMP session that applies what Bumble does not (BUMBLE-NOTES): the
  keypress flag, key-size negotiation and minimum, requires-MITM and SC-Only policies
  (answering 0x03 / 0x06), not-pairable (0x05), keypress notifications, the quirks of
  picky devices (a Secure Connections request left unanswered, a request refused for its
  flags); it records every SMP PDU and the encryption change (the lab's ladder,
  `blebench pair`'s outcome), removes the keys of a pairing without bonding, and starts a
  fresh session for each new pairing on a link.

Bumble keeps one session per link and never ends it before the disconnection. A pairing
that failed or timed out therefore left its session behind: on the initiator it still
listened to the link's encryption and distributed its own (Secure Connections) keys in the
middle of the next, legacy pairing; on the responder a new Pairing Request went to the
finished session, which never stored the keys. Both sides now end a stale session before
the next pairing (`end_session`, `PolicySession.on_smp_command`), so pairing again on a link
gives what a fresh link gives, bond included on both sides.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bumble import smp
from bumble.core import PhysicalTransport, ProtocolError
from bumble.pairing import PairingConfig, PairingDelegate

from blebench.decode.codes import smp_error
from blebench.pairing.delegate import KEYPRESS_KINDS
from blebench.pairing.delegate import PairingDelegate as Prompts
from blebench.pairing.matrix import policy_failure
from blebench.pairing.models import (
    IoCapability,
    Method,
    PairingFailure,
    PairingOptions,
    Side,
)

if TYPE_CHECKING:
    from bumble.device import Connection, Device

logger = logging.getLogger(__name__)

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


def io_name(code: int) -> str:
    try:
        return IoCapability.from_code(code).value
    except ValueError:
        return f"reserved 0x{code:02X}"


def reason_name(code: int) -> str:
    return smp_error(code).name


def keypress_kind(value: int) -> str:
    return KEYPRESS_KINDS[value] if 0 <= value < len(KEYPRESS_KINDS) else f"reserved {value}"


def random_passkey() -> int:
    """A passkey in 1..999999: Bumble's SMP hangs on 000000 (BUMBLE-NOTES)."""
    return 1 + secrets.randbelow(999_999)


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
    declined: str | None = None  # the prompt this side's user said no to ("the Just Works pairing")
    checked: dict[str, Any] = field(
        default_factory=dict
    )  # sc, key_size as our policy check saw them
    bonded: bool | None = None  # set when the pairing completed: were the keys kept?
    # The peer's Pairing Failed had no reason byte (Bumble reads it as 0x00, a reserved code).
    reason_missing: bool = False
    # Called after each PDU and the encryption change (a live ladder); never lets a fault
    # of the watcher into SMP.
    watch: Callable[[], None] | None = None

    def changed(self) -> None:
        if self.watch is not None:
            try:
                self.watch()
            except Exception:  # noqa: BLE001 - a face's display must not break pairing
                logger.exception("the live ladder's watcher failed")

    def record(self, outgoing: bool, command: smp.SMP_Command) -> None:
        fields: dict[str, Any] = {}
        if isinstance(command, smp.SMP_Pairing_Request_Command | smp.SMP_Pairing_Response_Command):
            fields = {
                "io": io_name(int(command.io_capability)),
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
            missing = not outgoing and not command.payload
            fields = {
                "reason": None if missing else int(command.reason),
                "reason_name": "missing (no reason byte)" if missing
                else reason_name(int(command.reason)),
            }
            if self.failure_code is None:
                self.failure_code = int(command.reason)
                self.failure_by_us = outgoing
                self.reason_missing = missing
        elif isinstance(command, smp.SMP_Identity_Address_Information_Command):
            fields = {"address": str(command.bd_addr)}
        elif isinstance(command, smp.SMP_Pairing_Keypress_Notification_Command):
            fields = {"kind": keypress_kind(int(command.notification_type))}
        self.pdus.append(
            SmpPdu(
                outgoing,
                int(command.code),
                pdu_name(int(command.code)),
                fields,
                asyncio.get_running_loop().time(),
            )
        )
        self.changed()

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


@dataclass(slots=True)
class Quirks:
    """What a picky device does beyond the spec's policies (the catalogue's devices).

    One instance is shared by every session of a device, so its counters add up.
    """

    ignore_secure_connections: bool = False  # a request with the SC bit gets no answer
    #   at all, so the initiator's SMP timer runs out (the Sony camera of field note 000)
    require_mitm_flag: bool = False  # a request without the MITM flag gets 0x03, whatever
    #   the two IO capabilities would allow (the Smart Lock)
    ignored_requests: int = 0


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
        self.observer: SmpObserver | None = None  # set by BridgeConfig: where a "no" is noted

    def _declined(self, what: str) -> None:
        # Our user said no (PolicySession sends 0x0C for it, stock Bumble 0x04): noted,
        # so the words say it was our refusal, not the peer's or a wrong passkey.
        if self.observer is not None:
            self.observer.declined = what

    async def accept(self) -> bool:
        return True  # the pairable policy is applied by PolicySession, with its own reason

    async def confirm(self, auto: bool = False) -> bool:
        if self.io_capability == PairingDelegate.IoCapability.NO_OUTPUT_NO_INPUT:
            # This side has no input: nobody here could answer, so Just Works is accepted
            # without asking (the face says so; MITM protection there is none).
            return True
        accepted = await self.prompts.confirm_just_works(self.peer)
        if not accepted:
            self._declined("the Just Works pairing")
        return accepted

    async def compare_numbers(self, number: int, digits: int) -> bool:
        same = await self.prompts.confirm_numeric(self.peer, number)
        if not same:
            self._declined("the numeric comparison")
        return same

    async def get_number(self) -> int | None:
        passkey = await self.prompts.request_passkey(self.peer)
        if passkey is None:
            self._declined("the passkey request")
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
    """A Bumble PairingConfig that carries our options, quirks and an observer."""

    def __init__(
        self,
        options: PairingOptions,
        prompts: Prompts,
        peer: str,
        *,
        passkey: int | None = None,
        observer: SmpObserver | None = None,
        quirks: Quirks | None = None,
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
        if isinstance(self.delegate, BridgeDelegate):
            self.delegate.observer = self.observer
        self.quirks = quirks or Quirks()


class PolicySession(smp.Session):
    """Bumble's SMP session plus our policies, quirks, the keypress flag and a PDU record.

    Sessions made from a plain PairingConfig (not a BridgeConfig) behave as stock Bumble,
    except that a new pairing on a link always gets a fresh session.
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
        self.ended = False
        self.started = False  # a Pairing Request was sent or handled
        if self.bridge is not None:
            self.keypress = self.bridge.options.keypress
        if not hasattr(self, "tk"):
            # Bumble leaves TK unset for an SC OOB config without legacy data; legacy
            # Just Works then crashes. The spec's TK for Just Works is zero.
            self.tk = bytes(16)

    # -- one session per pairing --------------------------------------------------
    def end(self) -> None:
        """Stop listening to the link and leave the manager: a later pairing on this link
        starts afresh (Bumble ends sessions only on disconnection)."""
        if self.ended:
            return
        self.ended = True
        if self.pairing_result is not None and not self.pairing_result.done():
            self.pairing_result.cancel()
        self.on_disconnection(0)

    def _fresh_session_for(self, command: smp.SMP_Pairing_Request_Command) -> None:
        """A new Pairing Request on a link whose session already paired, failed or began:
        end this one and let a new session (from the device's factory) answer it."""
        manager, connection = self.manager, self.connection
        self.end()
        config = manager.pairing_config_factory(connection)
        session = manager.session_proxy(manager, connection, config, is_initiator=False)
        manager.sessions[connection.handle] = session
        session.on_smp_command(command)

    # -- recording ----------------------------------------------------------------
    def send_command(self, command: smp.SMP_Command) -> None:
        if self.bridge is not None:
            self.bridge.observer.record(True, command)
        super().send_command(command)

    def on_smp_command(self, command: smp.SMP_Command) -> None:
        if isinstance(command, smp.SMP_Pairing_Request_Command) and not self.is_initiator:
            if self.completed or self.started:
                self._fresh_session_for(command)
                return
        if self.bridge is not None:
            self.bridge.observer.record(False, command)
            if isinstance(command, smp.SMP_Pairing_Keypress_Notification_Command):
                kind = keypress_kind(int(command.notification_type))
                if kind in KEYPRESS_KINDS:
                    self.connection.cancel_on_disconnection(
                        self.bridge.prompts.keypress(self.bridge.peer, kind)
                    )
                return
        super().on_smp_command(command)

    # -- our user's "no" ------------------------------------------------------------
    # Bumble answers a refused Just Works confirmation or numeric comparison with 0x04
    # Confirm Value Failed, which a peer (and its user) reads as a wrong passkey. The
    # spec's reason for a user who says the numbers differ is 0x0C Numeric Comparison
    # Failed (Core Vol 3 Part H 3.5.5); a refused Just Works consent has no reason of its
    # own, and 0x0C is the nearest (what Android's stack sends too).

    def prompt_user_for_confirmation(self, next_steps: Callable[[], None]) -> None:
        self._prompt(self.pairing_config.delegate.confirm(), next_steps, "confirm")

    def prompt_user_for_numeric_comparison(
        self, code: int, next_steps: Callable[[], None]
    ) -> None:
        self._prompt(
            self.pairing_config.delegate.compare_numbers(code, digits=6), next_steps,
            "numeric comparison",
        )

    def _prompt(
        self, answer: Coroutine[Any, Any, bool], next_steps: Callable[[], None], what: str
    ) -> None:
        async def prompt() -> None:
            try:
                if await answer:
                    next_steps()
                    return
            except Exception:  # noqa: BLE001 - Bumble's own prompt logs and refuses too
                logger.exception("the %s prompt failed", what)
            self.send_pairing_failed(smp.ErrorCode.NUMERIC_COMPARISON_FAILED)

        self.connection.cancel_on_disconnection(prompt())

    def on_connection_encryption_change(self) -> None:
        if self.bridge is not None and self.connection.is_encrypted and not self.completed:
            if self.bridge.observer.encrypted_at is None:
                self.bridge.observer.encrypted_at = len(self.bridge.observer.pdus)
                self.bridge.observer.changed()
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

    async def on_pairing(self) -> None:
        if self.completed or self.ended:
            return
        bonded = bool(self.bonding)
        await super().on_pairing()
        if self.bridge is None:
            return
        self.bridge.observer.bonded = bonded
        if not bonded:
            # Without the Bonding flag nothing is kept once the link goes (Core Vol 3
            # Part C 9.4.2); Bumble stores the keys anyway, so remove them.
            keystore = self.manager.device.keystore
            if keystore is not None:
                try:
                    await keystore.delete(str(self.connection.peer_address))
                except (KeyError, ProtocolError):
                    pass

    def _note_method(self) -> None:
        if self.bridge is not None:
            self.bridge.observer.method = METHODS.get(self.pairing_method)
            self.bridge.observer.we_display = bool(self.passkey_display)

    # -- policies -----------------------------------------------------------------
    def send_pairing_request_command(self) -> None:
        self.started = True
        if self.bridge is not None and not self.bridge.options.pairable:
            refusal = policy_failure("initiator", self.bridge.options, False, False, 16)
            assert refusal is not None  # not pairable always refuses
            self._refuse(refusal, send=False)
            return
        super().send_pairing_request_command()

    def on_smp_pairing_request_command(self, command: smp.SMP_Pairing_Request_Command) -> None:
        if self.bridge is not None:
            quirks = self.bridge.quirks
            if quirks.ignore_secure_connections and command.auth_req & smp.AuthReq.SC:
                quirks.ignored_requests += 1
                logger.info("ignoring a Secure Connections pairing request (a quirk)")
                self.end()  # no answer, and nothing left behind for the next request
                return
        self.started = True
        super().on_smp_pairing_request_command(command)

    async def on_smp_pairing_request_command_async(
        self, command: smp.SMP_Pairing_Request_Command
    ) -> None:
        if self.bridge is not None:
            failure = self._quirk_refusal(command) or self._check(command, side="responder")
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

    def _quirk_refusal(self, request: smp.SMP_Pairing_Request_Command) -> PairingFailure | None:
        assert self.bridge is not None
        if self.bridge.quirks.require_mitm_flag and not request.auth_req & smp.AuthReq.MITM:
            return PairingFailure(
                code=int(smp.ErrorCode.AUTHENTICATION_REQUIREMENTS),
                name=reason_name(int(smp.ErrorCode.AUTHENTICATION_REQUIREMENTS)),
                why="The responder refuses a Pairing Request without the MITM flag; set MITM "
                "and IO capabilities that allow passkey entry or numeric comparison.",
                by="responder",
            )
        return None

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


def end_session(connection: Connection) -> None:
    """End whatever SMP session an earlier pairing left on `connection` (failed, timed out
    or done), so the next pairing runs in a fresh one with nothing of the old one."""
    manager = connection.device.smp_manager
    session = manager.sessions.get(connection.handle)
    if session is None:
        return
    if isinstance(session, PolicySession):
        session.end()
    else:
        session.on_disconnection(0)

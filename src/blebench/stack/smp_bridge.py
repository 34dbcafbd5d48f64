"""Pairing a Bumble connection with our options, and what came of it, in words.

- `pair_connection(connection, options, delegate)`: the one way into SMP for every face
  (the session's pairing, `BumbleClient.pair`); returns a `PairingOutcome` and never
  raises for a pairing failure; a link that drops under SMP is `PairingLinkLost`.
- `outcome_from` / `failure_from`: one side's observed session as a `PairingOutcome`, what
  ended it as a `PairingFailure` (a peer that stops answering is said not to answer).
- `PeripheralSecurity`: how a virtual peripheral answers pairing (its options, passkey and
  `Quirks`), installed on its Bumble device so it runs the same `PolicySession` as the
  central; it tells a bonded link from a merely encrypted one and forgets its bonds.

Bumble quirks handled here: passkey 000000 hangs Bumble's SMP, so we never generate it
and refuse to type it; the encryption key is never shortened by Bumble, so the key size
reported is the SMP negotiation (the smaller Maximum Encryption Key Size); Bumble files a
bond under the controller's public address even on a link made from our random static
one (`identity_type_of`).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bumble import smp
from bumble.core import ProtocolError
from bumble.hci import Address
from bumble.keys import PairingKeys
from bumble.pairing import PairingConfig

from blebench.decode.codes import smp_error
from blebench.pairing.delegate import KeypressKind
from blebench.pairing.delegate import PairingDelegate as Prompts
from blebench.pairing.lab import LadderStep
from blebench.pairing.models import (
    NO_ANSWER,
    IoCapability,
    Method,
    Pairing,
    PairingFailure,
    PairingOptions,
    PairingOutcome,
    Side,
    Who,
    security_level,
)
from blebench.stack.keystore import BondKeyStore
from blebench.stack.smp_policy import (
    BridgeConfig,
    Quirks,
    SmpObserver,
    configure_device,
    end_session,
    io_name,
    reason_name,
)

if TYPE_CHECKING:
    from bumble.device import Connection, Device

SMP_TIMEOUT_S = 30.0  # Vol 3 Part H 3.4: a pairing procedure times out after 30 s
REASON_MISSING = "Pairing Failed without a reason"  # the peer's PDU had no reason byte


class PairingLinkLost(Exception):
    """The link dropped while SMP ran (the peer or the controller ended it).

    Bumble says so by failing the pairing with `asyncio.CancelledError("abort:
    disconnection event occurred")`, a BaseException that `except Exception` misses and
    that looks like a cancellation of the caller; `pair_connection` turns it into this.
    `hci_code` is the disconnection reason (None if none was given), `step` where in the
    ladder it happened ("after the Pairing Request was sent")."""

    def __init__(self, hci_code: int | None, step: str) -> None:
        reason = f" (HCI reason 0x{hci_code:02X})" if hci_code is not None else ""
        super().__init__(f"the link dropped during pairing, {step}{reason}")
        self.hci_code = hci_code
        self.step = step


def ladder_of(observer: SmpObserver, *, initiator: bool) -> list[LadderStep]:
    """One side's observed session as the ladder: each PDU with its sender (this side is
    the initiator when `initiator`), and the moment the link became encrypted."""
    us: Side = "initiator" if initiator else "responder"
    them: Side = "responder" if initiator else "initiator"
    steps: list[LadderStep] = []
    start = observer.pdus[0].at if observer.pdus else 0.0
    for index, pdu in enumerate(observer.pdus):
        if observer.encrypted_at == index:
            steps.append(LadderStep(None, "Encryption started", {}, steps[-1].ms if steps else 0.0))
        steps.append(LadderStep(us if pdu.outgoing else them, pdu.name, pdu.fields,
                                (pdu.at - start) * 1000))
    if observer.encrypted_at is not None and observer.encrypted_at >= len(observer.pdus):
        steps.append(LadderStep(None, "Encryption started", {}, steps[-1].ms if steps else 0.0))
    return steps


def ladder_step(observer: SmpObserver) -> str:
    """Where a pairing got to, from the last PDU of its ladder, in words."""
    if not observer.pdus:
        return "before any SMP PDU was exchanged"
    last = observer.pdus[-1]
    return f"after the {last.name} was {'sent' if last.outgoing else 'received'}"

_DISPLAYS = {"display-only", "display-yes-no", "keyboard-display"}


def peer_text(connection: Connection, name: str | None = None) -> str:
    # Bumble's str() of a public address ends in "/P": the user knows addresses without it.
    address = str(connection.peer_address).removesuffix("/P")
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


def failure_from(
    observer: SmpObserver,
    error: BaseException,
    *,
    initiator: bool,
    timeout: float = SMP_TIMEOUT_S,
) -> PairingFailure:
    """Turn what ended a pairing into a PairingFailure in words."""
    us: Side = "initiator" if initiator else "responder"
    them: Side = "responder" if initiator else "initiator"
    if observer.local_failure is not None:
        return observer.local_failure
    if observer.reason_missing and isinstance(error, ProtocolError):
        return PairingFailure(
            code=0,
            name=REASON_MISSING,
            why="The device sent Pairing Failed without its reason byte (a malformed PDU: "
            "Core Vol 3 Part H 3.5.5 requires one), so why it refused is not known. Look at "
            "the device's side (its log or screen), or try other options (the matrix shows "
            "what each combination needs).",
            by=them,
        )
    if isinstance(error, ProtocolError) and isinstance(error.error_code, int):
        code = int(error.error_code)
        explained = smp_error(code)
        by: Side | None = None
        if observer.failure_code == code and observer.failure_by_us is not None:
            by = us if observer.failure_by_us else them
        if observer.declined is not None and by != them:
            return PairingFailure(
                code=code,
                name=explained.name,
                why=f"This side declined {observer.declined}, so it sent Pairing Failed "
                f"(0x{code:02X} {explained.name}). Pair again and accept it, or choose IO "
                f"capabilities that give the method you want (the matrix shows them).",
                by=us,
                declined=True,
            )
        why = explained.meaning
        if explained.next_step:
            why = f"{why} {explained.next_step}"
        return PairingFailure(code=code, name=explained.name, why=why, by=by)
    if isinstance(error, TimeoutError):
        # Nobody refused: the peer went quiet. `by` stays None (no Pairing Failed was sent).
        asked_sc = bool(observer.request.get("auth_req", 0) & smp.AuthReq.SC)
        hint = (
            "Some devices ignore a Secure Connections request: try without SC (legacy "
            "pairing), or check the matrix for a combination the peer supports."
            if asked_sc
            else "Check that the device is in pairing mode and still in range."
        )
        return PairingFailure(
            code=0,
            name=NO_ANSWER,
            why=f"The device did not answer SMP within {timeout:g} s (it neither paired "
            f"nor refused). {hint}",
            by=None,
        )
    return PairingFailure(
        code=0, name=type(error).__name__, why=f"Pairing stopped: {error}.", by=None
    )


LATE_FAILURE_GRACE_S = 0.25  # plus two connection intervals; at most LATE_FAILURE_MAX_S
LATE_FAILURE_MAX_S = 1.5


async def _hear_a_late_failure(
    connection: Connection, observer: SmpObserver, *, initiator: bool
) -> None:
    """Give the peer time to refuse the keys we sent last. The initiator distributes its
    keys after the responder's and SMP acknowledges nothing, so a peer that fails on them
    (the camera of the field notes) says so only with a Pairing Failed a connection event
    or two later; without the wait, "bonded" is reported for a bond the peer never kept."""
    await asyncio.sleep(0)  # PDUs already received are handled
    if not initiator or observer.failure_code is not None:
        return
    params = getattr(connection, "parameters", None)
    interval_s = float(getattr(params, "connection_interval", 0.0) or 0.0) / 1000.0
    grace = min(LATE_FAILURE_MAX_S, LATE_FAILURE_GRACE_S + 2 * interval_s)
    heard = asyncio.Event()
    previous = observer.watch

    def watch() -> None:
        if previous is not None:
            previous()
        if observer.failure_code is not None:
            heard.set()

    observer.watch = watch
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(heard.wait(), grace)
    finally:
        observer.watch = previous


async def pair_connection(
    connection: Connection,
    options: PairingOptions,
    delegate: Prompts,
    *,
    passkey: int | None = None,
    peer_name: str | None = None,
    timeout: float = SMP_TIMEOUT_S,
) -> PairingOutcome:
    """Pair an open Bumble LE connection with our options; never raises for a pairing
    failure (the outcome's `failure` says it). The link dropping under SMP raises
    `PairingLinkLost`; a cancellation of the caller's task stays a cancellation.

    `passkey` is what this side shows when it is the one that displays (else a random
    one, never 000000). The peer's keys go to the device's key store (a `BondKeyStore`
    when the caller set one), and are removed again when the pairing did not bond. A
    session an earlier attempt left on the link is ended first: pairing again on a link
    gives what a fresh link gives.
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
    end_session(connection)
    initiator = connection.role == 0  # hci.Role.CENTRAL
    watcher = getattr(delegate, "ladder_step", None)
    if callable(watcher):
        # A live ladder (pairing.lab.LadderWatcher): each new step as it happens.
        shown = 0

        def changed() -> None:
            nonlocal shown
            steps = ladder_of(observer, initiator=initiator)
            for step in steps[shown:]:
                watcher(step)
            shown = len(steps)

        observer.watch = changed
    keys_seen: list[PairingKeys] = []
    connection.on(connection.EVENT_PAIRING, keys_seen.append)
    lost: list[int] = []  # the disconnection's reason, once the link drops

    def on_lost(reason: int) -> None:
        lost.append(int(reason))

    connection.on(connection.EVENT_DISCONNECTION, on_lost)
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

            def dropped(*_: object) -> None:
                if not done.done():
                    done.cancel("abort: disconnection event occurred.")

            connection.once(connection.EVENT_PAIRING, paired)
            connection.once(connection.EVENT_PAIRING_FAILURE, failed)
            connection.once(connection.EVENT_DISCONNECTION, dropped)
            connection.request_pairing()
            await asyncio.wait_for(done, timeout)
    except (ProtocolError, TimeoutError) as err:
        error = failure_from(observer, err, initiator=initiator, timeout=timeout)
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise  # this pairing itself was cancelled (Ctrl-C, a closing pane): let it go
        if lost or connection.handle not in device.connections:
            # Bumble's "abort: disconnection event occurred": the link is gone.
            end_session(connection)
            raise PairingLinkLost(lost[0] if lost else None, ladder_step(observer)) from None
        # The session was ended under us (another pairing began on this link).
        error = failure_from(
            observer, RuntimeError("another pairing on this link ended it"),
            initiator=initiator, timeout=timeout,
        )
    except Exception as err:  # noqa: BLE001 - an unexpected stack error, reported in words
        error = failure_from(observer, err, initiator=initiator, timeout=timeout)
    finally:
        connection.remove_listener(connection.EVENT_DISCONNECTION, on_lost)
        connection.remove_listener(connection.EVENT_PAIRING, keys_seen.append)
        device.pairing_config_factory = previous
        if error is not None:
            end_session(connection)  # a timed-out session must not run on into the next
    if error is None:
        await _hear_a_late_failure(connection, observer, initiator=initiator)
        if observer.failure_code is not None and observer.failure_by_us is False:
            # The peer sent Pairing Failed after our side had finished: it kept no keys,
            # so "bonded" would be a lie the next connection finds out (HCI 0x06).
            error = failure_from(
                observer,
                ProtocolError(observer.failure_code, "smp", reason_name(observer.failure_code)),
                initiator=initiator,
                timeout=timeout,
            )
            end_session(connection)

    authenticated = _keys_authenticated(keys_seen[-1]) if keys_seen else None
    peer_io = observer.response.get("io") if initiator else observer.request.get("io")
    outcome = outcome_from(
        observer,
        initiator=initiator,
        peer_io=io_name(peer_io) if peer_io is not None else None,
        authenticated=authenticated,
        error=error,
    )
    await _settle_bond(device, connection, outcome, peer_name, options, stored=bool(keys_seen))
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
    *,
    stored: bool,
) -> None:
    keystore = device.keystore
    if keystore is None:
        return
    address = str(connection.peer_address)
    if not outcome.ok:
        if stored:
            # Our side stored this pairing's keys, then the pairing failed (the peer's
            # SMP did): keys the peer does not have are no bond.
            with contextlib.suppress(KeyError):
                await keystore.delete(address)
        return
    if not outcome.bonded:
        await keystore.delete(address)  # Bumble stores keys even without the bonding flags
        return
    if isinstance(keystore, BondKeyStore):
        keystore.store.annotate(
            address,
            local_address=keystore.local_address,  # this radio's bond, not another identity's
            authenticated=outcome.authenticated,
            sc=outcome.sc,
            key_size=outcome.key_size,
            name=name,
            options=options,
        )


class DeviceUser:
    """The person at a virtual peripheral: accepts Just Works and numeric comparisons,
    has no keyboard, and whatever the device displays is kept in `displayed`."""

    def __init__(self) -> None:
        self.displayed: list[int] = []

    async def confirm_just_works(self, peer: str) -> bool:
        return True

    async def confirm_numeric(self, peer: str, number: int) -> bool:
        return True

    async def request_passkey(self, peer: str) -> int | None:
        return None

    async def display_passkey(self, peer: str, passkey: int) -> None:
        self.displayed.append(passkey)

    async def keypress(self, peer: str, kind: KeypressKind) -> None:
        return None


@dataclass(slots=True)
class PeripheralSecurity:
    """How one virtual peripheral answers pairing, and which of its links are bonded.

    `options` are its Pairing Response and policies (`sc_only`, `min_key_size`, ...),
    `passkey` the one it displays (printed on its label), `quirks` what it does beyond
    the spec. Every pairing runs blebench's `PolicySession`, as the central's does.
    """

    options: PairingOptions = field(default_factory=PairingOptions)
    passkey: int | None = None
    quirks: Quirks = field(default_factory=Quirks)
    identity_address_type: PairingConfig.AddressType | None = None
    user: DeviceUser = field(default_factory=DeviceUser)
    # The observer of the latest SMP session of each link (by connection handle).
    observers: dict[int, SmpObserver] = field(default_factory=dict)
    refusals: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.passkey is not None and not 0 < self.passkey <= 999_999:
            # 000000 trips an assertion in Bumble's SMP and hangs pairing.
            raise ValueError(f"passkey must be 000001..999999, not {self.passkey:06d}")

    @property
    def ignored_requests(self) -> int:
        return self.quirks.ignored_requests

    def install(self, device: Device) -> None:
        """Set the device's pairing configuration and SMP session."""
        security = self

        def factory(connection: Connection) -> PairingConfig:
            observer = _RefusalTally(security.refusals)
            security.observers[connection.handle] = observer
            return BridgeConfig(
                security.options,
                security.user,
                str(connection.peer_address),
                passkey=security.passkey,
                observer=observer,
                quirks=security.quirks,
                identity_address_type=security.identity_address_type,
            )

        configure_device(device, factory)

        def on_connection(connection: Connection) -> None:
            handle = connection.handle
            connection.on(
                connection.EVENT_DISCONNECTION,
                lambda *_: security.observers.pop(handle, None),
            )

        device.on(device.EVENT_CONNECTION, on_connection)

    async def is_bonded(self, device: Device, connection: Connection) -> bool:
        """An encrypted link whose keys this device keeps (paired with bonding now, or
        encrypted later with a stored bond)."""
        if not connection.is_encrypted:
            return False
        observer = self.observers.get(connection.handle)
        if observer is not None and observer.bonded is not None:
            return observer.bonded
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


class _RefusalTally(SmpObserver):
    """An observer that also adds each Pairing Failed this device sends to a shared list."""

    __slots__ = ("_tally",)

    def __init__(self, tally: list[int]) -> None:
        super().__init__()
        self._tally = tally

    def record(self, outgoing: bool, command: smp.SMP_Command) -> None:
        super().record(outgoing, command)
        if outgoing and isinstance(command, smp.SMP_Pairing_Failed_Command):
            self._tally.append(int(command.reason))


__all__ = [
    "SMP_TIMEOUT_S",
    "DeviceUser",
    "IoCapability",
    "PairingLinkLost",
    "PeripheralSecurity",
    "failure_from",
    "identity_type_of",
    "ladder_of",
    "ladder_step",
    "outcome_from",
    "pair_connection",
    "peer_text",
]

"""The pairing lab: run one combination live, with real SMP between two Bumble devices.

Two Bumble `Device`s, each with its own `Controller`, on one in-process `LocalLink`
(random static addresses: stock LocalLink drops ACL from public-address devices). The
initiator (central) connects and pairs; both run `PolicySession`, so every SMP PDU is
recorded, in order, as a ladder. The matrix's prediction is set beside what happened,
and every disagreement is listed.

The people in the lab: the side that must display shows a passkey (the `passkey`
given, else a random one, never 000000), the side that must type reads it off the
peer's display when the peer has one, and types the lab's passkey when neither can
display (KeyboardOnly on both sides); numeric comparisons are answered `confirm`.

The results (`LabResult`, `LadderStep`, `compare`) are pure data in `blebench.pairing.lab`;
the faces reach the lab through the session (`SessionManager.run_lab`).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import replace
from typing import Any

from bumble.controller import Controller
from bumble.device import Device
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.pairing import PairingConfig
from bumble.smp import OobContext, OobLegacyContext
from bumble.transport.common import AsyncPipeSink

from blebench.pairing.delegate import KeypressKind
from blebench.pairing.lab import LabResult, LadderStep, compare, parse_side
from blebench.pairing.matrix import predict
from blebench.pairing.models import IoCapability, PairingOptions, PairingOutcome
from blebench.stack.smp_bridge import failure_from, ladder_of, outcome_from
from blebench.stack.smp_policy import BridgeConfig, SmpObserver, configure_device

__all__ = ["LAB_PASSKEY", "LAB_TIMEOUT_S", "LabResult", "LadderStep", "parse_side", "run_lab"]

LAB_PASSKEY = 123456
LAB_TIMEOUT_S = 10.0
_DISPLAYS = {IoCapability.DISPLAY_ONLY, IoCapability.DISPLAY_YES_NO, IoCapability.KEYBOARD_DISPLAY}


class _Person:
    """The lab's user at one device: answers prompts, reads the peer's display."""

    def __init__(self, own: IoCapability, peer: IoCapability, board: asyncio.Queue[int],
                 peer_board: asyncio.Queue[int], passkey: int, confirm: bool) -> None:
        self.own, self.peer_io = own, peer
        self.board, self.peer_board = board, peer_board
        self.passkey, self.confirm = passkey, confirm
        self.events: list[tuple[str, object]] = []

    async def confirm_just_works(self, peer: str) -> bool:
        self.events.append(("confirm_just_works", True))
        return True

    async def confirm_numeric(self, peer: str, number: int) -> bool:
        self.events.append(("confirm_numeric", number))
        return self.confirm

    async def request_passkey(self, peer: str) -> int | None:
        if self.peer_io in _DISPLAYS:
            passkey = await self.peer_board.get()  # read it off the peer's screen
            self.peer_board.put_nowait(passkey)  # it stays on screen
        else:
            passkey = self.passkey
        self.events.append(("request_passkey", passkey))
        return passkey

    async def display_passkey(self, peer: str, passkey: int) -> None:
        self.events.append(("display_passkey", passkey))
        self.board.put_nowait(passkey)

    async def keypress(self, peer: str, kind: KeypressKind) -> None:
        self.events.append(("keypress", kind))


async def run_lab(
    initiator: PairingOptions,
    responder: PairingOptions,
    *,
    passkey: int | None = None,
    confirm: bool = True,
    timeout: float = LAB_TIMEOUT_S,
) -> LabResult:
    """Pair two fresh in-process Bumble devices with these options; never raises for a failure."""
    if passkey is not None and not 0 < passkey <= 999_999:
        raise ValueError("the lab passkey must be 1..999999 (Bumble's SMP hangs on 000000)")
    started = time.perf_counter()
    link = LocalLink()
    devices = []
    for index, address in enumerate(("C0:00:00:00:00:01", "C0:00:00:00:00:02")):
        controller = Controller(f"lab-{index}", link=link)
        device = Device(address=Address(address), host=Host(controller, AsyncPipeSink(controller)))
        device.irk = secrets.token_bytes(16)
        devices.append(device)
    central, peripheral = devices

    # OOB data as two devices would swap it over NFC: SC contexts and a shared legacy TK.
    contexts = (OobContext(), OobContext())
    legacy = OobLegacyContext()

    def oob_config(own: PairingOptions, mine: int) -> PairingConfig.OobConfig | None:
        if own.sc:
            return PairingConfig.OobConfig(
                our_context=contexts[mine],
                peer_data=contexts[1 - mine].share() if own.oob else None,
                legacy_context=legacy if own.oob else None,
            )
        if own.oob:
            return PairingConfig.OobConfig(our_context=None, peer_data=None, legacy_context=legacy)
        return None

    boards: tuple[asyncio.Queue[int], asyncio.Queue[int]] = (asyncio.Queue(), asyncio.Queue())
    lab_passkey = passkey or LAB_PASSKEY
    people = (
        _Person(initiator.io, responder.io, boards[0], boards[1], lab_passkey, confirm),
        _Person(responder.io, initiator.io, boards[1], boards[0], lab_passkey, confirm),
    )
    configs = (
        BridgeConfig(initiator, people[0], "responder", passkey=passkey,
                     oob=oob_config(initiator, 0)),
        BridgeConfig(responder, people[1], "initiator", passkey=passkey,
                     oob=oob_config(responder, 1)),
    )
    configure_device(central, lambda _connection: configs[0])
    configure_device(peripheral, lambda _connection: configs[1])

    error: BaseException | None = None
    keys_seen: list[Any] = []
    connection = None
    try:
        for device in devices:
            await device.power_on()
        await peripheral.start_advertising(advertising_interval_min=20.0, auto_restart=False)
        connection = await asyncio.wait_for(
            central.connect(peripheral.random_address), timeout)
        connection.on(connection.EVENT_PAIRING, keys_seen.append)
        try:
            await asyncio.wait_for(connection.pair(), timeout)
        except Exception as err:  # noqa: BLE001 - a failed pairing is the observation
            error = err
        await asyncio.sleep(0)  # let the responder's last PDU handlers run
    finally:
        if connection is not None:
            try:
                await asyncio.wait_for(connection.disconnect(), 2.0)
            except Exception:  # noqa: BLE001 - the lab is over either way
                pass
        for device in devices:
            try:
                await device.power_off()
            except Exception:  # noqa: BLE001
                pass

    observer = configs[0].observer
    refused_at_request = configs[1].observer.local_failure is not None and not observer.response
    if refused_at_request:
        # The responder refused before answering: what it decided is the observation.
        observer.checked = configs[1].observer.checked
        observer.method = configs[1].observer.method
    failure = (failure_from(observer, error, initiator=True, timeout=timeout)
               if error is not None else None)
    if failure is not None and configs[1].observer.local_failure is not None:
        failure = configs[1].observer.local_failure  # the responder's policy, in its words
    authenticated = None
    if keys_seen:
        ltk = keys_seen[-1].ltk or keys_seen[-1].ltk_central or keys_seen[-1].ltk_peripheral
        authenticated = bool(ltk.authenticated) if ltk is not None else None
    observed = outcome_from(observer, initiator=True, peer_io=responder.io.value,
                            authenticated=authenticated, error=failure)
    observed = _who_was_asked(observed, people)
    predicted = predict(initiator, responder)
    return LabResult(
        initiator=initiator, responder=responder, predicted=predicted, observed=observed,
        ladder=_ladder(observer),
        prompts={"initiator": people[0].events, "responder": people[1].events},
        differences=compare(predicted, observed),
        seconds=time.perf_counter() - started,
    )


def _who_was_asked(outcome: PairingOutcome, people: tuple[_Person, _Person]) -> PairingOutcome:
    """In the lab both sides are seen: who displayed and who typed is what was asked."""
    if outcome.method != "passkey-entry":
        return outcome
    shown = [bool(p.events and any(e == "display_passkey" for e, _ in p.events)) for p in people]
    typed = [any(e == "request_passkey" for e, _ in p.events) for p in people]
    if not any(shown) and not any(typed):
        return outcome  # failed before anyone was asked
    return replace(outcome, passkey_display=_who(shown), passkey_input=_who(typed))


def _who(flags: list[bool]) -> Any:
    return {(True, True): "both", (True, False): "initiator",
            (False, True): "responder", (False, False): "none"}[(flags[0], flags[1])]


def _ladder(observer: SmpObserver) -> list[LadderStep]:
    return ladder_of(observer, initiator=True)

"""Pairing through the session: connect (if needed), then SMP with our options and a delegate.

The TUI's Security pane (and any face of the session) calls
`SessionManager.pair(address_or_name, options, delegate)`; the questions of pairing go to
`delegate` (`blebench.pairing.delegate.PairingDelegate`: modals in the TUI, prompts in
the CLI, scripted answers in tests). On the Bumble backend and the virtual world the
whole of SMP is ours (`blebench.stack.smp_bridge.pair_connection`, reached through the
client's `pair`); bonds go to the session's one bond store. On the OS stack the OS decides,
and that is said plainly. The lab (`run_lab`) is reached here too, so no face imports the
stack.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from typing import TYPE_CHECKING

from blebench.backends.base import LinkError, PairingFailed, client_extras
from blebench.pairing.bonds import BondStore
from blebench.pairing.delegate import PairingDelegate
from blebench.pairing.lab import LabResult
from blebench.pairing.models import Bond, IoCapability, PairingOptions, PairingOutcome
from blebench.session.connections import looks_like_address
from blebench.session.errors import NoBondError, PairingUnavailableError
from blebench.stack import lab as stack_lab
from blebench.stack.lab import LAB_TIMEOUT_S

if TYPE_CHECKING:
    from blebench.backends.base import Radio
    from blebench.session.connections import ConnectionManager

_REMOTE_USER_TERMINATED = 0x13  # the peer ended the link on purpose
logger = logging.getLogger(__name__)


def repair_options(bond: Bond) -> PairingOptions:
    """The options to pair a stale bond again with: the ones it was made with; for a bond
    from before they were recorded, what it had (SC, MITM) with the most capable IO."""
    if bond.options is not None:
        return bond.options
    return PairingOptions(
        io=IoCapability.KEYBOARD_DISPLAY, mitm=bond.authenticated, sc=bond.sc, bonding=True
    )


async def find_bond(
    connections: ConnectionManager, store: BondStore, target: str, local_address: str | None
) -> Bond | None:
    """The bond of `target`: an identity address, an address that resolves with a stored
    IRK, or a name (heard on the air now, or kept in a bond)."""
    text = target.strip()
    if looks_like_address(text):
        with contextlib.suppress(ValueError):
            return store.resolve(text.split("/")[0], local_address=local_address)
        return None
    named = [b for b in store.bonds()
             if b.name == text and b.local_address in (None, local_address)]
    if len(named) == 1:
        return named[0]
    found = await connections.resolve(text)
    address = found if isinstance(found, str) else found.address
    with contextlib.suppress(ValueError):
        return store.resolve(address, local_address=local_address)
    return None


async def pair(
    connections: ConnectionManager,
    target: str,
    options: PairingOptions,
    delegate: PairingDelegate,
    *,
    passkey: int | None = None,
    timeout: float | None = None,
) -> PairingOutcome:
    """Pair with `target` (an address or a name); never raises for an SMP failure, which is
    the outcome's `failure`. Raises DeviceError when the device cannot be reached, and
    ConnectionLostError when the link drops during pairing.

    The one pairing path: connect, then the client's own `pair(options, delegate)` (the
    Bumble client runs `blebench.stack.smp_bridge.pair_connection`). The keys go to the
    radio's key store, which writes through the session's one bond store (there is no
    other store to choose).
    """
    conn = await connections.connect(target)
    if conn.smp_timed_out:
        # Vol 3 Part H 3.4: after an SMP timeout no further SMP on that link; "a new
        # Pairing process shall only be performed when a new physical link has been
        # established". A peer may ignore anything more on the old one.
        logger.info("SMP timed out on the link to %s before: pairing on a new link",
                    conn.address)
        await connections.disconnect(conn.address)
        conn = await connections.connect(target)
    extras = client_extras(conn.client)
    if extras is None:
        raise PairingUnavailableError(
            f"{conn.name or conn.address}: the OS Bluetooth stack decides how to pair, not "
            "blebench",
            next_step="use --backend bumble with a dongle (or --sim) to choose the IO "
            "capability, MITM and Secure Connections",
        )
    extra: dict[str, float] = {} if timeout is None else {"timeout": timeout}
    try:
        returned = await extras.pair(
            options, delegate, passkey=passkey, peer_name=conn.name, **extra
        )
    except PairingFailed as exc:  # bleak's contract: a failed pairing raises
        returned = exc.outcome
    except LinkError as exc:
        # The link dropped under SMP (the peer ended it at a step, or the radio went):
        # the session's typed error, with where in the ladder it happened.
        conn.mark_lost(exc.hci_code)
        lost = conn.lost_error(exc.during or "pairing")
        if exc.hci_code in (None, _REMOTE_USER_TERMINATED):
            lost.next_step = (
                "the device ended the link while pairing: it may refuse these options "
                "without saying so (try others: `blebench matrix --explain` shows what each "
                "pair of options gives), or it reset; connect again and pair"
            )
        raise lost from None
    if returned.failure is not None and returned.failure.no_answer:
        conn.smp_timed_out = True
    return returned


async def run_lab(
    initiator: PairingOptions,
    responder: PairingOptions,
    *,
    passkey: int | None = None,
    confirm: bool = True,
    timeout: float = LAB_TIMEOUT_S,
) -> LabResult:
    """The pairing lab (`blebench.stack.lab`): two fresh in-process devices paired with
    these options, beside the radio; never raises for an SMP failure."""
    return await stack_lab.run_lab(
        initiator, responder, passkey=passkey, confirm=confirm, timeout=timeout
    )


async def repair(
    connections: ConnectionManager,
    radio: Radio,
    target: str,
    delegate: PairingDelegate,
    *,
    options: PairingOptions | None = None,
    passkey: int | None = None,
    timeout: float | None = None,
) -> tuple[PairingOutcome, Bond]:
    """Guided re-pair of a stale bond: delete the bond blebench kept for `target`, then
    pair again with `options` (default: the options of the first pairing). Returns the
    outcome and the bond that was replaced. When the new pairing fails, the old bond is
    put back: nothing is lost, and the device is as it was. Raises NoBondError."""
    store = radio.bond_store
    if not radio.capabilities.smp or store is None:
        raise PairingUnavailableError(
            f"{target}: the OS Bluetooth stack keeps its own bonds, not blebench",
            next_step="remove the device in the system's Bluetooth settings and pair there",
        )
    bond = await find_bond(connections, store, target, radio.identity)
    if bond is None:
        raise NoBondError(
            f"blebench keeps no bond with {target} on this radio, so there is nothing to "
            "re-pair",
            next_step=f"pair it: `blebench pair {target} --io IO --bond ...` "
            "(`blebench bonds` lists the bonds)",
        )
    kept = copy.deepcopy(bond)
    chosen = options or repair_options(bond)
    existing = connections.get(target)
    if existing is not None:
        await connections.disconnect(existing.address)
    store.delete(bond.address, local_address=bond.local_address)
    await radio.reload_bonds()
    outcome: PairingOutcome | None = None
    try:
        outcome = await pair(
            connections, target, chosen, delegate, passkey=passkey, timeout=timeout
        )
    finally:
        if outcome is not None and outcome.ok and kept.name:
            fresh = store.get(kept.address, local_address=radio.identity)
            if fresh is not None and not fresh.name:
                store.annotate(kept.address, name=kept.name)
        if outcome is None or not outcome.ok:
            if store.get(kept.address, local_address=kept.local_address) is None:
                store.put(kept)
            with contextlib.suppress(Exception):
                await radio.reload_bonds()
    return outcome, kept

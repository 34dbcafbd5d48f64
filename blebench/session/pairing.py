"""Pairing through the session: connect (if needed), then SMP with our options and a delegate.

The TUI's Security pane (and any face of the session) calls
`SessionManager.pair(address_or_name, options, delegate)`; the questions of pairing go to
`delegate` (`blebench.pairing.delegate.PairingDelegate`: modals in the TUI, prompts in
the CLI, scripted answers in tests). On the Bumble backend and the virtual world the
whole of SMP is ours (`blebench.backends.bumble.pairing.pair_connection`); bonds go to the
bond store. On the OS stack the OS decides, and that is said plainly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from blebench.pairing.bonds import BondStore
from blebench.pairing.delegate import PairingDelegate
from blebench.pairing.models import PairingOptions, PairingOutcome
from blebench.session.connections import DeviceError, backend_extras

if TYPE_CHECKING:
    from blebench.session.connections import ConnectionManager


class PairingUnavailableError(DeviceError):
    """This backend does not let blebench run SMP with chosen options."""

    kind = "pairing_unavailable"


async def pair(
    connections: ConnectionManager,
    target: str,
    options: PairingOptions,
    delegate: PairingDelegate,
    *,
    bond_store: BondStore | None = None,
) -> PairingOutcome:
    """Pair with `target` (an address or a name); never raises for an SMP failure, which is
    the outcome's `failure`. Raises DeviceError when the device cannot be reached."""
    conn = await connections.connect(target)
    extras = backend_extras(conn.client)
    bumble_connection = getattr(extras, "bumble_connection", None)
    if bumble_connection is None:
        raise PairingUnavailableError(
            f"{conn.name or conn.address}: the OS Bluetooth stack decides how to pair, not "
            "blebench",
            next_step="use --backend bumble with a dongle (or --sim) to choose the IO "
            "capability, MITM and Secure Connections",
        )
    from blebench.backends.bumble.pairing import BondKeyStore, pair_connection

    device = bumble_connection.device
    if not isinstance(device.keystore, BondKeyStore):
        # Bonds made here must outlive the process (field note 001): the bond store.
        device.keystore = BondKeyStore(bond_store or BondStore())
    outcome: PairingOutcome = await pair_connection(
        bumble_connection, options, delegate, peer_name=conn.name
    )
    return outcome

"""Control of a live link (connection parameters, PHY, data length), whichever stack runs it.

`LinkControl` is what a client backend offers when the radio lets blebench send the link
layer's HCI commands itself: the Bumble backend does, over
any HCI transport (`backends/bumble/link.py`). bleak's OS backends do not: BlueZ, WinRT and
CoreBluetooth choose the connection parameters, PHY and data length themselves and bleak
exposes none of them (`OS_STACK_REASONS` says why, control by control). `link_control(
client)` finds it, as `client_extras` does, through the one place that reads bleak's
private backend attribute.

Each request gives one `LinkStep`: what was asked, what the controller and the peer settled
on, or the refusal in words with its HCI status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from blebench.backends.base import BLEAK_BACKEND_ATTRIBUTE

if TYPE_CHECKING:
    from bleak import BleakClient

StepName = Literal["connection_parameters", "phy", "data_length", "mtu"]
StepStatus = Literal["settled", "unchanged", "refused", "no_answer", "not_available"]

# Why the OS stacks give no control, for each step (bleak 3.1.0).
OS_STACK_REASONS: dict[str, str] = {
    "connection_parameters": "bleak has no call for LE Connection Update: the OS stack "
    "(BlueZ, WinRT, CoreBluetooth) picks the interval, latency and timeout itself",
    "phy": "bleak has no call for LE Set PHY: the OS stack decides the PHY (BlueZ "
    "offers it only through its management socket, as root)",
    "data_length": "bleak has no call for LE Set Data Length: the OS stack negotiates "
    "the data length on its own",
    "mtu": "bleak cannot ask for an ATT MTU: the OS stack exchanges one when it connects "
    "(the value it got is reported)",
}


@dataclass(slots=True)
class LinkStep:
    """One request on the link and what came of it (plain data for the CLI's JSON)."""

    name: StepName
    requested: dict[str, Any]
    status: StepStatus
    words: str
    settled: dict[str, Any] = field(default_factory=dict)
    hci_status: int | None = None
    hci_name: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("settled", "unchanged")

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "requested": self.requested,
            "status": self.status,
            "ok": self.ok,
            "settled": self.settled,
            "hci_status": self.hci_status,
            "hci_name": self.hci_name,
            "words": self.words,
        }


PeerRequestPolicy = Literal["accept", "refuse"]
PEER_REQUEST_POLICIES: tuple[PeerRequestPolicy, ...] = ("accept", "refuse")


@dataclass(slots=True)
class PeerLinkEvent:
    """A change of the link the peer asked for (L2CAP Connection Parameter Update Request)
    or made (a PHY or data length update it started), and what came of it."""

    name: StepName
    requested: dict[str, Any]
    outcome: Literal["accepted", "refused", "failed", "changed"]
    words: str
    settled: dict[str, Any] = field(default_factory=dict)
    at: float = 0.0  # the event loop's clock when it was asked

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "requested": self.requested,
            "outcome": self.outcome,
            "settled": self.settled,
            "words": self.words,
        }


@runtime_checkable
class PeerRequests(Protocol):
    """A client backend that answers the peer's link requests by a policy and keeps them."""

    peer_requests: PeerRequestPolicy

    def peer_link_events(self) -> list[PeerLinkEvent]: ...


@runtime_checkable
class LinkControl(Protocol):
    """The link layer's procedures on one connection (see the module doc)."""

    def link_state(self) -> dict[str, Any]:
        """interval_ms, latency, supervision_timeout_ms, tx_phy, rx_phy, tx_octets,
        rx_octets, mtu of the live link (None where the stack has not said)."""
        ...

    async def update_connection(
        self, interval_min_ms: float, interval_max_ms: float, latency: int, timeout_ms: float
    ) -> LinkStep: ...

    async def set_phy(self, tx: str, rx: str) -> LinkStep:
        """`tx` / `rx`: "1m", "2m", "coded-s2" or "coded-s8"."""
        ...

    async def set_data_length(self, octets: int) -> LinkStep: ...

    def acl_backlog(self) -> int:
        """HCI ACL packets sent to the controller and not yet completed (what paces a
        sender that must not queue without bound)."""
        ...


@runtime_checkable
class MtuPreference(Protocol):
    """A radio whose clients ask for an ATT MTU of blebench's choosing when they connect
    (ATT allows one exchange per connection: the one at connect)."""

    connect_mtu: int | None


def link_control(client: BleakClient) -> LinkControl | None:
    """The client backend's link control, when it has one (None on bleak's OS backends)."""
    backend = getattr(client, BLEAK_BACKEND_ATTRIBUTE, None)
    return backend if isinstance(backend, LinkControl) else None

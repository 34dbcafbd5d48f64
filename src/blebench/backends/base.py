"""The radio seam: what the session may ask of a radio, whichever stack runs it.

A `Radio` is one opened radio: the OS Bluetooth stack through bleak (`backends/os_stack.py`,
`OsStackRadio`) or a Bumble central over any HCI transport (`backends/bumble/radio.py`,
`BumbleRadio`: a dongle, an HCI server, or the virtual world's central controller, which
the session hands it). The session never tests what kind of radio it has: it asks
`radio.capabilities`, and puts bleak objects on the radio with `scanner_kwargs()` /
`client_kwargs()`.

`ClientExtras` is what a bleak client backend offers beyond bleak's API (the link's
parameters, HCI Read RSSI, SMP with our options); `client_extras(client)` finds it. bleak
keeps a client's backend private (`BleakClient._backend`): this module reads it, here only.

Which radio kinds exist, and how each is opened, is the session's registry
(`blebench.session.radios`); nothing here imports bleak or Bumble at import time.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from blebench.errors import SetupError, UserInputError

if TYPE_CHECKING:
    from bleak import BleakClient

    from blebench.pairing.bonds import BondStore
    from blebench.pairing.delegate import PairingDelegate
    from blebench.pairing.models import PairingOptions, PairingOutcome

# The private attribute of bleak's `BleakClient` that holds its backend (bleak 1.x); read by
# `client_extras` alone. tests/unit/backends/test_base.py fails when bleak renames it.
BLEAK_BACKEND_ATTRIBUTE = "_backend"


class LinkError(Exception):
    """A backend's link failure: `hci_code` (the HCI status or disconnect reason) and
    `during` (the operation the link dropped in, None when it never came up). A backend's
    own error classes inherit it beside their library's (e.g. BleakError), so the session
    catches this type instead of reading attributes by name."""

    hci_code: int
    during: str | None = None


class StaleBond(LinkError):
    """The stored bond did not encrypt the link: the peer no longer has it."""

    address: str
    identity_address: str | None = None


class PairingFailed(Exception):
    """A failed pairing, raised by a backend (bleak's contract) with blebench's whole
    `PairingOutcome` (its `failure` says who refused and why)."""

    outcome: PairingOutcome


class RadioError(SetupError):
    """A radio that cannot be opened; the message is meant for the user."""


class CaptureFileError(UserInputError):
    """The capture file cannot be written; str() is one line for the user."""


@dataclasses.dataclass(frozen=True, slots=True)
class Capabilities:
    """What a radio lets blebench do itself (False: the OS stack or the radio decides)."""

    raw_advertising: bool = False  # each PDU's bytes, advertising data and scan response apart
    smp: bool = False  # SMP with our IO capability, MITM, SC and bonding; bonds in blebench's store
    hci_capture: bool = False  # a btsnoop capture of the HCI traffic while it runs
    link_rssi: bool = False  # HCI Read RSSI on a connection
    # A device the session's registry heard (address and address type) is enough to connect;
    # False: the stack must find the device with its own scanner first (bleak's OS backends).
    connects_by_record: bool = False

    def names(self) -> frozenset[str]:
        """The capabilities this radio has, by field name (plain data for the session's models)."""
        return frozenset(f.name for f in dataclasses.fields(self) if getattr(self, f.name))


class Capture(Protocol):
    """A btsnoop capture that is running (`Radio.start_capture`); `close()` ends it."""

    path: Path
    started_wall: float

    @property
    def packets(self) -> int: ...

    @property
    def size(self) -> int: ...

    def close(self) -> None: ...


class Radio(Protocol):
    """One opened radio. `await close()` when done."""

    @property
    def kind(self) -> str:
        """The registry's name of this kind of radio ("bleak", "bumble-hci", "bumble-sim")."""
        ...

    @property
    def description(self) -> str:
        """One line for the user: which stack, adapter or controller."""
        ...

    @property
    def identity(self) -> str | None:
        """Our identity address on this radio (what peers file our bond under); None when
        the OS keeps it to itself."""
        ...

    @property
    def bond_store(self) -> BondStore | None:
        """The bond store this radio's key store writes through; None: the OS keeps its bonds."""
        ...

    @property
    def capabilities(self) -> Capabilities: ...

    @property
    def lost(self) -> str | None:
        """Why the radio went away while open (the HCI transport closed: a dongle pulled,
        an HCI server gone), in words; None while it works."""
        ...

    def scanner_kwargs(self) -> dict[str, Any]:
        """The keyword arguments that put a `BleakScanner` on this radio."""
        ...

    def client_kwargs(self, *, op_timeout: float | None = None) -> dict[str, Any]:
        """The keyword arguments that put a `BleakClient` on this radio (`op_timeout`: the
        longest a GATT operation may take, where the backend takes one)."""
        ...

    def why_not(self, capability: str) -> str:
        """Words for a capability (a `Capabilities` field) this radio lacks: why, and what
        to use instead."""
        ...

    def explain(self, exc: BaseException) -> str | None:
        """Words for a failure of this radio's stack (a scan that cannot start, ...);
        None when the exception is not one this radio can explain."""
        ...

    async def reload_bonds(self) -> None:
        """The bond store changed (a bond deleted or restored): use what it holds now."""
        ...

    def start_capture(self, path: Path) -> Capture:
        """Capture the HCI traffic to `path` (capabilities.hci_capture); CaptureFileError."""
        ...

    async def close(self) -> None: ...


@runtime_checkable
class ClientExtras(Protocol):
    """What blebench's own client backends offer beyond bleak's API (see client_extras)."""

    disconnect_reason: int | None  # the HCI reason of the last disconnection

    @property
    def bumble_connection(self) -> Any:
        """The Bumble `Connection` of the link, when the backend is Bumble (None when down)."""
        ...

    def connection_info(self) -> Any:
        """PHY, interval, latency, supervision timeout, encryption of the live link (an
        object with those attributes; None when not connected)."""
        ...

    async def read_rssi(self) -> int:
        """HCI Read RSSI on the connection handle, in dBm (127: the controller has none)."""
        ...

    async def pair(
        self,
        options: PairingOptions | None = None,
        delegate: PairingDelegate | None = None,
        *,
        passkey: int | None = None,
        timeout: float | None = None,
        peer_name: str | None = None,
    ) -> PairingOutcome:
        """SMP with our `options`, the questions to `delegate` (None: the radio's configured
        ones). The outcome is returned; a refused pairing may raise instead, as bleak's
        `pair()` does, with the outcome as the exception's `.outcome` (session/pairing.py
        takes both)."""
        ...


def client_backend(client: BleakClient) -> object:
    """The backend object behind a BleakClient: bleak's private attribute, read here only.
    AttributeError (in words) if bleak ever renames it."""
    try:
        return getattr(client, BLEAK_BACKEND_ATTRIBUTE)
    except AttributeError:
        raise AttributeError(
            f"bleak's BleakClient has no {BLEAK_BACKEND_ATTRIBUTE!r} any more: "
            "blebench.backends.base.client_backend must follow bleak's new name"
        ) from None


def client_extras(client: BleakClient) -> ClientExtras | None:
    """The extras of `client`'s backend, None when it offers none (bleak's OS backends)."""
    backend = client_backend(client)
    return backend if isinstance(backend, ClientExtras) else None

"""A Bumble central over any HCI transport, as blebench's `Radio` (backends/base.py).

One central Bumble `Device` per radio, shared by the scanner and every client. It runs on
a Bumble transport named by a spec (`usb:0`, `serial:...`, `hci-socket:0`,
`tcp-client:HOST:PORT`: `open_on_transport`) or on an HCI source and sink someone else
opened (`open_on_hci`): the session hands it the virtual world's central controller that
way (blebench.session.radios), so this module knows nothing of the world.

On every radio the central's key store is blebench's bond store (`BondKeyStore`), set
before power-on so Bumble loads the stored IRKs into its address resolver, and the
central has a stable identity: a random static address given by the opener (the virtual
world derives it from its seed) or derived from the controller's public address (a
dongle), so a peer that bonded with us finds its bond again on the next run.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from bumble import hci
from bumble.device import Device
from bumble.transport import Transport, open_transport
from bumble.transport.common import TransportSink, TransportSource

from blebench.backends.base import Capabilities, CaptureFileError, RadioError
from blebench.backends.bumble.capture import FileSnooper
from blebench.pairing.bonds import BondStore
from blebench.stack.keystore import BondKeyStore
from blebench.stack.quiet_host import QuietHost

if TYPE_CHECKING:
    from blebench.backends.base import Capture
    from blebench.backends.link_control import PeerRequestPolicy

__all__ = [
    "BUMBLE_CAPABILITIES",
    "BumbleRadio",
    "CaptureFileError",
    "RadioError",
    "central_irk",
    "open_on_hci",
    "open_on_transport",
    "stable_identity",
    "transport_hint",
]

POWER_ON_TIMEOUT_S = 8.0
TRANSPORT_OPEN_TIMEOUT_S = 8.0


# Everything blebench does itself on a Bumble host: the whole of SMP, raw PDUs, HCI.
BUMBLE_CAPABILITIES = Capabilities(
    raw_advertising=True, smp=True, hci_capture=True, link_rssi=True, connects_by_record=True
)


class BumbleRadio:
    """A powered-on central `Device` and the transport it runs on (None: the opener's, which
    it closes after this): a `Radio`. `await close()` when done."""

    capabilities = BUMBLE_CAPABILITIES

    def __init__(
        self,
        *,
        device: Device,
        kind: str,
        description: str,
        transport: Transport | None = None,
        snoop_file: IO[bytes] | None = None,
    ) -> None:
        self.device = device
        keystore = device.keystore
        assert isinstance(keystore, BondKeyStore)
        self.keystore = keystore
        self._kind = kind
        self._description = description
        self._transport = transport
        self._snoop_file = snoop_file
        self._closed = False
        self.connect_mtu: int | None = None  # None: the client's default (247)
        # How clients answer a peripheral's connection parameter requests (link.py).
        self.peer_requests: PeerRequestPolicy = "accept"
        self._lost: str | None = None
        terminated = getattr(transport.source, "terminated", None) if transport else None
        if isinstance(terminated, asyncio.Future):
            # The transport's source ends when the other end goes (a TCP HCI server closing
            # its socket, a dongle pulled): said at once, instead of every HCI command
            # waiting out Bumble's command timeout.
            terminated.add_done_callback(self._on_transport_lost)

    def _on_transport_lost(self, _done: asyncio.Future[None]) -> None:
        if not self._closed:
            self._lost = f"{self._description.split(' — ')[0]}: the controller went away " \
                "(its HCI transport closed)"
            if self._snoop_file is not None:
                # The capture up to the loss is what the user opens next: on disk now.
                with contextlib.suppress(OSError, ValueError):
                    self._snoop_file.flush()

    @property
    def lost(self) -> str | None:
        return self._lost

    @property
    def kind(self) -> str:
        return self._kind

    @property
    def description(self) -> str:
        return self._description

    @property
    def bond_store(self) -> BondStore:
        return self.keystore.store

    @property
    def identity(self) -> str:
        """Our identity address on this radio: what peers file our bond under."""
        return str(self.device.static_address).split("/")[0]

    def scanner_kwargs(self) -> dict[str, Any]:
        from blebench.backends.bumble.scanner import BumbleScanner

        return {"backend": BumbleScanner, "radio": self}

    def client_kwargs(self, *, op_timeout: float | None = None) -> dict[str, Any]:
        from blebench.backends.bumble.client import BumbleClient

        extra: dict[str, Any] = {} if op_timeout is None else {"op_timeout": op_timeout}
        if self.connect_mtu is not None:
            extra["mtu"] = self.connect_mtu  # the ATT MTU asked for at each connect
        return {"backend": BumbleClient, "radio": self, **extra}

    def why_not(self, capability: str) -> str:
        return f"{capability} is not available on {self.description}"

    def explain(self, exc: BaseException) -> str | None:
        return None  # Bumble's errors already say what happened

    async def reload_bonds(self) -> None:
        await self.device.refresh_resolving_list()

    def start_capture(self, path: Path) -> Capture:
        from blebench.backends.bumble.capture import HciCapture

        return HciCapture(self.device, path)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._lost is None:  # nothing answers a lost controller's HCI Reset
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.device.power_off(), 2.0)
        if self._transport is not None:
            with contextlib.suppress(Exception):
                await self._transport.close()
        if self._snoop_file is not None:
            self.device.host.snooper = None
            self._snoop_file.close()

    async def __aenter__(self) -> BumbleRadio:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _open_snoop(device: Device, path: Path | None) -> IO[bytes] | None:
    if path is None:
        return None
    try:
        handle = open(path, "wb")  # noqa: SIM115 - closed by BumbleRadio.close
    except OSError as exc:
        raise RadioError(f"--btsnoop {path}: cannot write: {exc.strerror or exc}") from exc
    device.host.snooper = FileSnooper(handle)  # a full disk stops the capture, not the radio
    return handle


def _controller_words(device: Device) -> str:
    version = device.host.local_version
    if version is None:
        return "controller"
    from bumble.company_ids import COMPANY_IDENTIFIERS

    maker = COMPANY_IDENTIFIERS.get(
        version.company_identifier, f"company 0x{version.company_identifier:04X}"
    )
    try:
        spec_name = hci.SpecificationVersion(version.hci_version).name
        hci_version = "Bluetooth " + spec_name.removeprefix("BLUETOOTH_CORE_").replace("_", ".")
    except ValueError:
        hci_version = f"HCI version {version.hci_version}"
    return f"{maker}, {hci_version} rev {version.hci_subversion}, address {device.public_address}"


def stable_identity(public_address: hci.Address, transport: str) -> hci.Address:
    """A random static address that stays the same for one controller run after run:
    derived from its public address (or, for a controller without one, from the
    transport spec). A new address each run would orphan every bond peers keep for us."""
    if public_address != hci.Address.ANY:
        seed = b"public:" + bytes(public_address.address_bytes)
    else:
        seed = b"transport:" + transport.encode("utf-8")
    raw = bytearray(hashlib.sha256(b"blebench central identity\0" + seed).digest()[:6])
    raw[5] |= 0xC0  # the two most significant bits of a static address are 0b11
    return hci.Address(bytes(raw), hci.Address.RANDOM_DEVICE_ADDRESS)


def central_irk(identity: hci.Address) -> bytes:
    """The IRK we distribute when pairing, stable with our identity. Bumble's default is
    all zeros, the same for every Bumble device: a peer would take any address made with
    it for us. Our central never uses resolvable private addresses, so the IRK hides
    nothing (our identity address is on the air anyway); it must only be ours alone."""
    return hashlib.sha256(b"blebench central irk\0" + bytes(identity.address_bytes)).digest()[:16]


async def _take_identity(device: Device, keystore: BondKeyStore, transport: str) -> None:
    identity = stable_identity(device.public_address, transport)
    await device.send_sync_command(hci.HCI_LE_Set_Random_Address_Command(random_address=identity))
    device.static_address = identity
    device.random_address = identity
    device.irk = central_irk(identity)
    keystore.local_address = identity.to_string(with_type_qualifier=False)
    await device.refresh_resolving_list()  # the IRKs of this identity's bonds


_TRANSPORT_HINTS = {
    "usb": "is a Bluetooth USB dongle plugged in (`lsusb`), free of the OS stack, and may this "
    "user open it (a udev rule, or sudo)?",
    "serial": "check the device path and baud rate (serial:/dev/ttyACM0,1000000), and that "
    "this user may open it (the dialout group)",
    "hci-socket": "needs Linux, CAP_NET_RAW (sudo) and the adapter taken from BlueZ "
    "(`sudo hciconfig hci0 down`)",
    "tcp-client": "is an HCI server listening there (e.g. `blebench serve`)?",
}


def transport_hint(spec: str) -> str:
    """What to check when the transport `spec` does not open."""
    scheme = spec.split(":", 1)[0].lower()
    return _TRANSPORT_HINTS.get(
        scheme, "transports: usb:0, serial:DEV,BAUD, hci-socket:0, tcp-client:HOST:PORT"
    )


async def open_on_hci(
    source: TransportSource,
    sink: TransportSink,
    *,
    identity: str,
    kind: str,
    description: str,
    bonds: BondStore | None = None,
    btsnoop: Path | None = None,
) -> BumbleRadio:
    """A radio on an HCI `source`/`sink` opened by the caller (the virtual world's central
    controller), with the random static address `identity` as ours. The caller closes
    what it opened, after `radio.close()`."""
    address = hci.Address(identity, hci.Address.RANDOM_DEVICE_ADDRESS)
    device = Device(name="blebench", address=address, host=QuietHost(source, sink))
    device.irk = central_irk(address)
    device.keystore = BondKeyStore(
        bonds or BondStore(), local_address=address.to_string(with_type_qualifier=False)
    )
    snoop: IO[bytes] | None = None
    try:
        snoop = _open_snoop(device, btsnoop)
        await device.power_on()
    except BaseException:
        if snoop is not None:
            snoop.close()
        raise
    return BumbleRadio(device=device, kind=kind, description=description, snoop_file=snoop)


async def open_on_transport(
    transport_spec: str,
    *,
    kind: str = "bumble-hci",
    bonds: BondStore | None = None,
    btsnoop: Path | None = None,
) -> BumbleRadio:
    """Open the Bumble transport `transport_spec` and power its controller on; RadioError
    says why it could not."""
    if not transport_spec:
        raise RadioError("no HCI transport given (e.g. --transport usb:0)")
    try:
        transport = await asyncio.wait_for(
            open_transport(transport_spec), TRANSPORT_OPEN_TIMEOUT_S
        )
    except TimeoutError as exc:
        raise RadioError(
            f"{transport_spec}: no answer in {TRANSPORT_OPEN_TIMEOUT_S:.0f} s"
        ) from exc
    except Exception as exc:  # noqa: BLE001 - every transport has its own errors; say which
        raise RadioError(
            f"{transport_spec}: cannot open: {exc or type(exc).__name__}; "
            f"{transport_hint(transport_spec)}"
        ) from exc
    device = Device(
        name="blebench",
        address=hci.Address.generate_static_address(),
        host=QuietHost(transport.source, transport.sink),
    )
    keystore = BondKeyStore(bonds or BondStore())
    device.keystore = keystore
    snoop: IO[bytes] | None = None
    try:
        snoop = _open_snoop(device, btsnoop)
        await asyncio.wait_for(device.power_on(), POWER_ON_TIMEOUT_S)
        await asyncio.wait_for(_take_identity(device, keystore, transport_spec), POWER_ON_TIMEOUT_S)
    except BaseException as exc:
        if snoop is not None:
            snoop.close()
        with contextlib.suppress(Exception):
            await transport.close()
        if isinstance(exc, TimeoutError):
            raise RadioError(
                f"{transport_spec}: the controller did not answer HCI Reset "
                f"in {POWER_ON_TIMEOUT_S:.0f} s"
            ) from exc
        if isinstance(exc, RadioError | asyncio.CancelledError | KeyboardInterrupt):
            raise
        raise RadioError(f"{transport_spec}: controller setup failed: {exc}") from exc
    description = f"{transport_spec} — {_controller_words(device)}"
    return BumbleRadio(
        device=device, kind=kind, description=description, transport=transport, snoop_file=snoop
    )

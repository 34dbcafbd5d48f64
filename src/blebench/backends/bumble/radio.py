"""One central Bumble `Device` per radio, shared by the scanner and every client.

A radio is either the virtual world (a new modelled central controller on the world's
link, reached through HCI packets like a dongle) or a real HCI transport (`usb:0`,
`serial:...`, `hci-socket:0`, `tcp-client:HOST:PORT`). Both run the same host code.

On every radio the central's key store is blebench's bond store (`BondKeyStore`), set
before power-on so Bumble loads the stored IRKs into its address resolver, and the
central has a stable identity: a random static address derived from the seed (virtual
world) or from the controller's public address (a dongle), so a peer that bonded with us
finds its bond again on the next run. The virtual world's peripherals keep their bonds in
their own file (`paths.sim_bonds_file()`), as a real device keeps them in flash.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import random
from pathlib import Path
from typing import IO, Literal

from bumble import hci
from bumble.device import Device
from bumble.snoop import BtSnooper
from bumble.transport import Transport, open_transport

from blebench import paths
from blebench.errors import SetupError
from blebench.pairing.bonds import BondStore
from blebench.sim.catalogue.base import VirtualPeripheral
from blebench.sim.world import VirtualWorld
from blebench.stack.keystore import BondKeyStore

POWER_ON_TIMEOUT_S = 8.0
TRANSPORT_OPEN_TIMEOUT_S = 8.0


class RadioError(SetupError):
    """A radio that cannot be opened; the message is meant for the user."""


@dataclasses.dataclass(frozen=True, slots=True)
class RadioSpec:
    """What radio to open.

    kind "sim": the virtual world (the catalogue, or `peripherals` when given, plus the
    user-defined devices of `sim_devices` and of the data dir). kind "hci": `transport`.
    """

    kind: Literal["sim", "hci"] = "sim"
    transport: str | None = None
    sim_devices: Path | None = None
    seed: int = 0
    btsnoop: Path | None = None
    peripherals: tuple[VirtualPeripheral, ...] | None = None
    user_devices: bool = True  # also read blebench.paths.user_sim_devices_file()
    # The bond store the central's key store writes to (default: blebench's bond file).
    bonds: BondStore | None = dataclasses.field(default=None, compare=False)


class BumbleRadio:
    """A powered-on central `Device` and what it runs on. `await close()` when done."""

    def __init__(
        self,
        *,
        spec: RadioSpec,
        device: Device,
        description: str,
        world: VirtualWorld | None = None,
        transport: Transport | None = None,
        snoop_file: IO[bytes] | None = None,
    ) -> None:
        self.spec = spec
        self.device = device
        keystore = device.keystore
        assert isinstance(keystore, BondKeyStore)
        self.keystore = keystore
        self.description = description
        self.world = world
        self._transport = transport
        self._snoop_file = snoop_file
        self._closed = False

    @property
    def is_virtual(self) -> bool:
        return self.world is not None

    @property
    def bond_store(self) -> BondStore:
        return self.keystore.store

    @property
    def identity(self) -> str:
        """Our identity address on this radio: what peers file our bond under."""
        return str(self.device.static_address).split("/")[0]

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.device.power_off(), 2.0)
        if self._transport is not None:
            with contextlib.suppress(Exception):
                await self._transport.close()
        if self.world is not None:
            await self.world.stop()
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
    device.host.snooper = BtSnooper(handle)
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


async def open_radio(spec: RadioSpec) -> BumbleRadio:
    """Open and power on the radio `spec` names; RadioError says why it could not."""
    if spec.kind == "sim":
        return await _open_sim(spec)
    if not spec.transport:
        raise RadioError("no HCI transport given (e.g. --transport usb:0)")
    return await _open_hci(spec)


async def _open_sim(spec: RadioSpec) -> BumbleRadio:
    from blebench.sim.userdevices import load_user_devices

    peripherals = list(spec.peripherals) if spec.peripherals is not None else None
    extra = load_user_devices(spec.sim_devices, include_data_dir=spec.user_devices)
    if peripherals is None:
        from blebench.sim.world import default_peripherals

        peripherals = default_peripherals(spec.seed)
    world = VirtualWorld([*peripherals, *extra], seed=spec.seed, bonds=paths.sim_bonds_file())
    await world.start()
    port = world.open_central()
    rng = random.Random(f"central-host:{spec.seed}")
    address = hci.Address(
        bytes(rng.randbytes(5)) + bytes([0xC0 | rng.randrange(64)]),
        hci.Address.RANDOM_DEVICE_ADDRESS,
    )
    device = Device.with_hci("blebench", address, port.source, port.sink)
    device.irk = central_irk(address)
    device.keystore = BondKeyStore(
        spec.bonds or BondStore(), local_address=address.to_string(with_type_qualifier=False)
    )
    snoop: IO[bytes] | None = None
    try:
        snoop = _open_snoop(device, spec.btsnoop)
        await device.power_on()
    except BaseException:
        if snoop is not None:
            snoop.close()
        await world.stop()
        raise
    return BumbleRadio(
        spec=spec, device=device, description=world.description, world=world, snoop_file=snoop
    )


async def _open_hci(spec: RadioSpec) -> BumbleRadio:
    assert spec.transport is not None
    try:
        transport = await asyncio.wait_for(open_transport(spec.transport), TRANSPORT_OPEN_TIMEOUT_S)
    except TimeoutError as exc:
        raise RadioError(
            f"{spec.transport}: no answer in {TRANSPORT_OPEN_TIMEOUT_S:.0f} s"
        ) from exc
    except Exception as exc:  # noqa: BLE001 - every transport has its own errors; say which
        raise RadioError(
            f"{spec.transport}: cannot open: {exc or type(exc).__name__}; "
            f"{transport_hint(spec.transport)}"
        ) from exc
    device = Device.with_hci(
        "blebench", hci.Address.generate_static_address(), transport.source, transport.sink
    )
    keystore = BondKeyStore(spec.bonds or BondStore())
    device.keystore = keystore
    snoop: IO[bytes] | None = None
    try:
        snoop = _open_snoop(device, spec.btsnoop)
        await asyncio.wait_for(device.power_on(), POWER_ON_TIMEOUT_S)
        await asyncio.wait_for(_take_identity(device, keystore, spec.transport), POWER_ON_TIMEOUT_S)
    except BaseException as exc:
        if snoop is not None:
            snoop.close()
        with contextlib.suppress(Exception):
            await transport.close()
        if isinstance(exc, TimeoutError):
            raise RadioError(
                f"{spec.transport}: the controller did not answer HCI Reset "
                f"in {POWER_ON_TIMEOUT_S:.0f} s"
            ) from exc
        if isinstance(exc, RadioError | asyncio.CancelledError | KeyboardInterrupt):
            raise
        raise RadioError(f"{spec.transport}: controller setup failed: {exc}") from exc
    description = f"{spec.transport} — {_controller_words(device)}"
    return BumbleRadio(
        spec=spec, device=device, description=description, transport=transport, snoop_file=snoop
    )

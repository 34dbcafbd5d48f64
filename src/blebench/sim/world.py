"""The virtual world: one Bumble `Device` per virtual peripheral, each on its own modelled
controller, all on one modelled link; centrals join through HCI like a dongle would.

The world owns the radio side of each peripheral (see `catalogue/base.py`): addresses,
advertising (type, data, interval), restarting it after a disconnection, rotating private
addresses. Everything is seeded so the same seed gives the same addresses and values.

Shutting down is ordered: no new background work starts, HCI commands already sent are
let finish (Bumble's host cannot take a cancellation between a command and its reply: the
reply then lands on a cancelled future and asyncio prints an InvalidStateError), and
only then are the background tasks cancelled, while they sleep or wait for their turn.
A peripheral taken away (`remove`) leaves its peers to notice on their own, as on air:
after the supervision timeout they get Disconnection Complete 0x08 (see `ModelledLink`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import socket
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bumble import crypto, hci
from bumble.device import AdvertisingType, Connection, Device, DeviceConfiguration
from bumble.transport import Transport, open_transport
from bumble.transport.common import AsyncPipeSink

from blebench.pairing.bonds import BondFileProblem, BondStore
from blebench.sim.air_link import LinkModel
from blebench.sim.catalogue import default_catalogue
from blebench.sim.catalogue.base import VirtualPeripheral
from blebench.sim.radio import FixedProfile, ModelledController, ModelledLink
from blebench.stack.keystore import BondKeyStore
from blebench.stack.quiet_host import QuietHost

logger = logging.getLogger(__name__)

STOP_WAIT_S = 1.0  # the longest a shutdown waits for HCI replies, then for tasks to end


def resolvable_private_address(irk: bytes, rng: random.Random) -> hci.Address:
    """An RPA from `irk` (Vol 6, Part B, 1.3.2.2), drawn from `rng` so it is reproducible."""
    while True:
        prand = bytearray(rng.randbytes(3))
        prand[2] = (prand[2] & 0x3F) | 0x40  # the two most significant bits are 0b01
        random_part = int.from_bytes(prand, "little") & 0x3FFFFF
        if random_part not in (0, 0x3FFFFF):  # neither all zeros nor all ones
            break
    return hci.Address(
        crypto.ah(irk, bytes(prand)) + bytes(prand), hci.Address.RANDOM_DEVICE_ADDRESS
    )


def non_resolvable_private_address(rng: random.Random) -> hci.Address:
    while True:
        raw = bytearray(rng.randbytes(6))
        raw[5] &= 0x3F  # the two most significant bits are 0b00
        body = int.from_bytes(raw, "little")
        if body not in (0, 0x3FFFFFFFFFFF):
            return hci.Address(bytes(raw), hci.Address.RANDOM_DEVICE_ADDRESS)


def static_random_address(rng: random.Random) -> hci.Address:
    raw = bytearray(rng.randbytes(6))
    raw[5] |= 0xC0  # the two most significant bits are 0b11
    return hci.Address(bytes(raw), hci.Address.RANDOM_DEVICE_ADDRESS)


def advertising_type_for(peripheral: VirtualPeripheral) -> AdvertisingType:
    if peripheral.connectable:
        return AdvertisingType.UNDIRECTED_CONNECTABLE_SCANNABLE  # ADV_IND
    if peripheral.scan_response_data() is not None:
        return AdvertisingType.UNDIRECTED_SCANNABLE  # ADV_SCAN_IND
    return AdvertisingType.UNDIRECTED  # ADV_NONCONN_IND


class WorldHost(QuietHost):
    """A peripheral's host that knows whether an HCI command is waiting for its reply.

    Every command goes through `Host._send_command` (bumble 0.0.236), which is where the
    count is kept; `idle()` waits until no command is in flight."""

    def __init__(self, controller_source: Any, controller_sink: Any) -> None:
        super().__init__(controller_source, controller_sink)
        self.in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def _send_command(self, command: Any, response_timeout: float | None = None) -> Any:
        self.in_flight += 1
        self._idle.clear()
        try:
            return await super()._send_command(command, response_timeout)
        finally:
            self.in_flight -= 1
            if self.in_flight == 0:
                self._idle.set()

    async def idle(self) -> None:
        await self._idle.wait()


async def quiesce(hosts: Sequence[WorldHost], timeout: float) -> bool:
    """Wait until none of `hosts` has an HCI command in flight. Returns with no await
    after the last check, so the caller can cancel tasks before any starts a command."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        busy = [host for host in hosts if host.in_flight]
        if not busy:
            return True
        left = deadline - loop.time()
        if left <= 0:
            return False
        waiters = [asyncio.ensure_future(host.idle()) for host in busy]
        try:
            await asyncio.wait(waiters, timeout=left)
        finally:
            for waiter in waiters:
                waiter.cancel()


@dataclasses.dataclass(slots=True)
class WorldMember:
    """One peripheral with its radio: its controller and its Bumble device."""

    peripheral: VirtualPeripheral
    controller: ModelledController
    device: Device
    rng: random.Random
    irk: bytes
    advertising: bool = False
    stopping: bool = False
    tasks: list[asyncio.Task[None]] = dataclasses.field(default_factory=list)

    @property
    def host(self) -> WorldHost:
        host = self.device.host
        assert isinstance(host, WorldHost)
        return host

    def all_tasks(self) -> list[asyncio.Task[None]]:
        """The world's tasks for this member and the peripheral's own background tasks."""
        return [*self.tasks, *self.peripheral.background_tasks]

    @property
    def own_address_type(self) -> hci.OwnAddressType:
        if self.peripheral.address_type == "public":
            return hci.OwnAddressType.PUBLIC
        return hci.OwnAddressType.RANDOM

    @property
    def air_address(self) -> hci.Address:
        """The address the peripheral advertises with right now."""
        if self.peripheral.address_type == "public":
            return self.controller.public_address
        return self.device.random_address


@dataclasses.dataclass(slots=True)
class CentralPort:
    """The HCI ends of a central's controller, for `Host(source, sink)` / `Device.with_hci`."""

    source: ModelledController
    sink: AsyncPipeSink
    controller: ModelledController


@dataclasses.dataclass(slots=True)
class ServedController:
    """A central controller served over an HCI byte stream (e.g. `tcp-server:...`)."""

    spec: str  # the spec a client connects with, port resolved (`tcp-client:127.0.0.1:P`)
    port: int | None
    controller: ModelledController
    transport: Transport


class VirtualWorld:
    """Peripherals on a modelled link. `await start()`, then `open_central()` or `serve_hci()`."""

    def __init__(
        self,
        peripherals: Sequence[VirtualPeripheral] | None = None,
        *,
        seed: int = 0,
        bonds: Path | None = None,
        central_model: LinkModel | None = None,
    ) -> None:
        """`bonds`: the file the peripherals keep their bonds in across runs (their
        flash); None keeps them in memory for this world's life only."""
        if peripherals is None:
            peripherals = default_peripherals(seed)
        self.seed = seed
        self.central_model = central_model  # its centrals' controller (None: a phone's)
        self.bond_store = BondStore(bonds) if bonds is not None else None
        self.peripherals: list[VirtualPeripheral] = list(peripherals)
        self.link = ModelledLink()
        self.members: list[WorldMember] = []
        self.centrals: list[ModelledController] = []
        self.served: list[ServedController] = []
        self._rng = random.Random(f"world:{seed}")
        # Devices switched off (by name): their peripheral stays, their radio is gone.
        self.switched_off: set[str] = set()
        self._started = False
        self._central_count = 0

    def __len__(self) -> int:
        return len(self.peripherals)

    @property
    def description(self) -> str:
        count = len(self.peripherals)
        return f"virtual world ({count} device{'s' if count != 1 else ''})"

    def member(self, name: str) -> WorldMember:
        for member in self.members:
            if member.peripheral.name == name:
                return member
        raise KeyError(name)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        if self.bond_store is not None:
            with warnings.catch_warnings():
                # An unreadable file is kept aside and logged; the devices start with none.
                warnings.simplefilter("ignore", BondFileProblem)
                self.bond_store.bonds()
        for index, peripheral in enumerate(self.peripherals):
            if peripheral.name not in self.switched_off:
                self.members.append(self._build_member(index, peripheral))
        # Power-on is a few dozen HCI round trips per device: do them side by side.
        await asyncio.gather(*(self._bring_up(member) for member in self.members))

    async def stop(self) -> None:
        if not self._started:
            return
        self._started = False  # no restart, rotation or new background work from here
        await self._switch_off(self.members)
        for served in self.served:
            with contextlib.suppress(Exception):
                await served.transport.close()
        self.served.clear()
        for controller in [m.controller for m in self.members] + self.centrals:
            _silence(controller)
            self.link.remove_controller(controller)
        self.centrals.clear()
        self.members.clear()

    async def remove(self, name: str) -> None:
        """Take a peripheral away (switched off, or out of range for good). Its peers
        hear nothing: they get Disconnection Complete 0x08 after their supervision
        timeout. Raises KeyError for an unknown name."""
        member = self.member(name)
        await self._switch_off([member])
        _silence(member.controller)
        self.link.remove_controller(member.controller)
        self.members.remove(member)

    async def add(self, peripheral: VirtualPeripheral) -> None:
        """Bring one more peripheral up in the running world (a device the TUI serves)."""
        self.peripherals.append(peripheral)
        member = self._build_member(len(self.peripherals) - 1, peripheral)
        self.members.append(member)
        await self._bring_up(member)

    async def withdraw(self, peripheral: VirtualPeripheral) -> None:
        """Take a peripheral `add` brought (this object, whatever its name) out for good."""
        member = next((m for m in self.members if m.peripheral is peripheral), None)
        if member is not None:
            await self._switch_off([member])
            _silence(member.controller)
            self.link.remove_controller(member.controller)
            self.members.remove(member)
        if peripheral in self.peripherals:
            self.peripherals.remove(peripheral)

    def is_powered(self, name: str) -> bool:
        return any(m.peripheral.name == name for m in self.members)

    async def switch_off(self, name: str) -> int:
        """Switch a peripheral off mid-whatever (`remove`, but it can come back with
        `switch_on`); returns how many links it had (each drops after its supervision
        timeout). KeyError for a name that is not on."""
        member = self.member(name)
        links = len(member.device.connections)
        await self.remove(name)
        self.switched_off.add(name)
        return links

    async def switch_on(self, name: str) -> None:
        """Power a switched-off peripheral on again: a new radio, advertising from scratch
        (a power cycle: its links are gone, its bonds kept in its flash)."""
        if name not in self.switched_off:
            raise KeyError(name)
        self.switched_off.discard(name)
        index = next(i for i, p in enumerate(self.peripherals) if p.name == name)
        member = self._build_member(index, self.peripherals[index])
        # In catalogue order, so lists of the world stay in the same order.
        position = sum(
            1 for m in self.members if self.peripherals.index(m.peripheral) < index
        )
        self.members.insert(position, member)
        await self._bring_up(member)

    async def rotate_now(self, name: str) -> hci.Address:
        """A new private address now (as the rotation timer would give); ValueError for
        an identity address or a live link (an address never changes under one here)."""
        member = self.member(name)
        if member.peripheral.address_type not in ("resolvable", "non-resolvable"):
            raise ValueError(
                f"{name} uses a {member.peripheral.address_type} address, which never rotates"
            )
        if member.device.connections:
            raise ValueError(f"{name} is connected: its address changes once the link is gone")
        await self._new_private_address(member)
        return member.device.random_address

    async def _new_private_address(self, member: WorldMember) -> None:
        was_advertising = member.advertising
        if was_advertising:
            await member.device.stop_advertising()
            member.advertising = False
        await self._set_private_address(member)
        if was_advertising:
            await self._start_advertising(member)

    async def _switch_off(self, members: Sequence[WorldMember]) -> None:
        """Stop members' background work in the right order: let the HCI commands in
        flight get their replies, then cancel the tasks (idle now), then the peripherals."""
        for member in members:
            member.stopping = True
        await quiesce([m.host for m in members], timeout=STOP_WAIT_S)
        tasks = [task for member in members for task in member.all_tasks()]
        for task in tasks:  # no await since quiesce() looked: no task has a command out
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=STOP_WAIT_S)
        for member in members:
            member.tasks.clear()
            with contextlib.suppress(Exception):
                await member.peripheral.stop()

    async def __aenter__(self) -> VirtualWorld:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ centrals

    def _new_central_controller(
        self, *, host_source: object = None, host_sink: object = None
    ) -> ModelledController:
        self._central_count += 1
        controller = ModelledController(
            f"central-{self._central_count}",
            link=self.link,
            public_address=static_central_public(self.seed, self._central_count),
            profile=FixedProfile(distance_m=0.0, link_model=self.central_model),
            seed=self.seed,
            extended_advertising=True,
            host_source=host_source,
            host_sink=host_sink,
        )
        self.centrals.append(controller)
        return controller

    def link_packets_per_event(self, peer_address: str) -> tuple[bool, int | None]:
        """(found, limit) for a central's connection to `peer_address`: the packets a
        connection event carries at most on it (the lesser of the two controllers'; None:
        only the interval limits an event)."""
        wanted = peer_address.upper()
        for central in self.centrals:
            for address, air in central.air_connections.items():
                if address.to_string(False).upper() == wanted:
                    return True, air.packets_per_event
        return False, None

    def open_central(self) -> CentralPort:
        """A new central controller on the link; its host drives it exactly like a dongle."""
        controller = self._new_central_controller()
        return CentralPort(source=controller, sink=AsyncPipeSink(controller), controller=controller)

    def close_central(self, controller: ModelledController) -> None:
        _silence(controller)
        self.link.remove_controller(controller)
        if controller in self.centrals:
            self.centrals.remove(controller)

    async def serve_hci(self, spec: str = "tcp-server:127.0.0.1:0") -> ServedController:
        """Serve a new central controller over HCI: `tcp-server:HOST:PORT` (port 0 = any free)."""
        port: int | None = None
        client_spec = spec
        if spec.startswith("tcp-server:"):
            host, _, port_text = spec[len("tcp-server:") :].rpartition(":")
            host = host or "127.0.0.1"
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("" if host == "_" else host, int(port_text)))
            except (OSError, ValueError):
                sock.close()
                raise
            from bumble.transport.tcp_server import open_tcp_server_transport_with_socket

            transport = await open_tcp_server_transport_with_socket(sock)
            port = int(sock.getsockname()[1])
            client_host = "127.0.0.1" if host in ("_", "0.0.0.0") else host
            client_spec = f"tcp-client:{client_host}:{port}"
        else:
            transport = await open_transport(spec)
        controller = self._new_central_controller(
            host_source=transport.source, host_sink=transport.sink
        )
        served = ServedController(
            spec=client_spec, port=port, controller=controller, transport=transport
        )
        self.served.append(served)
        return served

    # ------------------------------------------------------------------ peripherals

    def _build_member(self, index: int, peripheral: VirtualPeripheral) -> WorldMember:
        rng = random.Random(f"{self.seed}:{index}:{peripheral.name}")
        public = peripheral.address_type == "public"
        controller = ModelledController(
            f"sim:{peripheral.name}",
            link=self.link,
            public_address=hci.Address(peripheral.address, hci.Address.PUBLIC_DEVICE_ADDRESS)
            if public
            else None,
            profile=peripheral,
            seed=self.seed + index,
            # Legacy advertising commands: how peripherals update their data at runtime.
            extended_advertising=False,
        )
        irk = peripheral.irk if peripheral.irk is not None else rng.randbytes(16)
        config = DeviceConfiguration()
        config.name = peripheral.name
        if peripheral.address_type in ("random-static", "resolvable"):
            config.address = hci.Address(peripheral.address, hci.Address.RANDOM_DEVICE_ADDRESS)
        else:
            config.address = static_random_address(rng)
        config.irk = irk  # each device its own: Bumble's default is all zeros
        config.le_rpa_timeout = 0  # the world rotates addresses (Device.update_rpa is wrong)
        config.identity_address_type = None if public else hci.Address.RANDOM_DEVICE_ADDRESS
        interval = max(float(peripheral.adv_interval_ms), 20.0)
        config.advertising_interval_min = interval
        config.advertising_interval_max = interval
        device = Device(config=config, host=WorldHost(controller, AsyncPipeSink(controller)))
        if self.bond_store is not None:
            # Set before power-on: Bumble then loads the IRKs of the bonded centrals.
            device.keystore = BondKeyStore(
                self.bond_store, local_address=peripheral.address.upper()
            )
        return WorldMember(
            peripheral=peripheral, controller=controller, device=device, rng=rng, irk=irk
        )

    async def _bring_up(self, member: WorldMember) -> None:
        peripheral, device = member.peripheral, member.device
        peripheral.device = device
        peripheral.configure(device)
        await device.power_on()
        if peripheral.address_type in ("resolvable", "non-resolvable"):
            await self._set_private_address(member)
        device.on(
            device.EVENT_CONNECTION, lambda connection: self._on_connection(member, connection)
        )
        await self._start_advertising(member)
        await peripheral.start(device)
        if peripheral.address_type in ("resolvable", "non-resolvable") and peripheral.rpa_rotate_s:
            member.tasks.append(asyncio.create_task(self._rotate(member, peripheral.rpa_rotate_s)))

    async def _set_private_address(self, member: WorldMember) -> None:
        if member.peripheral.address_type == "resolvable":
            address = resolvable_private_address(member.irk, member.rng)
        else:
            address = non_resolvable_private_address(member.rng)
        await member.device.send_sync_command(
            hci.HCI_LE_Set_Random_Address_Command(random_address=address)
        )
        member.device.random_address = address

    async def _start_advertising(self, member: WorldMember) -> None:
        peripheral = member.peripheral
        scan_response = peripheral.scan_response_data()
        await member.device.start_advertising(
            advertising_type=advertising_type_for(peripheral),
            own_address_type=member.own_address_type,
            auto_restart=False,  # the world restarts it, with the peripheral's data of now
            advertising_data=peripheral.advertising_data(),
            scan_response_data=scan_response if scan_response is not None else b"",
        )
        member.advertising = True

    def _on_connection(self, member: WorldMember, connection: Connection) -> None:
        member.advertising = False  # the controller stopped advertising on CONNECT_IND

        def on_disconnection(_reason: int) -> None:
            if self._started and not member.stopping:
                member.tasks.append(asyncio.create_task(self._readvertise(member)))

        connection.once(connection.EVENT_DISCONNECTION, on_disconnection)

    async def _readvertise(self, member: WorldMember) -> None:
        if not self._started or member.stopping or member.advertising:
            return
        try:
            await self._start_advertising(member)
        except Exception:  # noqa: BLE001 - the world keeps running; say why in the log
            logger.exception("restarting advertising of %s failed", member.peripheral.name)
        finally:
            task = asyncio.current_task()
            if task in member.tasks:
                member.tasks.remove(task)

    async def _rotate(self, member: WorldMember, period_s: float) -> None:
        while self._started and not member.stopping:
            await asyncio.sleep(period_s)
            if not self._started or member.stopping:
                return
            if member.device.connections:
                continue  # an address never changes under a live connection here
            await self._new_private_address(member)


def static_central_public(seed: int, index: int) -> hci.Address:
    """A stable public address for the n-th central controller (a dongle has one too)."""
    rng = random.Random(f"central:{seed}:{index}")
    raw = bytes([index & 0xFF]) + rng.randbytes(2) + bytes([0x5E, 0xBE, 0x0B])
    return hci.Address(raw, hci.Address.PUBLIC_DEVICE_ADDRESS)


def _silence(controller: ModelledController) -> None:
    """Stop the controller's timers so nothing fires after the world is gone."""
    controller.le_legacy_advertiser.stop()
    for advertising_set in controller.advertising_sets.values():
        advertising_set.stop()
    controller.le_scan_enable = False
    controller.pending_le_connection = None


def default_peripherals(seed: int) -> list[VirtualPeripheral]:
    """The built-in catalogue (`catalogue.default_catalogue`)."""
    return list(default_catalogue(seed=seed))

"""What the integration tests stand on: a virtual world with one Bumble central to poke
its peripherals (`Rig`), a SessionManager on a world of chosen peripherals
(`sim_session`), and `wait_until`.

The world runs each peripheral on its own modelled controller; the central is a plain
Bumble Device on a central controller of the same world, as a dongle would be.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bumble import hci
from bumble.device import Connection, Device, Peer
from bumble.host import Host
from bumble.keys import PairingKeys
from bumble.pairing import PairingConfig, PairingDelegate

from blebench.session.manager import SessionManager, SessionSettings
from blebench.sim.catalogue.base import VirtualPeripheral
from blebench.sim.world import VirtualWorld

CENTRAL_ADDRESS = "F0:F1:F2:F3:F4:F5"
CONNECT_TIMEOUT_S = 3.0
IoCapability = PairingDelegate.IoCapability


class CentralDelegate(PairingDelegate):
    """A central that types a given passkey (None refuses) and answers yes to the rest."""

    def __init__(self, io: IoCapability, passkey: int | None = None) -> None:
        super().__init__(io_capability=io)
        self.passkey = passkey

    async def get_number(self) -> int | None:
        return self.passkey


@dataclass
class Rig:
    world: VirtualWorld
    central: Device

    @classmethod
    async def start(cls, *peripherals: VirtualPeripheral, seed: int = 0) -> Rig:
        world = VirtualWorld(list(peripherals), seed=seed)
        await world.start()
        port = world.open_central()
        central = Device(
            name="central",
            address=hci.Address(CENTRAL_ADDRESS, hci.Address.RANDOM_DEVICE_ADDRESS),
            host=Host(port.source, port.sink),
        )
        await central.power_on()
        return cls(world, central)

    def device(self, peripheral: VirtualPeripheral) -> Device:
        return self.world.member(peripheral.name).device

    def air_address(self, peripheral: VirtualPeripheral) -> hci.Address:
        return self.world.member(peripheral.name).air_address

    def pairing(
        self,
        *,
        io: IoCapability = IoCapability.DISPLAY_OUTPUT_AND_KEYBOARD_INPUT,
        sc: bool = True,
        mitm: bool = True,
        bonding: bool = True,
        passkey: int | None = None,
    ) -> None:
        """What the central asks for when it pairs next."""
        self.central.pairing_config_factory = lambda _c: PairingConfig(
            sc=sc, mitm=mitm, bonding=bonding, delegate=CentralDelegate(io, passkey)
        )

    async def connect(
        self, peripheral: VirtualPeripheral, timeout: float = CONNECT_TIMEOUT_S
    ) -> tuple[Connection, Peer]:
        connection = await self.central.connect(self.air_address(peripheral), timeout=timeout)
        peer = Peer(connection)
        await peer.discover_services()
        await peer.discover_characteristics()
        for service in peer.services:
            for characteristic in service.characteristics:
                await characteristic.discover_descriptors()
        return connection, peer

    async def central_keys(self, connection: Connection) -> PairingKeys | None:
        """The keys the central stored for this connection's peer."""
        assert self.central.keystore is not None
        return await self.central.keystore.get(str(connection.peer_address))

    async def close(self) -> None:
        for connection in list(self.central.connections.values()):
            try:
                await asyncio.wait_for(connection.disconnect(), 1.0)
            except Exception:  # noqa: BLE001 - tearing down
                pass
        await self.world.stop()


RigFactory = Callable[..., Awaitable[Rig]]


@asynccontextmanager
async def sim_session(*peripherals: VirtualPeripheral) -> AsyncIterator[SessionManager]:
    """A SessionManager on a virtual world of exactly these peripherals (no user-defined
    devices): what a user of blebench drives."""
    settings = SessionSettings(sim=True, peripherals=tuple(peripherals), user_devices=False)
    async with await SessionManager.open(settings) as session:
        yield session


async def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll until `predicate()` holds (peripheral-side state lags the central a little);
    the timeout is a bound for a failing test, not a timing."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)

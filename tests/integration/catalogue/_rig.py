"""A small stand-in for the virtual world: one central and catalogue peripherals on a link.

Each party is a real Bumble Device with its own Controller on one `LocalLink`, as in
Bumble's own tests. The stock link drops ACL data from public addresses, so a peripheral
whose identity is public advertises here with a random static address instead.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bumble import hci
from bumble.controller import Controller
from bumble.device import AdvertisingType, Connection, Device, Peer
from bumble.host import Host
from bumble.link import LocalLink
from bumble.pairing import PairingConfig, PairingDelegate
from bumble.transport.common import AsyncPipeSink

from blebench.sim.catalogue.base import VirtualPeripheral

CENTRAL_ADDRESS = "F0:F1:F2:F3:F4:F5"
CONNECT_TIMEOUT_S = 3.0


def _make_device(link: LocalLink, name: str, address: str) -> Device:
    controller = Controller(name, link=link)
    return Device(
        name=name,
        address=hci.Address(address, hci.Address.RANDOM_DEVICE_ADDRESS),
        host=Host(controller, AsyncPipeSink(controller)),
    )


def _air_address(peripheral: VirtualPeripheral) -> str:
    if peripheral.address_type == "public":
        first = int(peripheral.address[:2], 16) | 0xC0  # same bytes, made random static
        return f"{first:02X}{peripheral.address[2:]}"
    return peripheral.address


class PasskeyDelegate(PairingDelegate):
    """A central that types a given passkey (or None to refuse)."""

    def __init__(self, io: PairingDelegate.IoCapability, passkey: int | None = None) -> None:
        super().__init__(io_capability=io)
        self.passkey = passkey

    async def get_number(self) -> int | None:
        return self.passkey


@dataclass
class Rig:
    link: LocalLink
    central: Device
    peripherals: list[tuple[VirtualPeripheral, Device]] = field(default_factory=list)

    @classmethod
    async def create(cls) -> Rig:
        link = LocalLink()
        central = _make_device(link, "central", CENTRAL_ADDRESS)
        await central.power_on()
        return cls(link, central)

    async def add(self, peripheral: VirtualPeripheral) -> Device:
        device = _make_device(self.link, peripheral.name, _air_address(peripheral))
        if peripheral.irk is not None:
            device.irk = peripheral.irk
            # Bumble then advertises from a resolvable private address made with it.
            device.le_privacy_enabled = peripheral.address_type == "resolvable"
        peripheral.configure(device)
        await device.power_on()
        scan_response = peripheral.scan_response_data()
        await device.start_advertising(
            advertising_type=(
                AdvertisingType.UNDIRECTED_CONNECTABLE_SCANNABLE
                if peripheral.connectable
                else AdvertisingType.UNDIRECTED
            ),
            advertising_data=peripheral.advertising_data(),
            scan_response_data=scan_response or b"",
            advertising_interval_min=20.0,
            advertising_interval_max=20.0,
        )
        await peripheral.start(device)
        self.peripherals.append((peripheral, device))
        return device

    async def connect(
        self,
        device: Device,
        *,
        io: PairingDelegate.IoCapability = PairingDelegate.IoCapability.DISPLAY_OUTPUT_AND_KEYBOARD_INPUT,
        sc: bool = True,
        mitm: bool = True,
        bonding: bool = True,
        passkey: int | None = None,
    ) -> tuple[Connection, Peer]:
        self.central.pairing_config_factory = lambda _c: PairingConfig(
            sc=sc, mitm=mitm, bonding=bonding, delegate=PasskeyDelegate(io, passkey)
        )
        connection = await self.central.connect(
            device.random_address, timeout=CONNECT_TIMEOUT_S
        )
        peer = Peer(connection)
        await peer.discover_services()
        await peer.discover_characteristics()
        for service in peer.services:
            for characteristic in service.characteristics:
                await characteristic.discover_descriptors()
        return connection, peer

    async def close(self) -> None:
        for peripheral, _ in self.peripherals:
            await peripheral.stop()
        for connection in list(self.central.connections.values()):
            try:
                await asyncio.wait_for(connection.disconnect(), 1.0)
            except Exception:  # noqa: BLE001 - tearing down
                pass

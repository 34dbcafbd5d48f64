"""GATT building blocks shared by the catalogue's devices.

Services are Bumble `gatt.Service` objects with plain byte values, so what a client reads
is exactly what the spec lays out. The helpers here cover what several devices share:
the GAP identity, Battery (and a device whose level the user sets by hand), Device
Information (with PnP ID, which Bumble's profile lacks), CCCDs that need a secure link,
and sending notifications or indications to whoever subscribed.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bumble import gatt
from bumble.att import (
    ATT_READ_NOT_PERMITTED_ERROR,
    ATT_WRITE_NOT_PERMITTED_ERROR,
    ATT_Error,
    Attribute,
    AttributeValueV2,
    Bearer,
)
from bumble.core import UUID, BaseBumbleError
from bumble.device import Connection, Device
from bumble.gatt import Characteristic, CharacteristicValue, Descriptor, Service

from blebench.sim.catalogue._adv import push_advertising
from blebench.sim.catalogue.base import Control, VirtualPeripheral
from blebench.stack.smp_bridge import PeripheralSecurity

Props = Characteristic.Properties
Perm = Attribute.Permissions

READ = Perm.READABLE
WRITE = Perm.WRITEABLE
READ_WRITE = Perm.READABLE | Perm.WRITEABLE
READ_ENC = Perm.READABLE | Perm.READ_REQUIRES_ENCRYPTION
WRITE_ENC = Perm.WRITEABLE | Perm.WRITE_REQUIRES_ENCRYPTION
READ_WRITE_ENC = READ_ENC | WRITE_ENC
READ_AUTH = READ_ENC | Perm.READ_REQUIRES_AUTHENTICATION
WRITE_AUTH = WRITE_ENC | Perm.WRITE_REQUIRES_AUTHENTICATION

# PnP ID vendor id sources (Device Information Service 3.9).
VENDOR_SOURCE_BLUETOOTH_SIG = 0x01
VENDOR_SOURCE_USB_IF = 0x02


NONE = Perm(0)  # a notify-only value: ATT reads are refused

UuidLike = str | int | UUID


def static(uuid: UuidLike, value: bytes, permissions: Perm = READ) -> Characteristic[bytes]:
    """A read-only characteristic with a fixed value."""
    return Characteristic(_uuid(uuid), Props.READ, permissions, value)


def _uuid(uuid: UuidLike) -> str | UUID:
    return f"{uuid:04X}" if isinstance(uuid, int) else uuid


def set_gap_identity(device: Device, name: str, appearance: int) -> None:
    """Give the GAP service (added by Bumble at construction) this name and appearance."""
    device.name = name
    for service in device.gatt_server.services:
        if service.uuid != gatt.GATT_GENERIC_ACCESS_SERVICE:
            continue
        for characteristic in service.characteristics:
            if characteristic.uuid == gatt.GATT_DEVICE_NAME_CHARACTERISTIC:
                characteristic.value = name.encode("utf-8")[:248]
            elif characteristic.uuid == gatt.GATT_APPEARANCE_CHARACTERISTIC:
                characteristic.value = struct.pack("<H", appearance)


class BatteryLevel:
    """Battery Service (0x180F): a level in percent, readable and notified on change."""

    def __init__(self, level: int, permissions: Perm = READ) -> None:
        self.level = max(0, min(100, level))
        self.characteristic: Characteristic[bytes] = Characteristic(
            gatt.GATT_BATTERY_LEVEL_CHARACTERISTIC,
            Props.READ | Props.NOTIFY,
            permissions,
            CharacteristicValue(read=lambda _connection: bytes([self.level])),
        )
        self.service = Service(gatt.GATT_BATTERY_SERVICE, [self.characteristic])

    async def set(self, device: Device, level: int) -> None:
        level = max(0, min(100, level))
        if level != self.level:
            self.level = level
            await device.notify_subscribers(self.characteristic, bytes([level]))


def device_information(
    *,
    manufacturer: str,
    model: str,
    serial: str | None = None,
    hardware: str | None = None,
    firmware: str | None = None,
    software: str | None = None,
    pnp_id: tuple[int, int, int, int] | None = None,
) -> Service:
    """Device Information Service (0x180A). `pnp_id` = (vendor id source, vendor id,
    product id, product version)."""
    fields = (
        (gatt.GATT_MANUFACTURER_NAME_STRING_CHARACTERISTIC, manufacturer),
        (gatt.GATT_MODEL_NUMBER_STRING_CHARACTERISTIC, model),
        (gatt.GATT_SERIAL_NUMBER_STRING_CHARACTERISTIC, serial),
        (gatt.GATT_HARDWARE_REVISION_STRING_CHARACTERISTIC, hardware),
        (gatt.GATT_FIRMWARE_REVISION_STRING_CHARACTERISTIC, firmware),
        (gatt.GATT_SOFTWARE_REVISION_STRING_CHARACTERISTIC, software),
    )
    characteristics: list[Characteristic[Any]] = [
        Characteristic(uuid, Props.READ, READ, text.encode("utf-8"))
        for uuid, text in fields
        if text is not None
    ]
    if pnp_id is not None:
        characteristics.append(
            Characteristic(
                gatt.GATT_PNP_ID_CHARACTERISTIC, Props.READ, READ, struct.pack("<BHHH", *pnp_id)
            )
        )
    return Service(gatt.GATT_DEVICE_INFORMATION_SERVICE, characteristics)


WriteHandler = Callable[[Connection, bytes], None] | Callable[[Connection, bytes], Awaitable[None]]
ReadHandler = Callable[[Connection], bytes] | Callable[[Connection], Awaitable[bytes]]


def dynamic(
    uuid: UuidLike,
    properties: Props,
    permissions: Perm,
    *,
    read: ReadHandler | None = None,
    write: WriteHandler | None = None,
    descriptors: list[Descriptor] | None = None,
) -> Characteristic[bytes]:
    """A characteristic whose reads and writes go to the device's own code.

    Without a handler (or the permission) the request is refused as a real device does,
    with ATT Read/Write Not Permitted: Bumble 0.0.236 checks only the security bits and
    would raise inside its server, leaving the client to time out.
    """
    readable = read is not None and bool(permissions & Perm.READABLE)
    writable = write is not None and bool(permissions & Perm.WRITEABLE)
    return Characteristic(
        _uuid(uuid),
        properties,
        permissions,
        CharacteristicValue(
            read=read if readable else _read_not_permitted,
            write=write if writable else _write_not_permitted,
        ),
        descriptors=descriptors or [],
    )


def _read_not_permitted(_connection: Connection) -> bytes:
    raise ATT_Error(ATT_READ_NOT_PERMITTED_ERROR)


def _write_not_permitted(_connection: Connection, _value: bytes) -> None:
    raise ATT_Error(ATT_WRITE_NOT_PERMITTED_ERROR)


def secured_cccd(
    device: Device,
    characteristic: Characteristic[Any],
    permissions: Perm = READ_WRITE_ENC,
    check: Callable[[Connection], Awaitable[None]] | None = None,
) -> Descriptor:
    """A Client Characteristic Configuration descriptor with its own permissions.

    Bumble adds an open CCCD to every notifying characteristic; HID reports need one that
    refuses subscriptions over an insecure link. This descriptor stores subscriptions in
    the GATT server exactly as Bumble's own CCCD does, so notifications work the same.
    `check` may raise an ATT error (for example when the link is encrypted but unbonded).
    """
    server = device.gatt_server

    def read(bearer: Bearer) -> bytes:
        return server.read_cccd(bearer, characteristic)

    async def write(bearer: Bearer, value: bytes) -> None:
        if check is not None:
            await check(_connection_of(bearer))
        server.write_cccd(bearer, characteristic, value)

    descriptor = Descriptor(
        gatt.GATT_CLIENT_CHARACTERISTIC_CONFIGURATION_DESCRIPTOR,
        permissions,
        AttributeValueV2(read=read, write=write),
    )
    characteristic.descriptors = [*characteristic.descriptors, descriptor]
    return descriptor


def _connection_of(bearer: Bearer) -> Connection:
    # Enhanced ATT bearers are L2CAP channels; the plain bearer is the connection itself.
    connection = getattr(bearer, "connection", bearer)
    assert isinstance(connection, Connection)
    return connection


def has_subscribers(device: Device, characteristic: Characteristic[Any]) -> bool:
    """True when some connected client enabled notifications or indications."""
    for cccds in device.gatt_server.subscribers.values():
        value = cccds.get(characteristic.handle)
        if value and value[0] & 0x03:
            return True
    return False


async def notify(device: Device, characteristic: Characteristic[Any], value: bytes) -> None:
    """Notify `value` to every subscriber (nothing happens when no one subscribed)."""
    await device.notify_subscribers(characteristic, value)


def indicating(device: Device, characteristic: Characteristic[Any]) -> list[Connection]:
    """The connections whose client enabled indications of `characteristic`."""
    out: list[Connection] = []
    for bearer, cccds in device.gatt_server.subscribers.items():
        value = cccds.get(characteristic.handle)
        if value and value[0] & 0x02:
            connection = getattr(bearer, "connection", bearer)
            if isinstance(connection, Connection) and connection.handle in device.connections:
                out.append(connection)
    return out


async def indicate(
    device: Device, characteristic: Characteristic[Any], value: bytes, timeout: float = 2.0
) -> int:
    """Indicate `value` to every client that enabled indications, side by side, and wait
    for their confirmations; returns how many confirmed.

    Bumble waits 30 s for a confirmation even after the link dropped, and its own
    `indicate_subscribers` leaves that timeout as an unretrieved task exception: here a
    client that does not confirm within `timeout` just misses this value."""

    async def one(connection: Connection) -> bool:
        try:
            await asyncio.wait_for(
                device.indicate_subscriber(connection, characteristic, value), timeout
            )
        except (TimeoutError, ATT_Error, BaseBumbleError):
            return False  # the client went away or does not confirm: it misses this one
        return True

    connections = indicating(device, characteristic)
    if not connections:
        return 0
    return sum(await asyncio.gather(*(one(c) for c in connections)))


class GattPeripheral(VirtualPeripheral):
    """A connectable catalogue device: GAP identity, services and an SMP policy.

    Subclasses return their services from `services()` and may set `security`.
    """

    appearance: int = 0

    def __init__(self, *, seed: int = 0) -> None:
        super().__init__(seed=seed)
        self.security: PeripheralSecurity | None = None

    def services(self, device: Device) -> list[Service]:
        return []

    def configure(self, device: Device) -> None:
        self.device = device
        set_gap_identity(device, self.name, self.appearance)
        device.add_services(self.services(device))
        if self.security is not None:
            self.security.install(device)

    @property
    def bumble(self) -> Device:
        """The Bumble device this peripheral runs on (set by `configure`)."""
        if self.device is None:
            raise RuntimeError(f"{self.name} is not part of a running world")
        return self.device


class BatteryPowered(GattPeripheral):
    """A device with a Battery Service (`self.battery`, made by the subclass) and a
    `set_battery` control. Subclasses with controls of their own add them to these."""

    battery: BatteryLevel

    def controls(self) -> Mapping[str, Control]:
        return {
            "set_battery": Control(
                "Set the battery level (percent)", self.set_battery, "level: int"
            ),
        }

    async def set_battery(self, level: int) -> None:
        if not 0 <= level <= 100:
            raise ValueError(f"battery level must be 0-100 %, not {level}")
        await self.battery.set(self.bumble, level)


class Beacon(GattPeripheral):
    """A non-connectable advertiser. Its GAP service exists (Bumble adds one to every
    device) but nobody can connect to read it; the world refuses connections to it."""

    connectable = False

    async def refresh_advertising(self) -> None:
        """Send the advertising data of now to the controller (after a value changed)."""
        await push_advertising(self.bumble, self.advertising_data(), self.scan_response_data())

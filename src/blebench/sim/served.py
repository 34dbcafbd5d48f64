"""One user-defined device served on a Bumble radio: a dongle or HCI server (`serve_on_hci`)
or the virtual world (`serve_in_world`). `blebench peripheral` runs them.

On a controller of its own the device does what the virtual world does for its members:
address, advertising (data, scan response, type, interval), readvertising after a
disconnection (Bumble's `auto_restart`), then the peripheral's own GATT and behaviours.
In the virtual world it joins the catalogue (a catalogue device of the same name steps
aside) and the world serves a central controller over HCI for other processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from blebench.errors import SetupError
from blebench.sim.peripheral_events import Observer, PeripheralEvent
from blebench.sim.userdevices import UserDefinedPeripheral

logger = logging.getLogger(__name__)


class ServeError(SetupError):
    """The radio could not serve the device; str() is one line for the user."""


def _advertising_event(peripheral: UserDefinedPeripheral, address: str, kind: str,
                       where: str, note: str | None) -> PeripheralEvent:
    scan = peripheral.scan_response_data()
    fields = {
        "device": peripheral.name,
        "address": address,
        "address_type": kind,
        "connectable": peripheral.connectable,
        "interval_ms": peripheral.adv_interval_ms,
        "adv": peripheral.advertising_data().hex(),
        "scan_response": scan.hex() if scan is not None else None,
        "radio": where,
        "note": note,
    }
    text = (
        f"{peripheral.name} on {where} as {address} ({kind}), "
        f"{'connectable' if peripheral.connectable else 'non-connectable'}, "
        f"every {peripheral.adv_interval_ms:g} ms; adv {peripheral.advertising_data().hex(' ') or '(empty)'}"
        + (f"; scan response {scan.hex(' ') or '(empty)'}" if scan is not None else "")
        + (f". {note}" if note else "")
    )
    return PeripheralEvent("advertising", text, fields)


async def serve_on_hci(
    peripheral: UserDefinedPeripheral,
    spec: str,
    emit: Observer,
    until: Callable[[], Awaitable[object]],
    *,
    bonds: Path | None = None,
) -> None:
    """Serve `peripheral` on the controller at `spec` (usb:0, serial:..., tcp-client:...)
    until `until()` returns."""
    from bumble import hci
    from bumble.device import Device, DeviceConfiguration
    from bumble.transport import open_transport

    from blebench.sim.world import (
        advertising_type_for,
        non_resolvable_private_address,
        resolvable_private_address,
        static_random_address,
    )
    from blebench.stack.quiet_host import QuietHost

    try:
        transport = await asyncio.wait_for(open_transport(spec), 10.0)
    except Exception as exc:  # noqa: BLE001 - every transport's failure, in words
        why = str(exc) or type(exc).__name__
        raise ServeError(f"--transport {spec}: cannot open it: {why}") from None
    rng = random.Random(f"peripheral:{peripheral.name}:{peripheral.address}")
    try:
        config = DeviceConfiguration()
        config.name = peripheral.name
        kind = peripheral.address_type
        if kind in ("random-static", "resolvable"):
            config.address = hci.Address(peripheral.address, hci.Address.RANDOM_DEVICE_ADDRESS)
        else:
            config.address = static_random_address(rng)
        irk = peripheral.irk if peripheral.irk is not None else rng.randbytes(16)
        config.irk = irk
        config.le_rpa_timeout = 0
        config.advertising_interval_min = peripheral.adv_interval_ms
        config.advertising_interval_max = peripheral.adv_interval_ms
        device = Device(config=config, host=QuietHost(transport.source, transport.sink))
        if bonds is not None:
            from blebench.pairing.bonds import BondStore
            from blebench.stack.keystore import BondKeyStore

            device.keystore = BondKeyStore(BondStore(bonds),
                                           local_address=peripheral.address.upper())
        peripheral.device = device
        peripheral.configure(device)
        try:
            await asyncio.wait_for(device.power_on(), 10.0)
        except Exception as exc:  # noqa: BLE001 - a controller that does not answer
            raise ServeError(
                f"--transport {spec}: the controller did not answer HCI Reset and setup "
                f"({str(exc) or 'timed out'}): is it a Bluetooth LE controller, and free?"
            ) from None
        note = None
        if kind == "public":
            air = device.public_address
            own = hci.OwnAddressType.PUBLIC
            if str(air).split("/")[0].upper() != peripheral.address.upper():
                note = (f"A public address is the controller's own: {str(air).split('/')[0]}, "
                        f"not the file's {peripheral.address}")
        else:
            own = hci.OwnAddressType.RANDOM
            if kind == "resolvable":
                air = resolvable_private_address(irk, rng)
            elif kind == "non-resolvable":
                air = non_resolvable_private_address(rng)
            else:
                air = config.address
            if kind != "random-static":
                await device.send_sync_command(
                    hci.HCI_LE_Set_Random_Address_Command(random_address=air)
                )
                device.random_address = air
                note = "the private address does not rotate on a dongle"
        scan = peripheral.scan_response_data()

        async def advertise() -> None:
            await device.start_advertising(
                advertising_type=advertising_type_for(peripheral),
                own_address_type=own,
                auto_restart=False,  # restarted below, also while connected
                advertising_data=peripheral.advertising_data(),
                scan_response_data=scan if scan is not None else b"",
                advertising_interval_min=peripheral.adv_interval_ms,
                advertising_interval_max=peripheral.adv_interval_ms,
            )

        await advertise()
        if peripheral.connectable:
            _keep_advertising(device, advertise)
        emit(_advertising_event(peripheral, str(air).split("/")[0], kind, spec, note))
        await peripheral.start(device)
        await until()
        await peripheral.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(device.stop_advertising(), 2.0)
        for connection in list(device.connections.values()):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.disconnect(), 2.0)
    finally:
        with contextlib.suppress(Exception):
            await transport.close()


def _keep_advertising(device: Any, advertise: Callable[[], Awaitable[None]]) -> None:
    """Advertise again after each connection and disconnection, so a second central can
    connect while one is linked, and a central that vanished without a Disconnect (a
    stock controller keeps such a link: it models no supervision timeout) does not hide
    the device. A controller that refuses to advertise while linked says so in the log
    (INFO); advertising resumes after the next disconnection."""
    lock = asyncio.Lock()
    tasks: set[asyncio.Task[None]] = set()

    async def again() -> None:
        async with lock:
            if device.is_advertising:
                return
            try:
                await advertise()
            except Exception as exc:  # noqa: BLE001 - the link stays; advertising waits
                logger.info("advertising again failed (%s); it resumes after a disconnection",
                            exc)

    def kick(*_args: Any) -> None:
        task = asyncio.ensure_future(again())
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def on_connection(connection: Any) -> None:
        kick()
        connection.once(connection.EVENT_DISCONNECTION, kick)

    device.on(device.EVENT_CONNECTION, on_connection)


async def serve_in_world(
    peripheral: UserDefinedPeripheral,
    hci_spec: str,
    emit: Observer,
    until: Callable[[], Awaitable[object]],
    *,
    seed: int = 0,
    on_served: Callable[[str], None] | None = None,
) -> None:
    """Serve `peripheral` in a virtual world of its own beside the catalogue, and serve
    that world's central controller at `hci_spec` (tcp-server:HOST:PORT) for other
    processes; `on_served(spec)` gets the spec they connect with."""
    from blebench import paths
    from blebench.sim.world import VirtualWorld, default_peripherals

    others = [p for p in default_peripherals(seed) if p.name != peripheral.name]
    world = VirtualWorld([*others, peripheral], seed=seed, bonds=paths.sim_bonds_file())
    try:
        await world.start()
        try:
            served = await world.serve_hci(hci_spec)
        except (OSError, ValueError) as exc:
            raise ServeError(f"--hci {hci_spec}: {getattr(exc, 'strerror', None) or exc}") from None
        member = world.member(peripheral.name)
        kind = peripheral.address_type
        air = str(member.air_address).split("/")[0]
        if on_served is not None:
            on_served(served.spec)
        emit(_advertising_event(
            peripheral, air, kind, f"the virtual world ({len(world)} devices)",
            f"centrals: --transport {served.spec}",
        ))
        await until()
    finally:
        await world.stop()

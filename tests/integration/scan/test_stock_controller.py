"""blebench scans through a stock Bumble controller served by another process: the backend
works with any HCI controller, not only the virtual world's."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest
from bumble import hci
from bumble.device import Device
from bumble.transport import Transport, open_transport

from blebench.session.manager import SessionManager, SessionSettings
from tests.integration.scan.conftest import free_port

ADV = bytes.fromhex("020106") + bytes([8, 0x09]) + b"Stocky!"


async def connect_when_listening(port: int, process: subprocess.Popen[bytes]) -> Transport:
    """The transport to `port` once the server listens. No probe connections: the stock
    TCP server has one sink, and a probe's late disconnection would detach the real client."""
    for _ in range(400):
        if process.poll() is not None:
            raise AssertionError("bumble.apps.controllers exited")
        try:
            return await open_transport(f"tcp-client:127.0.0.1:{port}")
        except OSError:
            await asyncio.sleep(0.025)
    raise AssertionError(f"nothing listens on {port}")


@pytest.fixture
async def stock_controllers() -> AsyncIterator[tuple[subprocess.Popen[bytes], int, int]]:
    central, peripheral = free_port(), free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bumble.apps.controllers",
            f"tcp-server:127.0.0.1:{central}",
            f"tcp-server:127.0.0.1:{peripheral}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process, central, peripheral
    finally:
        process.terminate()
        process.wait(timeout=5)


@pytest.mark.slow
async def test_scan_via_a_stock_bumble_controller(
    stock_controllers: tuple[subprocess.Popen[bytes], int, int],
) -> None:
    process, central_port, peripheral_port = stock_controllers
    # The app opens its transports in order: once the second listens, so does the first.
    transport = await connect_when_listening(peripheral_port, process)
    try:
        advertiser = Device.with_hci(
            "stock peripheral", hci.Address("C5:44:33:22:11:00"), transport.source, transport.sink
        )
        await advertiser.power_on()
        await advertiser.start_advertising(advertising_data=ADV, advertising_interval_min=20)
        session = await SessionManager.open(
            SessionSettings(transport=f"tcp-client:127.0.0.1:{central_port}")
        )
        try:
            await session.start_scan(active=True)
            for _ in range(100):
                if session.registry.get("C5:44:33:22:11:00") is not None:
                    break
                await asyncio.sleep(0.02)
            await session.stop_scan()
            found = session.registry.get("C5:44:33:22:11:00")
            assert found is not None
            assert found.adv is not None and found.adv.raw == ADV
            assert found.name == "Stocky!"
            assert found.address_type == "random-static"
            assert session.radio_info.backend == "bumble-hci"
        finally:
            await session.close()
        await advertiser.power_off()
    finally:
        await transport.close()

"""The world shuts down in order: HCI commands in flight get their replies before any task
is cancelled, so nothing is printed after a command that connected and exited; and a
peripheral that goes away reaches its peers as a supervision timeout (0x08)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

import pytest
from bumble import hci
from bumble.device import Connection, Device

from blebench.session.manager import SessionManager, SessionSettings
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from blebench.sim.world import VirtualWorld

NOISE = ("Traceback", "Task exception was never retrieved", "InvalidStateError",
         "Task was destroyed but it is pending")


@pytest.mark.slow
@pytest.mark.parametrize("device", ["UART Bridge", "HID Keyboard"])
def test_cli_run_that_connects_and_exits_prints_no_traceback(device: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "blebench", "gatt", "--sim", device],
        capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert device in out.stdout
    for noise in NOISE:
        assert noise not in out.stderr, out.stderr


async def test_session_closed_right_after_a_disconnection_leaves_no_loop_errors() -> None:
    """Closing disconnects; the peripherals then restart advertising (HCI commands) while
    the world stops under them. Nothing may reach the loop's exception handler."""
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    try:
        for name in ("UART Bridge", "HID Keyboard", "UART Bridge"):
            # The whole catalogue: its traffic puts the restart in the middle of a command.
            session = await SessionManager.open(SessionSettings(sim=True, user_devices=False))
            await session.connections.connect(name, timeout=5)
            await session.close()
        await asyncio.sleep(0.05)  # late replies, if any, would land now
    finally:
        loop.set_exception_handler(previous)
    assert errors == []


async def test_removed_peripheral_reaches_the_central_as_connection_timeout() -> None:
    world = VirtualWorld([PulseHrm()], seed=3)
    await world.start()
    port = world.open_central()
    central = Device.with_hci("central", hci.Address("F0:F1:F2:F3:F4:F6"), port.source, port.sink)
    await central.power_on()
    try:
        target = world.member("Pulse HRM").air_address
        connection: Connection = await asyncio.wait_for(central.connect(target, timeout=5), 6)
        reasons: asyncio.Queue[int] = asyncio.Queue()
        connection.on(connection.EVENT_DISCONNECTION, reasons.put_nowait)
        await world.remove("Pulse HRM")
        assert reasons.empty()  # nothing is said at once: the peer just stops answering
        reason = await asyncio.wait_for(reasons.get(), 5)
        assert reason == hci.HCI_ErrorCode.CONNECTION_TIMEOUT_ERROR
        assert [m.peripheral.name for m in world.members] == []
    finally:
        await central.power_off()
        await world.stop()

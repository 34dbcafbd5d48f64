"""RSSI on a connection and the on-demand btsnoop capture, through the session on the
virtual world (real Bumble stacks, real HCI), and what the OS stack says instead."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from bleak import BleakClient

from blebench.session import gatt
from blebench.session.capture import CaptureError
from blebench.session.connections import DeviceConnection
from blebench.session.errors import NotConnectedError
from blebench.session.link_rssi import LinkRssiUnavailableError, read_link_rssi
from blebench.session.manager import SessionManager, SessionSettings
from blebench.session.models import ConnectionState
from blebench.session.radios import RadioChoice
from blebench.sim.catalogue.pulse_hrm import PulseHrm

pytestmark = pytest.mark.slow

BTSNOOP_MAGIC = b"btsnoop\x00"


@pytest.fixture
async def session(tmp_path: Path) -> AsyncIterator[SessionManager]:
    manager = await SessionManager.open(
        SessionSettings(
            sim=True,
            peripherals=(PulseHrm(),),
            user_devices=False,
            btsnoop=tmp_path / "whole-run.btsnoop",
        )
    )
    try:
        yield manager
    finally:
        await manager.close()


async def test_rssi_read_twice_on_the_link_to_pulse_hrm(session: SessionManager) -> None:
    conn = await session.connections.connect("Pulse HRM", timeout=10)
    await session.stop_scan()  # no advertisement involved: the link's own value
    first = await read_link_rssi(conn)
    second = await read_link_rssi(conn)
    assert -100 <= first <= 0 and -100 <= second <= 0
    # The sampler keeps them per address, on the registry's clock.
    read = await session.link_rssi.sample_once()
    read_again = await session.link_rssi.sample_once()
    assert set(read) == set(read_again) == {conn.address.upper()}
    history = session.link_rssi.history(conn.address)
    assert len(history) == 2 and history[0][0] <= history[1][0]
    assert all(-100 <= value <= 0 for _, value in history)
    assert session.link_rssi.latest(conn.address) == history[-1][1]


async def test_no_rssi_once_disconnected(session: SessionManager) -> None:
    conn = await session.connections.connect("Pulse HRM", timeout=10)
    await session.connections.disconnect(conn.address)
    assert await session.link_rssi.sample_once() == {}
    with pytest.raises(NotConnectedError) as caught:
        await read_link_rssi(conn)
    assert str(caught.value) == (
        f"reading the connection's RSSI needs a connection to {conn.address}, and there is none"
    )
    assert caught.value.next_step.startswith("connect first")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="bleak's BlueZ client")
async def test_link_rssi_on_bleaks_os_backend_says_not_available() -> None:
    client = BleakClient("AA:BB:CC:DD:EE:FF")  # BlueZ's client; nothing is opened here
    conn = DeviceConnection(
        address="AA:BB:CC:DD:EE:FF",
        name=None,
        target="AA:BB:CC:DD:EE:FF",
        client=client,
        state=ConnectionState.CONNECTED,
    )
    with pytest.raises(LinkRssiUnavailableError) as caught:
        await read_link_rssi(conn)
    assert "not available on this backend (bluez_dbus" in str(caught.value)


async def test_capture_while_running_beside_the_btsnoop_option(
    session: SessionManager, tmp_path: Path
) -> None:
    whole = tmp_path / "whole-run.btsnoop"
    target = tmp_path / "on-demand.btsnoop"
    conn = await session.connections.connect("Pulse HRM", timeout=10)
    assert session.capture.start(target) == target
    with pytest.raises(CaptureError, match="already running"):
        session.capture.start(tmp_path / "second.btsnoop")
    assert target.read_bytes().startswith(BTSNOOP_MAGIC)
    before = target.stat().st_size
    whole_before = whole.stat().st_size if whole.exists() else 0
    await gatt.read(conn, "2a38")  # Body Sensor Location: ATT over HCI ACL
    assert target.stat().st_size > before  # unbuffered: it grows as packets go by
    status = session.capture.stop()
    assert not status.running and status.packets > 0 and status.path == target
    size = target.stat().st_size
    await gatt.read(conn, "2a38")
    assert target.stat().st_size == size  # stopped
    await session.close()
    assert whole.stat().st_size > whole_before  # the --btsnoop capture went on throughout


async def test_capture_errors_in_words(session: SessionManager, tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="is a folder"):
        session.capture.start(tmp_path)
    with pytest.raises(CaptureError, match="cannot write: No such file or directory"):
        session.capture.start(tmp_path / "missing" / "x.btsnoop")
    with pytest.raises(CaptureError, match="no capture is running"):
        session.capture.stop()
    assert not (tmp_path / "missing").exists()


def test_capture_on_the_os_stack_is_not_available() -> None:
    session = SessionManager(SessionSettings(backend="bleak"), RadioChoice("bleak"))
    assert not session.capture.available
    with pytest.raises(CaptureError, match="not available on the OS stack"):
        session.capture.start()

"""A session on the OS stack (bleak against a fake BlueZ with a powered adapter, on a
private dbus-daemon): the radio says it can do none of what blebench does itself, and each
refusal is in words, decided by the radio's capabilities rather than its kind."""

# No `from __future__ import annotations`: dbus-fast reads signatures from annotations.
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from blebench.pairing.delegate import ScriptedDelegate
from blebench.session.errors import CaptureError, PairingUnavailableError
from blebench.session.manager import SessionManager, SessionSettings
from tests.integration.cli.test_os_stack import FakeAdapter, fake_bluez, system_bus

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="BlueZ over D-Bus is the Linux OS stack"
)
__all__ = ["system_bus"]  # the fixture, used by name


@pytest.fixture
async def bluez_powered_on(system_bus: str) -> AsyncIterator[None]:
    bus = await fake_bluez(system_bus, FakeAdapter(powered=True))
    yield
    bus.disconnect()


async def test_the_os_stack_session_refuses_in_words(
    bluez_powered_on: None, tmp_path: Path
) -> None:
    settings = SessionSettings(backend="bleak", peripherals=(), user_devices=False)
    async with await SessionManager.open(settings) as session:
        info = session.radio_info
        assert (info.backend, info.is_virtual, info.reason) == ("bleak", False, None)
        assert info.description == "OS Bluetooth stack (bleak)"
        assert info.capabilities == frozenset() and info.identity is None
        assert session.world is None
        why = session.capture_unavailable_reason() or ""
        assert "not available on the OS stack" in why and "btmon" in why
        with pytest.raises(CaptureError, match="the OS owns the HCI traffic"):
            session.capture.start(tmp_path / "x.btsnoop")
        assert not (tmp_path / "x.btsnoop").exists()
        with pytest.raises(PairingUnavailableError, match="keeps its own bonds"):
            await session.repair("AA:BB:CC:DD:EE:FF", ScriptedDelegate())

"""The OS stack through bleak against a real private dbus-daemon: no BlueZ on the bus, a
fake org.bluez whose adapter is powered off or missing. Each case is one line of words,
`auto` falls back to the virtual world and says why, and the TUI's startup screen shows
the same words."""

# No `from __future__ import annotations`: dbus-fast reads signatures from annotations.
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusBool, DBusStr
from dbus_fast.constants import PropertyAccess
from dbus_fast.service import ServiceInterface, dbus_property

import blebench.backends.os_stack
from blebench.cli import main
from blebench.session.manager import SessionError, SessionManager, SessionSettings
from blebench.ui import settings as settings_mod
from blebench.ui.app import StartupScreen
from blebench.ui.factory import make_app
from tests.ui.app_harness import screen_text, wait_until

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="BlueZ over D-Bus is the Linux OS stack"
)


@pytest.fixture
def system_bus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private dbus-daemon standing in for the system bus (nothing else on it)."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon is not installed (apt-get install dbus)")
    socket = tmp_path / "system_bus_socket"
    process = subprocess.Popen(
        [daemon, "--session", "--nofork", "--nopidfile", "--print-address",
         f"--address=unix:path={socket}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    address = process.stdout.readline().strip()
    if not address:
        process.kill()
        pytest.skip("dbus-daemon did not start")
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", address)
    yield address
    process.terminate()
    process.wait(timeout=5)


class FakeAdapter(ServiceInterface):
    """org.bluez.Adapter1 with the properties bleak reads to pick the default adapter."""

    def __init__(self, powered: bool) -> None:
        super().__init__("org.bluez.Adapter1")
        self._powered = powered

    @dbus_property(access=PropertyAccess.READ)
    def Powered(self) -> DBusBool:  # noqa: N802 - BlueZ's name
        return self._powered

    @dbus_property(access=PropertyAccess.READ)
    def Roles(self) -> "as":  # type: ignore[valid-type]  # noqa: F722, F821, N802
        return ["central", "peripheral"]

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> DBusStr:  # noqa: N802
        return "00:11:22:33:44:55"


async def fake_bluez(address: str, adapter: FakeAdapter | None) -> MessageBus:
    bus = await MessageBus(bus_address=address).connect()
    if adapter is not None:
        bus.export("/org/bluez/hci0", adapter)
    await bus.request_name("org.bluez")
    return bus


@pytest.fixture
async def bluez_powered_off(system_bus: str) -> AsyncIterator[None]:
    bus = await fake_bluez(system_bus, FakeAdapter(powered=False))
    yield
    bus.disconnect()


@pytest.fixture
async def bluez_without_adapter(system_bus: str) -> AsyncIterator[None]:
    bus = await fake_bluez(system_bus, None)
    yield
    bus.disconnect()


async def open_bleak(backend: str = "bleak") -> SessionManager:
    return await SessionManager.open(
        SessionSettings(backend=backend, peripherals=(), user_devices=False)
    )


async def test_no_bluez_on_the_bus(system_bus: str) -> None:
    with pytest.raises(SessionError) as caught:
        await open_bleak()
    text = str(caught.value)
    assert "BlueZ (org.bluez) is not running on the D-Bus system bus" in text
    assert "start bluetoothd" in text and "--sim" in text


def test_no_bluez_from_the_cli(system_bus: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["scan", "--backend", "bleak", "--duration", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert "unexpected error" not in err
    assert err.count("\n") == 1 and "org.bluez" in err


async def test_adapter_powered_off(bluez_powered_off: None) -> None:
    with pytest.raises(SessionError) as caught:
        await open_bleak()
    assert "the Bluetooth adapter is powered off" in str(caught.value)
    assert "bluetoothctl power on" in str(caught.value)


async def test_no_adapter(bluez_without_adapter: None) -> None:
    with pytest.raises(SessionError) as caught:
        await open_bleak()
    assert "lists no adapter" in str(caught.value)


async def test_auto_falls_back_to_the_virtual_world_and_says_why(
    system_bus: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The kernel side says an adapter is there (what /sys/class/bluetooth shows on a
    # machine with one); BlueZ is not: auto must not pick bleak.
    monkeypatch.setattr(blebench.backends.os_stack, "os_adapter", lambda: ("hci0", ""))
    session = await open_bleak("auto")
    try:
        assert session.radio is not None and session.radio_info.is_virtual
        assert session.radio_info.backend == "bumble-sim"
        reason = session.radio_info.reason or ""
        assert reason.startswith("virtual world: the OS stack is not usable")
        assert "org.bluez" in reason
    finally:
        await session.close()


async def test_tui_startup_screen_shows_the_words(bluez_powered_off: None) -> None:
    app = make_app(settings_mod.load(), open_bleak)
    async with app.run_test(size=(120, 30)) as pilot:
        assert await wait_until(pilot, lambda: "powered off" in screen_text(app))
        assert isinstance(app.screen, StartupScreen)
        assert "bluetoothctl power on" in screen_text(app)
        await pilot.press("q")

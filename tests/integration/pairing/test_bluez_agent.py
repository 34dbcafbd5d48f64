"""The BlueZ agent against a fake org.bluez on a real private dbus-daemon.

The fake AgentManager1 records the registration, then calls the agent as bluetoothd does.
"""

# No `from __future__ import annotations`: dbus-fast reads signatures from annotations.
import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from dbus_fast import DBusError
from dbus_fast.aio import MessageBus, ProxyInterface
from dbus_fast.annotations import DBusObjectPath, DBusStr
from dbus_fast.service import ServiceInterface, dbus_method

from blebench.backends.bluez_agent import AGENT_PATH, AgentError, register_agent
from blebench.pairing.delegate import ScriptedDelegate
from blebench.pairing.models import IoCapability

DEVICE = "/org/bluez/hci0/dev_C0_11_22_33_44_55"


@pytest.fixture
def bus_address(tmp_path: Path) -> Iterator[str]:
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon is not installed (apt-get install dbus)")
    socket = tmp_path / "bus"
    process = subprocess.Popen(
        [daemon, "--session", "--nofork", "--nopidfile", "--print-address",
         f"--address=unix:path={socket}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    address = process.stdout.readline().strip()
    if not address:
        process.kill()
        pytest.skip(f"dbus-daemon did not start: {process.stderr.read() if process.stderr else ''}")
    yield address
    process.terminate()
    process.wait(timeout=5)


class FakeAgentManager(ServiceInterface):
    def __init__(self) -> None:
        super().__init__("org.bluez.AgentManager1")
        self.registered: list[tuple[str, str, str]] = []
        self.default: list[str] = []
        self.unregistered: list[str] = []
        self.sender = ""

    @dbus_method()
    def RegisterAgent(self, agent: DBusObjectPath, capability: DBusStr) -> None:  # noqa: N802
        if any(path == agent for path, _, _ in self.registered):
            raise DBusError("org.bluez.Error.AlreadyExists", "Already Exists")
        self.registered.append((agent, capability, ""))

    @dbus_method()
    def RequestDefaultAgent(self, agent: DBusObjectPath) -> None:  # noqa: N802
        self.default.append(agent)

    @dbus_method()
    def UnregisterAgent(self, agent: DBusObjectPath) -> None:  # noqa: N802
        self.unregistered.append(agent)


@pytest.fixture
async def bluez(bus_address: str) -> AsyncIterator[tuple[MessageBus, FakeAgentManager]]:
    bus = await MessageBus(bus_address=bus_address).connect()
    manager = FakeAgentManager()
    bus.export("/org/bluez", manager)
    await bus.request_name("org.bluez")
    yield bus, manager
    bus.disconnect()


async def agent_proxy(bus: MessageBus, owner: str) -> ProxyInterface:
    introspection = await bus.introspect(owner, AGENT_PATH)
    return bus.get_proxy_object(owner, AGENT_PATH, introspection).get_interface("org.bluez.Agent1")


async def test_registers_with_capability_and_answers_as_bluez_asks(
    bus_address: str, bluez: tuple[MessageBus, FakeAgentManager]
) -> None:
    bluez_bus, manager = bluez
    prompts = ScriptedDelegate(passkey=123456, confirm=True)
    registered = await register_agent(prompts, IoCapability.KEYBOARD_DISPLAY, bus_address=bus_address)
    assert manager.registered == [(AGENT_PATH, "KeyboardDisplay", "")]
    assert manager.default == [AGENT_PATH]

    assert registered.bus.unique_name is not None
    agent = await agent_proxy(bluez_bus, registered.bus.unique_name)
    assert await agent.call_request_passkey(DEVICE) == 123456  # type: ignore[attr-defined]
    await agent.call_display_passkey(DEVICE, 654321, 0)  # type: ignore[attr-defined]
    await agent.call_display_passkey(DEVICE, 654321, 1)  # type: ignore[attr-defined]
    await agent.call_request_confirmation(DEVICE, 111222)  # type: ignore[attr-defined]
    await agent.call_request_authorization(DEVICE)  # type: ignore[attr-defined]
    await agent.call_authorize_service(DEVICE, "0000180f-0000-1000-8000-00805f9b34fb")  # type: ignore[attr-defined]
    assert prompts.events == [
        ("request_passkey", 123456),
        ("display_passkey", 654321),
        ("keypress", "digit-entered"),
        ("confirm_numeric", 111222),
        ("confirm_just_works", True),
        ("confirm_just_works", True),
    ]
    await registered.close()
    assert manager.unregistered == [AGENT_PATH]


async def test_refusals_and_cancel_are_bluez_errors(
    bus_address: str, bluez: tuple[MessageBus, FakeAgentManager]
) -> None:
    bluez_bus, _ = bluez

    asked = asyncio.Event()

    class Slow(ScriptedDelegate):
        async def request_passkey(self, peer: str) -> int | None:
            asked.set()  # the request reached the agent's delegate
            await asyncio.sleep(30)
            return None

    prompts = Slow(passkey=None, confirm=False, just_works=False)
    registered = await register_agent(prompts, IoCapability.DISPLAY_YES_NO, bus_address=bus_address)
    assert registered.bus.unique_name is not None
    agent = await agent_proxy(bluez_bus, registered.bus.unique_name)
    with pytest.raises(DBusError) as rejected:
        await agent.call_request_confirmation(DEVICE, 123456)  # type: ignore[attr-defined]
    assert rejected.value.type == "org.bluez.Error.Rejected"
    with pytest.raises(DBusError):
        await agent.call_request_authorization(DEVICE)  # type: ignore[attr-defined]

    asking = asyncio.ensure_future(agent.call_request_passkey(DEVICE))  # type: ignore[attr-defined]
    await asyncio.wait_for(asked.wait(), 10)  # Cancel once the prompt is up, as BlueZ does
    await agent.call_cancel()  # type: ignore[attr-defined]
    with pytest.raises(DBusError) as canceled:
        await asking
    assert canceled.value.type == "org.bluez.Error.Canceled"
    await registered.close()


async def test_no_bluez_is_said_in_words(bus_address: str) -> None:
    with pytest.raises(AgentError, match="BlueZ is not answering"):
        await register_agent(ScriptedDelegate(), IoCapability.NO_INPUT_NO_OUTPUT, bus_address=bus_address)

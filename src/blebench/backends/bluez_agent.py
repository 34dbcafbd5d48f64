"""blebench's own BlueZ pairing agent (org.bluez.Agent1 over dbus-fast), Linux only.

With the OS stack (bleak on BlueZ), BlueZ decides the pairing method from the IO
capability of the *agent* that handles the request. Registering this agent with the
IO capability the user chose, and making it the default agent, sends BlueZ's passkey
and numeric-comparison questions to our `PairingDelegate` (TUI modals, CLI prompts,
scripted answers) instead of another desktop agent.

BlueZ's agent API (doc/org.bluez.Agent.rst, doc/org.bluez.AgentManager.rst):
RequestPasskey -> the passkey to type; DisplayPasskey(passkey, entered) -> show it,
`entered` counts the digits typed on the peer; RequestConfirmation(passkey) -> numeric
comparison; RequestAuthorization -> accept a pairing that would be Just Works;
AuthorizeService(uuid) -> let a device use a service; Cancel -> BlueZ gave up on the
question being asked; refusals are the D-Bus error org.bluez.Error.Rejected.

Not wired into the OS stack's pairing (README, "On the OS stack"): nothing imports this
module. That path needs a running bluetoothd to be tried, which the test machines have
not got (the agent itself is tested against a fake org.bluez on a private dbus-daemon),
and BlueZ would still choose MITM, SC and bonding itself: an agent sets only the IO
capability. Wiring it means: register the agent with the chosen IO capability as the
default agent, call bleak's `pair()`, unregister.
"""

# No `from __future__ import annotations` here: dbus-fast reads the D-Bus signatures from
# the method annotations, and a postponed `-> None` would read as a missing signature.
import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, TypeVar

from dbus_fast import BusType, DBusError
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusObjectPath, DBusStr, DBusUInt16, DBusUInt32
from dbus_fast.service import ServiceInterface, dbus_method

from blebench.pairing.models import IoCapability

if TYPE_CHECKING:
    from blebench.pairing.delegate import PairingDelegate

logger = logging.getLogger(__name__)

BLUEZ = "org.bluez"
AGENT_MANAGER_PATH = "/org/bluez"
AGENT_MANAGER_INTERFACE = "org.bluez.AgentManager1"
AGENT_INTERFACE = "org.bluez.Agent1"
AGENT_PATH = "/org/blebench/agent"
REJECTED = "org.bluez.Error.Rejected"
CANCELED = "org.bluez.Error.Canceled"

T = TypeVar("T")
_NOT_THERE = {"org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner"}


def capability_name(io: IoCapability) -> str:
    """BlueZ's capability strings are the spec's names: `KeyboardDisplay`, ..."""
    return io.label


def device_address(path: str) -> str:
    """`/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF` -> `AA:BB:CC:DD:EE:FF` (the path if not a device)."""
    tail = path.rsplit("/", 1)[-1]
    if tail.startswith("dev_") and len(tail) == 4 + 17:
        return tail[4:].replace("_", ":")
    return path


class BluezAgent(ServiceInterface):
    """org.bluez.Agent1, forwarding each question to a PairingDelegate."""

    def __init__(self, delegate: "PairingDelegate") -> None:
        super().__init__(AGENT_INTERFACE)
        self.delegate = delegate
        self._pending: set[asyncio.Task[object]] = set()
        self._shown: dict[str, int] = {}
        self.released = False

    async def _ask(self, question: Awaitable[T]) -> T:
        """Run one question; Cancel() from BlueZ ends it with org.bluez.Error.Canceled."""
        task: asyncio.Task[T] = asyncio.ensure_future(question)
        self._pending.add(task)
        try:
            return await task
        except asyncio.CancelledError:
            raise DBusError(CANCELED, "the request was canceled") from None
        finally:
            self._pending.discard(task)

    @dbus_method()
    def Release(self) -> None:  # noqa: N802 - D-Bus names
        self.released = True

    @dbus_method()
    async def RequestPinCode(self, device: DBusObjectPath) -> DBusStr:  # noqa: N802
        passkey = await self._ask(self.delegate.request_passkey(device_address(device)))
        if passkey is None:
            raise DBusError(REJECTED, "no PIN code given")
        return str(passkey)

    @dbus_method()
    async def DisplayPinCode(self, device: DBusObjectPath, pincode: DBusStr) -> None:  # noqa: N802
        if not pincode.isdigit():
            raise DBusError(REJECTED, "blebench shows numeric PIN codes only")
        await self._ask(self.delegate.display_passkey(device_address(device), int(pincode)))

    @dbus_method()
    async def RequestPasskey(self, device: DBusObjectPath) -> DBusUInt32:  # noqa: N802
        passkey = await self._ask(self.delegate.request_passkey(device_address(device)))
        if passkey is None:
            raise DBusError(REJECTED, "no passkey given")
        return passkey

    @dbus_method()
    async def DisplayPasskey(  # noqa: N802
        self, device: DBusObjectPath, passkey: DBusUInt32, entered: DBusUInt16
    ) -> None:
        address = device_address(device)
        # BlueZ calls again as the peer's user types: show once, then report keypresses.
        if self._shown.get(address) != passkey:
            self._shown[address] = passkey
            await self._ask(self.delegate.display_passkey(address, passkey))
        if entered:
            await self._ask(self.delegate.keypress(address, "digit-entered"))

    @dbus_method()
    async def RequestConfirmation(self, device: DBusObjectPath, passkey: DBusUInt32) -> None:  # noqa: N802
        if not await self._ask(self.delegate.confirm_numeric(device_address(device), passkey)):
            raise DBusError(REJECTED, "the numbers do not match")

    @dbus_method()
    async def RequestAuthorization(self, device: DBusObjectPath) -> None:  # noqa: N802
        if not await self._ask(self.delegate.confirm_just_works(device_address(device))):
            raise DBusError(REJECTED, "pairing refused")

    @dbus_method()
    async def AuthorizeService(self, device: DBusObjectPath, uuid: DBusStr) -> None:  # noqa: N802
        peer = f"{device_address(device)} (service {uuid})"
        if not await self._ask(self.delegate.confirm_just_works(peer)):
            raise DBusError(REJECTED, "service refused")

    @dbus_method()
    def Cancel(self) -> None:  # noqa: N802
        for task in list(self._pending):
            task.cancel()


class RegisteredAgent:
    """An agent exported on a bus and registered with BlueZ; `close()` undoes both."""

    def __init__(self, bus: MessageBus, agent: BluezAgent, path: str, owns_bus: bool) -> None:
        self.bus = bus
        self.agent = agent
        self.path = path
        self._owns_bus = owns_bus

    async def close(self) -> None:
        with contextlib.suppress(Exception):  # BlueZ may be gone already: nothing to undo
            manager = await _agent_manager(self.bus)
            await manager.call_unregister_agent(self.path)  # type: ignore[attr-defined]
        self.bus.unexport(self.path, self.agent)
        if self._owns_bus:
            self.bus.disconnect()


async def _agent_manager(bus: MessageBus) -> object:
    introspection = await bus.introspect(BLUEZ, AGENT_MANAGER_PATH)
    proxy = bus.get_proxy_object(BLUEZ, AGENT_MANAGER_PATH, introspection)
    return proxy.get_interface(AGENT_MANAGER_INTERFACE)


class AgentError(RuntimeError):
    """Registration failed; the message says why in words."""


async def register_agent(
    delegate: "PairingDelegate",
    io: IoCapability,
    *,
    bus: MessageBus | None = None,
    bus_address: str | None = None,
    path: str = AGENT_PATH,
    default: bool = True,
) -> RegisteredAgent:
    """Export an Agent1 on the system bus (or `bus` / `bus_address`) and register it with BlueZ.

    Raises AgentError when BlueZ is not there or refuses (e.g. another agent at `path`).
    """
    owns_bus = bus is None
    try:
        if bus is None:
            bus = await (MessageBus(bus_address=bus_address) if bus_address
                         else MessageBus(bus_type=BusType.SYSTEM)).connect()
    except (OSError, ValueError) as err:
        raise AgentError(f"cannot reach the D-Bus system bus ({err}); is this Linux with BlueZ?") from err
    agent = BluezAgent(delegate)
    bus.export(path, agent)
    try:
        manager = await _agent_manager(bus)
        await manager.call_register_agent(path, capability_name(io))  # type: ignore[attr-defined]
        if default:
            await manager.call_request_default_agent(path)  # type: ignore[attr-defined]
    except DBusError as err:
        bus.unexport(path, agent)
        if owns_bus:
            bus.disconnect()
        if err.type in _NOT_THERE:
            raise AgentError("BlueZ is not answering on D-Bus (no org.bluez on this bus); "
                             "is bluetoothd running?") from err
        raise AgentError(f"BlueZ refused the pairing agent: {err.text} ({err.type})") from err
    except Exception as err:
        bus.unexport(path, agent)
        if owns_bus:
            bus.disconnect()
        raise AgentError(f"BlueZ is not answering on D-Bus ({err}); is bluetoothd running?") from err
    logger.info("BlueZ agent registered at %s with capability %s", path, capability_name(io))
    return RegisteredAgent(bus, agent, path, owns_bus)

"""The OS Bluetooth stack through bleak, as blebench's `Radio` (`OsStackRadio`): whether
there is an adapter (`os_adapter`, files only), a probe run before the first scan, and the
stack's failures (D-Bus, BlueZ, the adapter, permissions) turned into one line of words.

The OS owns SMP, the bonds, the HCI traffic and the link: the radio's capabilities say
none of them is blebench's, and bleak's OS backend needs no keyword arguments.

bleak reaches BlueZ over the D-Bus system bus; when the bus or bluetoothd is missing,
what comes out is a bare `FileNotFoundError` from dbus-fast, or a D-Bus error name.
`probe_os_stack()` runs the same code bleak runs when it scans (its BlueZ manager, then
its choice of the default adapter), so a session knows before it scans.
"""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blebench.backends.base import Capabilities, RadioError

if TYPE_CHECKING:
    from blebench.backends.base import Capture

PROBE_TIMEOUT_S = 3.0
ALTERNATIVES = "or use --sim (the virtual world) / --transport SPEC (a dongle through Bumble)"
DEFAULT_SYSTEM_BUS = "unix:path=/run/dbus/system_bus_socket"


@dataclasses.dataclass(frozen=True, slots=True)
class OsStackProblem:
    """Why the OS stack can't be used: `what` happened and the `fix` to try."""

    what: str
    fix: str

    def __str__(self) -> str:
        return f"{self.what}: {self.fix}, {ALTERNATIVES}"

    def fallback_reason(self) -> str:
        """The words for `auto` when it falls back to the virtual world."""
        return f"virtual world: the OS stack is not usable ({self.what}; {self.fix})"


class OsStackUnavailable(RadioError):
    """The OS stack cannot be used here; `problem` says why and what to try."""

    def __init__(self, problem: OsStackProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def os_adapter(sys_class: Path = Path("/sys/class/bluetooth")) -> tuple[str | None, str]:
    """(adapter name or None, why not). Never blocks: it looks at files only.

    On Linux an adapter needs both a kernel controller (`/sys/class/bluetooth/hci*`) and
    BlueZ's D-Bus system bus; elsewhere the OS stack is assumed present and bleak says
    otherwise when it scans.
    """
    if sys.platform in ("darwin", "win32"):
        return "os", ""
    if not sys.platform.startswith("linux"):
        return None, f"no bleak backend for {sys.platform}"
    try:
        adapters = sorted(p.name for p in sys_class.iterdir() if p.name.startswith("hci"))
    except OSError:
        adapters = []
    if not adapters:
        return None, "no adapter found"
    bus = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/run/dbus/system_bus_socket")
    socket_path = bus.split("unix:path=", 1)[1].split(",", 1)[0] if "unix:path=" in bus else ""
    if socket_path and not Path(socket_path).exists():
        return None, f"adapter {adapters[0]} found but BlueZ's D-Bus is not running"
    return adapters[0], ""


def _system_bus() -> str:
    return os.environ.get("DBUS_SYSTEM_BUS_ADDRESS") or DEFAULT_SYSTEM_BUS


def _start_bluez() -> str:
    if sys.platform.startswith("linux"):
        return "start bluetoothd (`sudo systemctl start bluetooth`)"
    return "turn Bluetooth on in the system settings"


def _powered_off() -> OsStackProblem:
    fix = (
        "power it on (`bluetoothctl power on`; `rfkill unblock bluetooth` if it is blocked)"
        if sys.platform.startswith("linux")
        else "turn Bluetooth on in the system settings"
    )
    return OsStackProblem("the Bluetooth adapter is powered off", fix)


def _denied(detail: str = "") -> OsStackProblem:
    fix = (
        "run as a user the D-Bus policy lets use BlueZ (often the `bluetooth` group)"
        if sys.platform.startswith("linux")
        else "allow this terminal to use Bluetooth in the system's privacy settings"
    )
    what = "permission denied by the OS Bluetooth stack"
    return OsStackProblem(f"{what} ({detail})" if detail else what, fix)


_DBUS_WORDS: dict[str, OsStackProblem] = {
    "org.freedesktop.DBus.Error.ServiceUnknown": OsStackProblem(
        "BlueZ (org.bluez) is not running on the D-Bus system bus", _start_bluez()
    ),
    "org.freedesktop.DBus.Error.NameHasNoOwner": OsStackProblem(
        "BlueZ (org.bluez) is not running on the D-Bus system bus", _start_bluez()
    ),
    "org.freedesktop.DBus.Error.AccessDenied": _denied("D-Bus access denied"),
    "org.bluez.Error.NotAuthorized": _denied("BlueZ: not authorized"),
    "org.bluez.Error.NotPermitted": _denied("BlueZ: not permitted"),
    "org.bluez.Error.NotReady": _powered_off(),
    "org.bluez.Error.InProgress": OsStackProblem(
        "BlueZ is busy with another scan or connection",
        "stop the other program's scan (or `bluetoothctl scan off`) and retry",
    ),
}


def os_stack_problem(exc: BaseException) -> OsStackProblem | None:
    """What an exception from bleak's OS backends means for the user; None when it is not
    an OS-stack failure (a bug, or something the caller explains better)."""
    from bleak.exc import (
        BleakBluetoothNotAvailableError,
        BleakBluetoothNotAvailableReason,
        BleakDBusError,
        BleakError,
    )

    if isinstance(exc, BleakBluetoothNotAvailableError):
        reason = exc.reason
        if reason is BleakBluetoothNotAvailableReason.POWERED_OFF:
            return _powered_off()
        if reason in (
            BleakBluetoothNotAvailableReason.DENIED_BY_USER,
            BleakBluetoothNotAvailableReason.DENIED_BY_SYSTEM,
        ):
            return _denied(str(exc.args[0]) if exc.args else "")
        if reason is BleakBluetoothNotAvailableReason.NO_BLE_CENTRAL_ROLE:
            return OsStackProblem(
                "the Bluetooth adapter cannot be a BLE central", "use a Bluetooth 4.0+ adapter"
            )
        return OsStackProblem(
            "the OS Bluetooth stack lists no adapter",
            "plug one in (`bluetoothctl list` shows what BlueZ sees)"
            if sys.platform.startswith("linux")
            else "check that this computer has Bluetooth",
        )
    if isinstance(exc, BleakDBusError):
        known = _DBUS_WORDS.get(exc.dbus_error)
        if known is not None:
            return known
        detail = f" ({exc.dbus_error_details})" if exc.dbus_error_details else ""
        return OsStackProblem(
            f"BlueZ refused: {exc.dbus_error}{detail}", "check `journalctl -u bluetooth`"
        )
    if isinstance(exc, PermissionError) or type(exc).__name__ == "AuthError":
        return _denied(str(exc) if not isinstance(exc, OSError) else exc.strerror or "")
    if isinstance(exc, OSError) and exc.errno in (errno.ENOENT, errno.ECONNREFUSED):
        return OsStackProblem(
            f"no D-Bus system bus at {_system_bus()} (BlueZ is not running)", _start_bluez()
        )
    if type(exc).__name__ == "InvalidAddressError":  # dbus-fast: a malformed bus address
        return OsStackProblem(
            f"DBUS_SYSTEM_BUS_ADDRESS={_system_bus()!r} is not a D-Bus address",
            "unset it or fix it",
        )
    if isinstance(exc, OSError):
        return OsStackProblem(
            f"the D-Bus system bus at {_system_bus()} failed: {exc.strerror or exc}",
            _start_bluez(),
        )
    if isinstance(exc, BleakError):
        return OsStackProblem(f"the OS Bluetooth stack failed: {exc}", "retry")
    return None


async def probe_os_stack(timeout: float = PROBE_TIMEOUT_S) -> OsStackProblem | None:
    """None when bleak can scan on this machine's OS stack, else why not.

    On Linux it connects to BlueZ as bleak does and asks for the default adapter (the
    first powered one); elsewhere the OS decides when bleak scans, and its refusal is
    explained by `os_stack_problem` then.
    """
    if not sys.platform.startswith("linux"):
        return None
    from bleak.backends.bluezdbus.manager import get_global_bluez_manager

    try:
        manager = await asyncio.wait_for(get_global_bluez_manager(), timeout)
        manager.get_default_adapter()
    except TimeoutError:
        return OsStackProblem(
            f"BlueZ did not answer on the D-Bus system bus ({_system_bus()}) "
            f"within {timeout:g} s",
            "check that bluetoothd is running (`systemctl status bluetooth`)",
        )
    except Exception as exc:  # noqa: BLE001 - every failure is explained or re-raised
        problem = os_stack_problem(exc)
        if problem is None:
            raise
        return problem
    return None


OS_STACK_DESCRIPTION = "OS Bluetooth stack (bleak)"
NO_CAPTURE = (
    "btsnoop capture is not available on the OS stack (bleak): the OS owns the HCI "
    "traffic; on Linux `sudo btmon -w FILE` captures it, or use the Bumble backend "
    "(--transport SPEC, or --sim)"
)


_NOT_HERE = {
    "hci_capture": NO_CAPTURE,
    "smp": "the OS Bluetooth stack decides how to pair, not blebench; use --backend bumble "
    "with a dongle (or --sim) to choose the IO capability, MITM and Secure Connections",
    "link_rssi": "the RSSI of a connection is not available on the OS stack (bleak exposes "
    "none); use the Bumble backend (--transport SPEC, or --sim) to read it",
    "raw_advertising": "the OS stack merges advertising data and scan response; the Bumble "
    "backend (--transport SPEC, or --sim) shows each PDU's bytes",
}


class OsStackRadio:
    """The OS Bluetooth stack as a `Radio`: bleak's own backend, nothing of it blebench's."""

    kind = "bleak"
    description = OS_STACK_DESCRIPTION
    identity: str | None = None  # the OS keeps our address and its bonds to itself
    bond_store = None
    capabilities = Capabilities()
    lost: str | None = None  # the OS stack says nothing of an adapter gone; bleak's errors do

    def scanner_kwargs(self) -> dict[str, Any]:
        return {}

    def client_kwargs(self, *, op_timeout: float | None = None) -> dict[str, Any]:
        return {}

    def why_not(self, capability: str) -> str:
        return _NOT_HERE.get(capability, f"{capability} is not available on the OS stack (bleak)")

    def explain(self, exc: BaseException) -> str | None:
        problem = os_stack_problem(exc)
        return str(problem) if problem is not None else None

    async def reload_bonds(self) -> None:
        return None  # the OS keeps its own bonds

    def start_capture(self, path: Path) -> Capture:
        raise RadioError(NO_CAPTURE)

    async def close(self) -> None:
        return None


async def open_os_stack() -> OsStackRadio:
    """The OS stack, once its probe says bleak can scan; OsStackUnavailable says why not."""
    problem = await probe_os_stack()  # what bleak's first scan would run into
    if problem is not None:
        raise OsStackUnavailable(problem)
    return OsStackRadio()

"""Which radio a session uses: the OS stack through bleak, Bumble over HCI, or the virtual
world, from `--sim`, `--transport SPEC` and `--backend {auto,bleak,bumble}`.

Only cheap checks here (no Bumble, no bleak import): `blebench --help` stays fast.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import Literal

from blebench.errors import SetupError

BackendKind = Literal["bumble-sim", "bumble-hci", "bleak"]
NO_ADAPTER = "virtual world: no adapter found"


class BackendError(SetupError, ValueError):
    """Radio options that contradict each other; str() is one line for the user."""


@dataclasses.dataclass(frozen=True, slots=True)
class BackendChoice:
    kind: BackendKind
    transport: str | None = None
    reason: str | None = None  # why the virtual world was picked without being asked for


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


def choose_backend(
    *, backend: str = "auto", sim: bool = False, transport: str | None = None
) -> BackendChoice:
    if sim and transport:
        raise BackendError("choose --sim or --transport, not both")
    if sim:
        if backend == "bleak":
            raise BackendError("--sim runs on the Bumble backend, not --backend bleak")
        return BackendChoice("bumble-sim")
    if transport:
        if backend == "bleak":
            raise BackendError("--transport needs the Bumble backend, not --backend bleak")
        return BackendChoice("bumble-hci", transport=transport)
    if backend == "bumble":
        raise BackendError(
            "--backend bumble needs --transport SPEC (usb:0, serial:DEV,BAUD, hci-socket:0, "
            "tcp-client:HOST:PORT) or --sim"
        )
    if backend == "bleak":
        return BackendChoice("bleak")
    adapter, why = os_adapter()
    if adapter is not None:
        return BackendChoice("bleak")
    return BackendChoice("bumble-sim", reason=f"virtual world: {why}" if why else NO_ADAPTER)

"""The contract between the virtual world (`sim/world.py`) and its devices (`sim/catalogue/`).

The world owns the radio: it makes one Bumble `Device` per peripheral on its own modelled
controller, calls `configure()` before power-on, starts advertising with the peripheral's
data, type, interval and address, restarts advertising after a disconnection, rotates
resolvable private addresses, and calls `start()` / `stop()`. A peripheral owns what is
above the radio: its GATT database, its SMP behaviour and its background activity
(changing advertising data, notifications).
"""

from __future__ import annotations

import asyncio
import logging
import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from bumble.device import Device

logger = logging.getLogger(__name__)

AddressKind = Literal["public", "random-static", "resolvable", "non-resolvable"]


@dataclass(frozen=True, slots=True)
class Control:
    """A knob on a running device for the TUI and tests: a plain method of the device.

    `action` may be sync or async (then the caller awaits its result); `params` names its
    arguments for display, e.g. "rate_hz: float | None".
    """

    description: str
    action: Callable[..., Any]
    params: str = ""


class VirtualPeripheral(ABC):
    """One device of the virtual world. Subclasses set the class attributes below."""

    name: str
    address: str  # identity address, "AA:BB:CC:DD:EE:FF"
    address_type: AddressKind = "random-static"
    connectable: bool = True
    adv_interval_ms: float = 100.0
    tx_power_dbm: int = 0
    distance_m: float = 2.0  # the world's RSSI model: path loss over this distance, plus noise
    irk: bytes | None = None  # for "resolvable": the IRK the world advertises with
    rpa_rotate_s: float | None = None  # for "resolvable": how often the address changes

    def __init__(self, *, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.device: Device | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @abstractmethod
    def advertising_data(self) -> bytes:
        """The advertising data now (may change over time)."""

    def scan_response_data(self) -> bytes | None:
        """The scan-response data, or None for a device that is not scannable."""
        return None

    def configure(self, device: Device) -> None:  # noqa: B027 - optional hook
        """Add GATT services, pairing config and SMP behaviour. Called before power-on."""

    async def start(self, device: Device) -> None:  # noqa: B027 - optional hook
        """Start background activity with `self.spawn(...)`. Must return quickly."""

    def controls(self) -> Mapping[str, Control]:
        """Named controls this device offers (none by default)."""
        return {}

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.append(task)
        # Finished tasks leave the list (a device may spawn one per request) and their
        # failures reach the log instead of vanishing.
        task.add_done_callback(self._task_done)

    @property
    def background_tasks(self) -> list[asyncio.Task[None]]:
        """The tasks `spawn` started that are still running (the world cancels them in
        order at shutdown)."""
        return list(self._tasks)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        if task in self._tasks:
            self._tasks.remove(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("%s: background task failed", self.name, exc_info=task.exception())

    async def stop(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - shutting down
                pass
        self._tasks.clear()

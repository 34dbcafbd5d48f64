"""RSSI on a connection: HCI Read RSSI on the connection handle, sampled about once a
second while connected.

A peripheral stops advertising once connected, so the RSSI that scanning gives freezes at
the moment of the connection. blebench's Bumble backend reads the controller's value for
the link (`ClientExtras.read_rssi`, backends/base.py); bleak's OS backends expose nothing of the kind, and
that is said ("not available on this backend") rather than shown as a stale number.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from blebench.backends.base import client_extras
from blebench.session.errors import DeviceError, LinkRssiUnavailableError  # (old home)

if TYPE_CHECKING:
    from blebench.session.connections import ConnectionManager, DeviceConnection

log = logging.getLogger(__name__)

SAMPLE_INTERVAL_S = 1.0
HISTORY = 128  # (monotonic s, dBm) pairs kept per address, as the registry keeps
READ_TIMEOUT_S = 2.0
RSSI_NOT_AVAILABLE = 127  # HCI Read RSSI's "not available" (Core Vol 4, Part E, 7.5.4)


def can_read_link_rssi(conn: DeviceConnection) -> bool:
    """Whether `conn`'s backend can read the RSSI of a connection at all."""
    return client_extras(conn.client) is not None


async def read_link_rssi(conn: DeviceConnection) -> int:
    """The RSSI of `conn`'s link in dBm, read on the connection handle (HCI Read RSSI).

    Raises `LinkRssiUnavailableError` on backends that cannot read it (bleak's OS
    stacks) or when the controller has no value, other `DeviceError`s as any operation.
    """
    extras = client_extras(conn.client)
    if extras is None:
        backend = conn.client.backend_id
        raise LinkRssiUnavailableError(
            f"the RSSI of a connection is not available on this backend "
            f"({getattr(backend, 'value', backend)}: bleak exposes none)",
            next_step="use the Bumble backend (--transport SPEC, or --sim) to read it",
        )
    async with conn.operation("reading the connection's RSSI"):
        value = int(await asyncio.wait_for(extras.read_rssi(), READ_TIMEOUT_S))
    if value == RSSI_NOT_AVAILABLE:
        raise LinkRssiUnavailableError(
            f"the controller has no RSSI for the link to {conn.name or conn.address} yet",
            next_step="retry in a moment; the device may be out of range",
        )
    return value


class LinkRssiSampler:
    """Reads the RSSI of every connected device about once a second into a bounded
    history per address, on `clock` (the registry's, so it plots beside the RSSI of
    advertisements). `start()` in a running event loop; `await stop()` when done.

    A backend that cannot read it is asked once per connection; `unavailable` says why.
    """

    def __init__(
        self,
        connections: ConnectionManager,
        *,
        clock: Callable[[], float] = time.monotonic,
        interval_s: float = SAMPLE_INTERVAL_S,
        history: int = HISTORY,
    ) -> None:
        self.connections = connections
        self.clock = clock
        self.interval_s = interval_s
        self._history_len = history
        self._history: dict[str, deque[tuple[float, int]]] = {}
        self.unavailable: dict[str, str] = {}  # address -> why not
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def history(self, address: str) -> Sequence[tuple[float, int]]:
        """(time on `clock`, dBm) of the link to `address`, oldest first."""
        return self._history.get(address.upper(), ())

    def latest(self, address: str) -> int | None:
        points = self._history.get(address.upper())
        return points[-1][1] if points else None

    async def sample_once(self) -> dict[str, int]:
        """Read every connected device once; the values read, by address."""
        read: dict[str, int] = {}
        for conn in self.connections.all():
            address = conn.address.upper()
            if not conn.is_connected:
                self.unavailable.pop(address, None)  # a new connection asks again
                continue
            if address in self.unavailable:
                continue
            try:
                value = await read_link_rssi(conn)
            except LinkRssiUnavailableError as exc:
                if not can_read_link_rssi(conn):
                    self.unavailable[address] = str(exc)  # the backend: no use asking again
                continue
            except DeviceError as exc:
                log.debug("link RSSI of %s: %s", address, exc)
                continue
            points = self._history.setdefault(address, deque(maxlen=self._history_len))
            points.append((self.clock(), value))
            read[address] = value
        return read

    def start(self) -> None:
        if not self.running:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="blebench-link-rssi"
            )

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                await self.sample_once()
            except Exception:  # noqa: BLE001 - a sampler must outlive one bad read
                log.exception("sampling the link RSSI")
            await asyncio.sleep(self.interval_s)

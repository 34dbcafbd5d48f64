"""Connections: connect by address or by name, disconnect, reconnect, state, MTU, failures in words.

`ConnectionManager` is what `SessionManager` builds as `.connections`. It goes through
bleak (`BleakClient`) with whatever backend the session chose, so the virtual world, a
Bumble dongle and the OS stack behave the same here. What it needs of the session comes in
by injection: `client_factory` (a BleakClient on the session's backend), `find_device` (the
session's scanner, blebench.session.manager) and `resubscribe` (the GATT subscription that
resumes a stream after a reconnect, blebench.session.gatt). Backend extras (PHY, connection
parameters, encryption, the HCI reason of a loss) are used when the backend offers them
(blebench's Bumble backend does) and shown as unknown otherwise.

Every failure is a `DeviceError` subclass (blebench.session.errors, where the table of
them is) carrying the code in words and a next step, never a hang (every wait has a
timeout) and never a traceback. The state and info models are in blebench.session.models.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bleak import BleakClient
from bleak.backends.device import BLEDevice
from bleak.exc import BleakDeviceNotFoundError, BleakError, BleakGATTProtocolError

from blebench.backends.base import LinkError, StaleBond, client_extras
from blebench.decode.codes import att_error, hci_error
from blebench.session.errors import (
    ConnectFailedError,
    ConnectionLostError,
    ConnectTimeoutError,
    DeviceError,
    DeviceNotFoundError,
    GattOperationError,
    NotConnectedError,
    OperationTimeoutError,
    StaleBondError,
)
from blebench.session.models import ConnectionInfo, ConnectionState, GattNode, GattTree

if TYPE_CHECKING:
    from blebench.session.streams import Stream


ClientFactory = Callable[[BLEDevice | str, float, Callable[[BleakClient], None]], BleakClient]
"""(target, connect timeout, disconnected callback) -> an unconnected BleakClient."""
FindDevice = Callable[[str, float], Awaitable[BLEDevice | None]]
"""(name or address, timeout) -> the device heard on the air, or None."""
Resubscribe = Callable[["DeviceConnection", int, bool], Awaitable[object]]
"""(connection, value handle, indicate) -> subscribe again into the stream kept for it."""

_ADDRESS = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}(/P)?$")
_UUID_ADDRESS = re.compile(
    r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
)
# Looks like an attempt at an address (hex pairs and separators), yet is not one.
_ADDRESS_TYPO = re.compile(r"^[0-9A-Za-z]{1,3}([:-][0-9A-Za-z]{1,3}){2,}$")
# Failures worth another try: the peer missed the connect request or was out of range.
_TRANSIENT_HCI = frozenset({0x08, 0x3E, 0x22, 0x28})
_REMOTE_USER_TERMINATED = 0x13
_LOCAL_HOST_TERMINATED = 0x16
_COMMAND_DISALLOWED = 0x0C
_BUSY_STEP = (
    "the controller is most likely still trying an earlier connection that it did not "
    "cancel: reset it (re-plug the dongle; restart a software controller such as "
    "`python -m bumble.apps.controllers`), then retry"
)


def looks_like_address(text: str) -> bool:
    """A Bluetooth address (AA:BB:CC:DD:EE:FF, optional /P) or a macOS device UUID."""
    return bool(_ADDRESS.match(text.strip()) or _UUID_ADDRESS.match(text.strip()))


@dataclass(eq=False)
class DeviceConnection:
    """One device's connection: the BleakClient, its state, its GATT tree and streams.

    Operations (blebench.session.gatt) run inside `operation(label)`, which turns
    backend exceptions into `DeviceError`s and marks the connection lost when the link
    dropped."""

    address: str
    name: str | None
    target: BLEDevice | str
    client: BleakClient
    state: ConnectionState = ConnectionState.CONNECTING
    tree: GattTree | None = None
    streams: dict[int, Stream] = field(default_factory=dict)
    subscribed: dict[int, bool] = field(default_factory=dict)  # handle -> indicate
    connected_at_wall_ms: float | None = None
    lost_reason: int | None = None
    last_error: DeviceError | None = None
    # SMP timed out on this link: Core Vol 3 Part H 3.4 allows no more SMP on it, so the
    # next pairing makes a new link first (session/pairing.py).
    smp_timed_out: bool = False
    _descriptor_cache: dict[int, bytes] = field(default_factory=dict)
    _on_lost: Callable[[DeviceConnection], None] | None = None

    @property
    def is_connected(self) -> bool:
        return self.state == ConnectionState.CONNECTED and self.client.is_connected

    @property
    def mtu(self) -> int:
        try:
            return int(self.client.mtu_size)
        except Exception:  # noqa: BLE001 - some backends raise when disconnected
            return 23

    def info(self) -> ConnectionInfo:
        extras = client_extras(self.client)
        out = ConnectionInfo(
            address=self.address,
            name=self.name,
            state=self.state.value,
            backend=str(self.client.backend_id),
            mtu=self.mtu if self.is_connected else None,
            connected_at_wall_ms=self.connected_at_wall_ms,
            streams=sum(1 for s in self.streams.values() if s.active),
        )
        details = None
        if self.is_connected and extras is not None:
            details = extras.connection_info()
        if details is not None:
            for name in (
                "tx_phy",
                "rx_phy",
                "interval_ms",
                "latency",
                "supervision_timeout_ms",
                "encrypted",
                "authenticated",
                "secure_connections",
                "encryption_key_size",
            ):
                setattr(out, name, getattr(details, name))
        if self.lost_reason is not None:
            out.disconnect_reason = hci_error(self.lost_reason).to_json()
        return out

    def mark_lost(self, reason: int | None) -> None:
        if self.state in (ConnectionState.DISCONNECTING, ConnectionState.DISCONNECTED):
            return
        if reason is None:
            extras = client_extras(self.client)
            reason = extras.disconnect_reason if extras is not None else None
        self.lost_reason = reason
        self.state = ConnectionState.LOST
        for stream in self.streams.values():
            stream.active = False
        if self._on_lost is not None:
            self._on_lost(self)

    def lost_error(self, during: str) -> ConnectionLostError:
        reason = self.lost_reason
        exp = hci_error(reason) if reason is not None else None
        if reason in (_REMOTE_USER_TERMINATED, None):
            # Words for every face: no `reconnect` command exists (the CLI connects anew on
            # each run; the TUI's Scan pane connects on Enter).
            step = ("the device ended the link: connect again (run the command again, or "
                    "Enter on the device in the Scan pane), and check whether it reset")
        else:
            step = None  # the HCI explanation's own next step
        return ConnectionLostError(
            f"{self.name or self.address} disconnected during {during}",
            explanation=exp,
            next_step=step,
        )

    @contextlib.asynccontextmanager
    async def operation(self, during: str) -> AsyncIterator[None]:
        """Run one operation; backend failures leave as SessionErrors."""
        if not self.is_connected:
            if self.state == ConnectionState.LOST:
                raise self.lost_error(during)
            raise NotConnectedError(self.address, during)
        try:
            yield
        except DeviceError:
            raise
        except BleakGATTProtocolError as exc:
            code = int(exc.args[0])
            raise GattOperationError(f"{during} failed", explanation=att_error(code)) from None
        except TimeoutError as exc:
            if not self.client.is_connected:
                self.mark_lost(exc.hci_code if isinstance(exc, LinkError) else None)
                raise self.lost_error(during) from None
            raise OperationTimeoutError(
                f"{self.name or self.address} did not answer {during} in time",
                next_step="the device may be busy or out of range: retry; the link is still up",
            ) from None
        except BleakError as exc:
            hci_code = exc.hci_code if isinstance(exc, LinkError) else None
            if hci_code is not None or not self.client.is_connected:
                self.mark_lost(hci_code)
                raise self.lost_error(during) from None
            raise DeviceError(f"{during} failed: {exc}") from None
        except (ValueError, OSError, EOFError) as exc:
            if not self.client.is_connected:
                self.mark_lost(None)
                raise self.lost_error(during) from None
            raise DeviceError(f"{during} failed: {exc}") from None

    async def cached_descriptor(
        self, node: GattNode, load: Callable[[], Awaitable[bytes]]
    ) -> bytes | None:
        """A descriptor value that does not change (e.g. 0x2904), read once per connection;
        None when it cannot be read."""
        if node.handle in self._descriptor_cache:
            return self._descriptor_cache[node.handle]
        try:
            value = await load()
        except DeviceError as exc:
            if isinstance(exc, ConnectionLostError):
                raise
            return None
        self._descriptor_cache[node.handle] = value
        return value


def _controller_busy(refused: DeviceError, earlier: DeviceError | None) -> DeviceError:
    """LE Create Connection refused with 0x0C Command Disallowed: the controller still has
    a connection attempt pending. After our own attempt timed out, that is the one it did
    not cancel (Bumble's software controller ignores LE Create Connection Cancel, bumble
    0.0.236, and stays busy until that device appears): the timeout is the news, and the
    advice to "stop the running procedure" would name nothing the user started."""
    if isinstance(earlier, ConnectTimeoutError):
        return ConnectTimeoutError(
            f"{earlier.message}; the retry was refused (Command Disallowed, HCI 0x0C): the "
            "controller is still busy with that attempt",
            next_step=f"make sure the device advertises connectable (`blebench scan`); {_BUSY_STEP}",
        )
    return ConnectFailedError(refused.message, explanation=refused.explanation, next_step=_BUSY_STEP)


# -- the manager -------------------------------------------------------------------------


@dataclass(slots=True)
class RetryPolicy:
    """How hard `connect` tries: `attempts` in all, `delay_s` between them; only transient
    failures (timeouts, 0x3E "failed to be established", 0x08) are retried."""

    attempts: int = 2
    delay_s: float = 0.3


ConnectionListener = Callable[[DeviceConnection], None]


class ConnectionManager:
    """All connections of a session, by address.

    `client_factory` makes the BleakClient for the session's backend; `find_device`
    finds a device by name or address on the air (the session's scanner); `resubscribe`
    resumes a subscription after a reconnect. All come from SessionManager."""

    def __init__(
        self,
        client_factory: ClientFactory,
        *,
        find_device: FindDevice | None = None,
        resubscribe: Resubscribe | None = None,
        connect_timeout: float = 10.0,
        scan_timeout: float = 5.0,
        retry: RetryPolicy | None = None,
        op_timeout: float = 10.0,
    ) -> None:
        self._factory = client_factory
        self._find = find_device
        self._resubscribe_one = resubscribe
        self.connect_timeout = connect_timeout
        self.scan_timeout = scan_timeout
        self.retry = retry or RetryPolicy()
        # The longest one GATT operation may take (Bumble backend): a device gone without
        # a disconnection event (out of range, before the supervision timeout) ends there.
        self.op_timeout = op_timeout
        self._connections: dict[str, DeviceConnection] = {}
        self._lock = asyncio.Lock()  # one connection attempt at a time per radio
        self._listeners: list[ConnectionListener] = []

    # -- reading state -------------------------------------------------------------
    def all(self) -> list[DeviceConnection]:
        return list(self._connections.values())

    def get(self, address_or_name: str) -> DeviceConnection | None:
        key = address_or_name.strip().upper()
        conn = self._connections.get(key)
        if conn is not None:
            return conn
        return next((c for c in self._connections.values() if c.name == address_or_name), None)

    def add_listener(self, listener: ConnectionListener) -> Callable[[], None]:
        """`listener(connection)` on every state change (cheap, synchronous)."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _changed(self, conn: DeviceConnection) -> None:
        for listener in tuple(self._listeners):
            with contextlib.suppress(Exception):
                listener(conn)

    # -- connecting ----------------------------------------------------------------
    async def resolve(
        self, target: str | BLEDevice, timeout: float | None = None
    ) -> BLEDevice | str:
        """A name becomes the device heard with that name (scanning up to the scan
        timeout); an address becomes the heard device when it was heard (its address
        type), else stays a string."""
        if isinstance(target, BLEDevice):
            return target
        text = target.strip()
        if not text:
            raise DeviceNotFoundError("no device given", next_step="give a name or an address")
        wait = self.scan_timeout if timeout is None else timeout
        if looks_like_address(text):
            if self._find is not None:
                found = await self._find(text.upper(), min(wait, 2.0))
                if found is not None:
                    return found
            return text.upper()
        if self._find is None:
            raise DeviceNotFoundError(
                f"{text!r} is not an address, and this backend cannot scan for names",
                next_step="give the device's address (AA:BB:CC:DD:EE:FF)",
            )
        found = await self._find(text, wait)
        if found is None and _ADDRESS_TYPO.match(text.strip()):
            raise DeviceNotFoundError(
                f"{text!r} is not a Bluetooth address (six bytes: AA:BB:CC:DD:EE:FF), "
                f"and no device by that name was heard within {wait:g} s",
                next_step="copy the address from `blebench scan`",
            )
        if found is None:
            raise DeviceNotFoundError(
                f"no device named {text!r} was heard within {wait:g} s",
                next_step="check the name with `blebench scan` (any case, or a part only one "
                "device has), "
                "make sure it advertises, or give its address",
            )
        return found

    async def connect(
        self,
        target: str | BLEDevice,
        *,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> DeviceConnection:
        """Connect (or return the live connection) to a device by address or name;
        discovery runs as part of connecting. Raises DeviceError."""
        timeout = self.connect_timeout if timeout is None else timeout
        policy = retry or self.retry
        existing = self.get(target.address if isinstance(target, BLEDevice) else target)
        if existing is not None and existing.is_connected:
            return existing
        resolved = await self.resolve(target)
        address = (resolved.address if isinstance(resolved, BLEDevice) else resolved).upper()
        name = resolved.name if isinstance(resolved, BLEDevice) else None
        if name is None and isinstance(target, str) and not looks_like_address(target):
            name = target
        details = resolved.details if isinstance(resolved, BLEDevice) else None
        if isinstance(details, dict) and details.get("connectable") is False:
            raise ConnectFailedError(
                f"{name or address} ({address}) advertises as non-connectable: a broadcaster "
                "accepts no connection",
                next_step="what it broadcasts is decoded by `blebench scan --json` "
                "(and the Scan pane's detail view)",
            )
        last: DeviceError | None = None
        async with self._lock:
            for attempt in range(max(1, policy.attempts)):
                if attempt:
                    await asyncio.sleep(policy.delay_s)
                try:
                    conn = await self._connect_once(resolved, address, name, timeout)
                except (ConnectTimeoutError, ConnectFailedError) as exc:
                    if exc.code == _COMMAND_DISALLOWED:
                        last = _controller_busy(exc, last)
                        break
                    last = exc
                    if isinstance(exc, ConnectFailedError) and exc.code not in _TRANSIENT_HCI:
                        break
                    continue
                return conn
        assert last is not None
        raise last

    async def _connect_once(
        self, target: BLEDevice | str, address: str, name: str | None, timeout: float
    ) -> DeviceConnection:
        conn_box: list[DeviceConnection] = []

        def on_disconnect(_client: BleakClient) -> None:
            if conn_box:
                conn_box[0].mark_lost(None)

        try:
            client = self._factory(target, timeout, on_disconnect)
        except BleakError as exc:
            raise ConnectFailedError(f"cannot connect to {address}: {exc}") from None
        previous = self._connections.get(address)
        conn = DeviceConnection(address, name, target, client, _on_lost=self._changed)
        if previous is not None:
            conn.subscribed = dict(previous.subscribed)
            conn.streams = dict(previous.streams)
        conn_box.append(conn)
        self._connections[address] = conn
        self._changed(conn)
        label = f"{name} ({address})" if name else address
        try:
            # bleak's own timeout covers the connection; ours is the backstop so a backend
            # that ignores it cannot hang the session.
            await asyncio.wait_for(client.connect(), timeout + 5.0)
        except TimeoutError:
            conn.state = ConnectionState.FAILED
            self._changed(conn)
            raise ConnectTimeoutError(
                f"no connection to {label} within {timeout:g} s",
                next_step="make sure it advertises connectable (`blebench scan`), move closer, "
                "or raise --timeout",
            ) from None
        except BleakDeviceNotFoundError:
            conn.state = ConnectionState.FAILED
            self._changed(conn)
            raise DeviceNotFoundError(
                f"{label} was not found by the Bluetooth stack",
                next_step="scan first (`blebench scan`) so the stack knows it",
            ) from None
        except DeviceError:
            conn.state = ConnectionState.FAILED
            self._changed(conn)
            raise
        except BleakGATTProtocolError as exc:
            conn.state = ConnectionState.FAILED
            self._changed(conn)
            raise GattOperationError(
                f"discovery on {label} failed", explanation=att_error(int(exc.args[0]))
            ) from None
        except (BleakError, OSError, EOFError) as exc:
            conn.state = ConnectionState.FAILED
            self._changed(conn)
            code = exc.hci_code if isinstance(exc, LinkError) else None
            if isinstance(exc, StaleBond):
                raise StaleBondError(
                    label,
                    address=address,
                    identity_address=exc.identity_address,
                    explanation=hci_error(code) if code is not None else None,
                ) from None
            during = exc.during if isinstance(exc, LinkError) else None
            if during is not None:  # the link came up, then dropped (mid-discovery)
                raise ConnectionLostError(
                    f"{label} disconnected during {during}",
                    explanation=hci_error(code) if code is not None else None,
                ) from None
            if code is not None:
                raise ConnectFailedError(
                    f"connecting to {label} failed", explanation=hci_error(code)
                ) from None
            raise ConnectFailedError(
                f"connecting to {label} failed: {exc}",
                next_step="retry; if it keeps failing, power-cycle the device or the adapter",
            ) from None
        conn.state = ConnectionState.CONNECTED
        conn.connected_at_wall_ms = round(time.time() * 1000, 3)
        self._changed(conn)
        await self._resubscribe(conn)
        return conn

    async def _resubscribe(self, conn: DeviceConnection) -> None:
        """After a reconnect, streams that were subscribed resume into the same Stream
        objects (readers keep their cursors)."""
        resubscribe = self._resubscribe_one
        if not conn.subscribed or resubscribe is None:
            return
        for handle, indicate in list(conn.subscribed.items()):
            with contextlib.suppress(DeviceError, ValueError):
                await resubscribe(conn, handle, indicate)

    async def disconnect(self, address_or_name: str) -> None:
        """Disconnect (idempotent); streams stay readable, marked inactive."""
        conn = self.get(address_or_name)
        if conn is None:
            return
        conn.state = ConnectionState.DISCONNECTING
        self._changed(conn)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(conn.client.disconnect(), 5.0)
        conn.state = ConnectionState.DISCONNECTED
        for stream in conn.streams.values():
            stream.active = False
        self._changed(conn)

    async def reconnect(
        self, address_or_name: str, *, timeout: float | None = None
    ) -> DeviceConnection:
        """Connect again to a device this session connected to before (after a loss or
        a disconnect), resubscribing its streams."""
        conn = self.get(address_or_name)
        if conn is None:
            return await self.connect(address_or_name, timeout=timeout)
        if conn.is_connected:
            return conn
        with contextlib.suppress(Exception):
            await asyncio.wait_for(conn.client.disconnect(), 2.0)
        return await self.connect(conn.target, timeout=timeout)

    async def close(self) -> None:
        """Disconnect everything (session shutdown)."""
        for conn in list(self._connections.values()):
            if conn.is_connected:
                await self.disconnect(conn.address)

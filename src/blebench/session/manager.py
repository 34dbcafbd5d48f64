"""`SessionManager`: the one object the CLI and the TUI drive (no Textual here, ever).

It implements `blebench.session.api.SessionApi`, the faces' whole view of a session. It
opens the radio the settings name (the OS stack through bleak, Bumble over HCI, or the
virtual world), scans with bleak's `BleakScanner` on that backend and merges reports into
a `DeviceRegistry`. It builds the parts below it and injects what they need of it: the
`ConnectionManager` gets a client factory, a finder (this module's scanner: `session_finder`)
and the GATT resubscription; the capture gets a `radio()` callable. Nothing below imports
this module, so `session/` has no import circle.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import shlex
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakError

from blebench import paths
from blebench.backends.base import RadioError
from blebench.backends.extras import RawAdvertisement, raw_advertisement
from blebench.backends.os_stack import OsStackRadio
from blebench.pairing.bonds import BondFileProblem, BondStore
from blebench.session import console as console_ops
from blebench.session import export as stream_export
from blebench.session import gatt
from blebench.session import hid as hid_ops
from blebench.session.api import ExportFormat, SessionApi, Target
from blebench.session.capture import CaptureControl, check_capture_file, default_capture_path
from blebench.session.clock import SYSTEM_CLOCK, SessionClock
from blebench.session.connections import (
    ConnectionManager,
    DeviceConnection,
    FindDevice,
    looks_like_address,
)
from blebench.session.decoding import stream_decoder
from blebench.session.device_names import choose_by_name, did_you_mean
from blebench.session.errors import (
    DeviceError,
    DeviceNotFoundError,
    NotConnectedError,
    SessionError,
)
from blebench.session.filters import SampleFilter
from blebench.session.hid import HidContext
from blebench.session.link_rssi import LinkRssiSampler
from blebench.session.models import (
    CaptureStatus,
    ConnectionInfo,
    ConnectionState,
    DeviceRecord,
    GattNode,
    GattTree,
    RadioInfo,
    ReadResult,
    WorldControl,
    WorldDevice,
)
from blebench.session.peripheral import PeripheralServer
from blebench.session.radios import (
    RADIOS,
    BackendError,
    OpenRadio,
    RadioChoice,
    RadioRequest,
    choose_radio,
    open_choice,
    radio_info,
)
from blebench.session.registry import DeviceRegistry
from blebench.session.rssi import RssiHistory, merge_rssi
from blebench.session.streams import Stream, StreamBatch, StreamCursor, StreamStore

if TYPE_CHECKING:
    from blebench.backends.base import Radio
    from blebench.pairing.delegate import PairingDelegate
    from blebench.pairing.lab import LabResult
    from blebench.pairing.models import Bond, PairingOptions, PairingOutcome
    from blebench.session.console import ConsoleChoice, RequestConsole
    from blebench.session.link import LinkReport, LinkRequest, PeerLinkEvent
    from blebench.session.throughput import ThroughputPlan, ThroughputResult
    from blebench.sim.catalogue.base import VirtualPeripheral
    from blebench.sim.world import VirtualWorld

RECENT_REPORTS = 2000  # raw reports kept for a live view

__all__ = ["SessionError", "SessionManager", "SessionSettings", "session_finder"]


@dataclasses.dataclass(frozen=True, slots=True)
class SessionSettings:
    """The radio options of every command (see `blebench.commands.radio`)."""

    backend: str = "auto"
    sim: bool = False
    transport: str | None = None
    sim_devices: Path | None = None
    btsnoop: Path | None = None
    seed: int = 0
    peripherals: tuple[VirtualPeripheral, ...] | None = None  # a world of these (tests)
    user_devices: bool = True  # read the data dir's user-defined devices too
    sim_central: str = "phone"  # the virtual world's central controller: "phone" or "dongle"


class SessionManager:
    """Open with `await SessionManager.open(settings)` (or `async with`); close when done."""

    def __init__(
        self, settings: SessionSettings, choice: RadioChoice, clock: SessionClock = SYSTEM_CLOCK
    ) -> None:
        self.settings = settings
        self.choice = choice
        # What every part stamps and ages data with (session/clock.py), given once here.
        self.session_clock = clock
        # The radio (backends/base.py): the OS stack until `open()` opens the one chosen.
        # The session asks its `capabilities`, never its kind.
        self.radio: Radio = OsStackRadio()
        self.world: VirtualWorld | None = None  # the virtual world, when the radio is on it
        self._opened: OpenRadio | None = None
        self.radio_info = RadioInfo(  # until open(): what was chosen, nothing opened yet
            backend=choice.kind,
            description=self.radio.description,
            is_virtual=RADIOS[choice.kind].virtual,
            reason=choice.reason,
        )
        # The bonds blebench keeps: the Bumble radios' key store writes here, and the
        # registry shows a device that resolves to one of them as that bonded device.
        self.bonds = BondStore()
        self.registry = DeviceRegistry(bonds=self.bonds, clock=clock.monotonic)
        # Connections, GATT and notification streams (session/connections.py, gatt.py,
        # streams.py): `.connections` connects by address or name, `.streams` holds the
        # notification ring buffers the UI pulls from.
        self.streams = StreamStore(
            decoder=stream_decoder, mono_ns=clock.monotonic_ns, wall_ns=clock.time_ns
        )
        self.connections = ConnectionManager(
            self._client,
            find_device=session_finder(self),
            resubscribe=self._resubscribe,
        )
        # The RSSI of connected devices (advertisements stop once connected), sampled
        # while started (the TUI does), and an on-demand btsnoop capture.
        self.link_rssi = LinkRssiSampler(self.connections, clock=clock.monotonic)
        self.capture = CaptureControl(lambda: self.radio)
        self.recent: deque[tuple[float, RawAdvertisement]] = deque(maxlen=RECENT_REPORTS)
        self._scanner: BleakScanner | None = None
        self.scan_active = True
        self._resume_scan: bool | None = None  # the scan mode to run again once reopened
        # The TUI's Peripheral pane serves a device file's device (session/peripheral.py).
        self.peripheral = PeripheralServer(
            world=lambda: self.world,
            radio=lambda: (self.radio_info.backend, self.radio_info.description),
            default_file=settings.sim_devices or _data_dir_devices(settings),
            bonds=lambda: paths.data_dir() / "peripheral-bonds.json",
            seed=settings.seed,
        )
        self._closed = False

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    async def open(
        cls, settings: SessionSettings | None = None, *, clock: SessionClock | None = None
    ) -> SessionManager:
        """The session on the radio `settings` name; `clock` (session/clock.py) for a
        session fed at another pace than the system's (a fixed world, a replay)."""
        settings = settings or SessionSettings()
        if settings.btsnoop is not None:
            check_capture_file(settings.btsnoop)  # said before any radio opens
        try:
            choice = choose_radio(
                backend=settings.backend, sim=settings.sim, transport=settings.transport
            )
        except BackendError as exc:
            raise SessionError(str(exc)) from None
        manager = cls(settings, choice, clock or SYSTEM_CLOCK)
        with warnings.catch_warnings():
            # Loaded now, once: a bond file that cannot be read is kept aside and its
            # problems wait in `bonds.problems` for the CLI / the TUI to say in words.
            warnings.simplefilter("ignore", BondFileProblem)
            manager.bonds.bonds()
        await manager._open_radio()
        return manager

    async def _open_radio(
        self, *, fallback: bool | None = None, btsnoop: Path | None = None
    ) -> None:
        """Open the radio chosen (blebench.session.radios: the virtual world is opened here,
        its central handed to a Bumble radio); `--backend auto` falls back to the virtual
        world when the OS stack's probe fails, and says why."""
        from blebench.sim.userdevices import UserDevicesError

        if fallback is None:
            fallback = self.settings.backend == "auto"
        request = RadioRequest(
            sim_devices=self.settings.sim_devices,
            seed=self.settings.seed,
            btsnoop=btsnoop or self.settings.btsnoop,
            peripherals=self.settings.peripherals,
            user_devices=self.settings.user_devices,
            sim_central=self.settings.sim_central,
            bonds=self.bonds,
        )
        try:
            self.choice, opened = await open_choice(self.choice, request, fallback=fallback)
        except (RadioError, UserDevicesError) as exc:
            raise SessionError(str(exc)) from None
        self._opened = opened
        self.radio, self.world = opened.radio, opened.world
        self.registry.bond_identity = self.radio.identity  # the bonds usable on this radio
        self.radio_info = radio_info(self.radio, self.choice)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            await self.stop_scan()
        await self.link_rssi.stop()
        await self.peripheral.close()
        with contextlib.suppress(Exception):
            await self.connections.close()
        self.capture.close()
        if self._opened is not None:
            await self._opened.close()

    async def __aenter__(self) -> SessionManager:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ pairing

    async def pair(
        self,
        target: str,
        options: PairingOptions,
        delegate: PairingDelegate,
        *,
        passkey: int | None = None,
        timeout: float | None = None,
    ) -> PairingOutcome:
        """Connect to `target` if needed and pair with our `options`; the questions go to
        `delegate`. SMP failures are the outcome's `failure` (see session/pairing.py)."""
        from blebench.session.pairing import pair

        return await pair(
            self.connections,
            target,
            options,
            delegate,
            passkey=passkey,
            timeout=timeout,
        )

    async def repair(
        self,
        target: str,
        delegate: PairingDelegate,
        options: PairingOptions | None = None,
        *,
        passkey: int | None = None,
        timeout: float | None = None,
    ) -> tuple[PairingOutcome, Bond]:
        """After a `StaleBondError`: delete the stale bond of `target` and pair again with
        the options of the first pairing (or `options`). Returns the outcome and the old
        bond; a failed re-pair puts the old bond back (see session/pairing.py)."""
        from blebench.session.pairing import repair

        return await repair(
            self.connections,
            self.radio,
            target,
            delegate,
            options=options,
            passkey=passkey,
            timeout=timeout,
        )

    def bond_for(self, address: str) -> Bond | None:
        try:
            return self.bonds.resolve(address, local_address=self.radio.identity)
        except ValueError:  # not an address
            return None

    async def run_lab(
        self,
        initiator: PairingOptions,
        responder: PairingOptions,
        *,
        passkey: int | None = None,
        confirm: bool = True,
        timeout: float | None = None,
    ) -> LabResult:
        """Pair two fresh in-process devices with these options (real SMP, beside the
        radio: nothing of this session is touched); never raises for an SMP failure."""
        from blebench.session.pairing import run_lab

        extra: dict[str, float] = {} if timeout is None else {"timeout": timeout}
        return await run_lab(initiator, responder, passkey=passkey, confirm=confirm, **extra)

    # ------------------------------------------------------------------ scanning

    @property
    def radio_lost(self) -> str | None:
        return self.radio.lost

    async def reopen_radio(self) -> str:
        """Open the radio again as it was chosen (the same transport, no fallback) after
        its controller went away; SessionError in words while it cannot be reopened (a
        next try may do). The links went with the old radio; what was heard stays; a scan
        that ran when it went away runs again. Returns what was opened, in words."""
        if self._closed:
            raise SessionError("the session is closed")
        if self._opened is not None:
            # Only the first try lets go of the old radio; a try that fails leaves nothing
            # open, and the lost radio stays `self.radio` (radio_lost still says why).
            self._resume_scan = self.scan_active if self._scanner is not None else None
            with contextlib.suppress(Exception):
                await self.stop_scan()
            await self.link_rssi.stop()
            with contextlib.suppress(Exception):
                await self.connections.close()
            self.capture.close()
            opened, self._opened = self._opened, None
            with contextlib.suppress(Exception):
                await opened.close()
        btsnoop = _next_capture_file(self.settings.btsnoop)
        await self._open_radio(fallback=False, btsnoop=btsnoop)
        said = f"reopened {self.radio.description}"
        if btsnoop is not None:
            said += f"; the capture goes on in {btsnoop}"  # the first file is kept as it was
        if self._resume_scan is not None:
            active, self._resume_scan = self._resume_scan, None
            await self.start_scan(active)
        return said

    @property
    def scanning(self) -> bool:
        # A radio that went away scans no more, whatever was asked of it.
        return self._scanner is not None and self.radio_lost is None

    def scanner_kwargs(self) -> dict[str, Any]:
        """The keyword arguments that put a bleak object on this session's backend."""
        return self.radio.scanner_kwargs()

    async def start_scan(self, active: bool = True) -> None:
        """Scan (again) in the given mode; the registry keeps what it has heard."""
        if self._scanner is not None:
            if self.scan_active == active:
                return
            await self.stop_scan()
        scanner = BleakScanner(
            self._on_scanned,  # bleak wants a callback of exactly two parameters
            scanning_mode="active" if active else "passive",
            **self.scanner_kwargs(),
        )
        try:
            await scanner.start()
        except Exception as exc:
            words = self.radio.explain(exc)
            if words is None and not isinstance(exc, BleakError):
                raise
            raise SessionError(f"cannot scan: {words or exc}") from None
        self._scanner = scanner
        self.scan_active = active

    async def stop_scan(self) -> None:
        scanner, self._scanner = self._scanner, None
        if scanner is not None:
            await scanner.stop()

    def ingest_advertisement(
        self, device: BLEDevice, advertisement: AdvertisementData, at: float | None = None
    ) -> None:
        """One advertising report into the session, as bleak's scanner callback gives it
        (the Bumble backend's `RawAdvertisement` in `platform_data`, when it has one).

        The scanner calls this; so may anything else that has reports to give (the snapshot
        tests' fixed world; a capture being replayed). `at`: when it was heard, on the
        session's monotonic clock (`clock()`); None is now. Reports are given in time order."""
        now = self.registry.clock() if at is None else at
        self.registry.update(device, advertisement, now)
        raw = raw_advertisement(advertisement.platform_data)
        if raw is not None:
            self.recent.append((now, raw))

    def _on_scanned(self, device: BLEDevice, advertisement: AdvertisementData) -> None:
        self.ingest_advertisement(device, advertisement)

    def clock(self) -> float:
        return self.registry.clock()

    def devices_changed_since(self, version: int) -> tuple[int, list[DeviceRecord]]:
        return self.registry.changed_since(version)

    def device(self, address: str) -> DeviceRecord | None:
        return self.registry.get(address)

    # ------------------------------------------------------------------ connections

    def _client(
        self,
        target: BLEDevice | str,
        timeout: float,
        on_disconnect: Callable[[BleakClient], None],
    ) -> BleakClient:
        """A BleakClient on this session's radio (its backend and keywords)."""
        kwargs = self.radio.client_kwargs(op_timeout=self.connections.op_timeout)
        return BleakClient(target, on_disconnect, timeout=timeout, **kwargs)

    async def _resubscribe(self, conn: DeviceConnection, handle: int, indicate: bool) -> Stream:
        return await gatt.subscribe(conn, self.streams, handle, indicate=indicate)

    def _live(self, address: str, during: str) -> DeviceConnection:
        """The connection to `address` (or a name), up; raises the loss in words."""
        conn = self.connections.get(address)
        if conn is None:
            raise NotConnectedError(address, during)
        if not conn.is_connected:
            if conn.state == ConnectionState.LOST:
                raise conn.lost_error(during)
            raise NotConnectedError(conn.address, during)
        return conn

    async def connect(self, target: str, *, timeout: float | None = None) -> ConnectionInfo:
        conn = await self.connections.connect(target, timeout=timeout)
        return conn.info()

    async def disconnect(self, address: str) -> None:
        await self.connections.disconnect(address)

    async def reconnect(self, address: str, *, timeout: float | None = None) -> ConnectionInfo:
        conn = await self.connections.reconnect(address, timeout=timeout)
        return conn.info()

    def connection(self, address: str) -> ConnectionInfo | None:
        conn = self.connections.get(address)
        return conn.info() if conn is not None else None

    def all_connections(self) -> list[ConnectionInfo]:
        return [conn.info() for conn in self.connections.all()]

    def check_link(self, address: str, during: str) -> None:
        self._live(address, during)

    # ------------------------------------------------------------------ the link (link.py)

    def prefer_mtu(self, mtu: int | None) -> bool:
        from blebench.backends.link_control import MtuPreference

        if not isinstance(self.radio, MtuPreference):
            return False
        self.radio.connect_mtu = mtu
        return True

    def answer_peer_requests(self, policy: str) -> bool:
        from blebench.session.link import answer_peer_requests

        return answer_peer_requests(self.radio, policy)

    def peer_link_events(self, address: str) -> list[PeerLinkEvent]:
        from blebench.session.link import peer_link_events

        return peer_link_events(self._live(address, "reading the link"))

    def link_state(self, address: str) -> dict[str, Any] | None:
        from blebench.backends.link_control import link_control

        control = link_control(self._live(address, "reading the link").client)
        return control.link_state() if control is not None else None

    def check_link_request(self, request: LinkRequest, address: str | None = None) -> LinkRequest:
        from blebench.session.link import check_request

        return check_request(request, self.link_state(address) if address is not None else None)

    async def change_link(self, address: str, request: LinkRequest) -> LinkReport:
        from blebench.session.link import change_link

        conn = self._live(address, "changing the link")
        async with conn.operation("changing the link"):
            return await change_link(conn, request)

    async def throughput(self, address: str, plan: ThroughputPlan) -> ThroughputResult:
        from blebench.session.throughput import run_throughput

        conn = self._live(address, "the throughput test")
        async with conn.operation("the throughput test"):
            return await run_throughput(conn, self.streams, plan)

    # ------------------------------------------------------------------ GATT

    async def discover(self, address: str) -> GattTree:
        return await gatt.discover(self._live(address, "walking the GATT database"))

    async def read(self, address: str, target: Target | GattNode) -> ReadResult:
        return await gatt.read(self._live(address, "a read"), target)

    async def read_all(self, address: str, *, keep_partial: bool = False) -> list[ReadResult]:
        return await gatt.read_all(self._live(address, "reading"), keep_partial=keep_partial)

    async def write(
        self, address: str, target: Target | GattNode, data: bytes, *, response: bool = True
    ) -> GattNode:
        return await gatt.write(self._live(address, "a write"), target, data, response=response)

    async def subscribe(
        self,
        address: str,
        target: Target | GattNode,
        *,
        indicate: bool = False,
        capacity: int | None = None,
    ) -> Stream:
        conn = self._live(address, "subscribing")
        stream = await gatt.subscribe(
            conn, self.streams, target, indicate=indicate, capacity=capacity
        )
        # A keyboard's input report: its keys decoded for every face (the Streams log,
        # `notify`, both exports). A report map that cannot be read leaves the bytes.
        with contextlib.suppress(DeviceError):
            await hid_ops.attach(conn, self.streams, stream)
        return stream

    def hid(self, address: str) -> HidContext | None:
        conn = self.connections.get(address)
        return hid_ops.context(conn) if conn is not None else None

    async def unsubscribe(self, address: str, target: Target | GattNode) -> None:
        conn = self.connections.get(address)
        if conn is None:
            return
        await gatt.unsubscribe(conn, self.streams, target)

    async def open_console(
        self, address: str, write: Target, notify: Target, *, response: bool | None = None
    ) -> RequestConsole:
        conn = self._live(address, "opening a console")
        return await console_ops.open_console(conn, self.streams, write, notify, response=response)

    # ------------------------------------------------------------------ streams

    def pull_streams(
        self,
        cursor: StreamCursor | None = None,
        *,
        stream_ids: Iterable[int] | None = None,
        sample_filter: SampleFilter | None = None,
        limit: int | None = None,
    ) -> StreamBatch:
        return self.streams.pull(
            cursor, stream_ids=stream_ids, sample_filter=sample_filter, limit=limit
        )

    def export(
        self,
        path: Path,
        fmt: ExportFormat,
        *,
        stream_ids: Sequence[int] | None = None,
        sample_filter: SampleFilter | None = None,
    ) -> int:
        """The file is written beside as `.partial`, then replaces `path` (parents made)."""
        target = Path(path).expanduser()
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        ids = list(stream_ids) if stream_ids is not None else None
        with partial.open("w", encoding="utf-8", newline="") as out:
            write = stream_export.export_csv if fmt == "csv" else stream_export.export_jsonl
            count = write(self.streams, out, stream_ids=ids, sample_filter=sample_filter)
        partial.replace(target)
        return count

    def link_rssi_history(self, address: str) -> Sequence[tuple[float, int]]:
        return self.link_rssi.history(address)

    def sample_link_rssi(self) -> None:
        self.link_rssi.start()

    def rssi_history(self, address: str) -> RssiHistory:
        """Advertising and link RSSI merged; starts sampling the link RSSI (once asked,
        a face shows it) when the session runs in an event loop."""
        if not self.link_rssi.running:
            with contextlib.suppress(RuntimeError):  # no running loop: history only
                self.link_rssi.start()
        record = self.registry.get(address)
        return merge_rssi(
            record.rssi_history if record is not None else (), self.link_rssi.history(address)
        )

    def console_for(self, stream_id: int | None) -> ConsoleChoice | None:
        return console_ops.choose_console(self.connections.all(), stream_id)

    # ------------------------------------------------------------------ the virtual world

    def world_devices(self) -> list[WorldDevice]:
        if self.world is None:
            return []
        from blebench.sim import control

        return [
            WorldDevice(
                name=d.name,
                address=d.address,
                air_address=d.air_address,
                address_type=d.address_type,
                connectable=d.connectable,
                powered=d.powered,
                distance_m=d.distance_m,
                tx_power_dbm=d.tx_power_dbm,
                links=d.links,
                controls=tuple(
                    WorldControl(c.name, c.description, tuple(p.describe() for p in c.params))
                    for c in d.controls
                ),
            )
            for d in control.describe(self.world)
        ]

    async def world_control(self, device: str, control: str, args: Sequence[str] = ()) -> str:
        if self.world is None:
            raise SessionError(
                f"{self.radio_info.description} is not the virtual world: its devices have "
                "no controls (start with --sim)"
            )
        from blebench.sim import control as world_control

        return await world_control.run(self.world, device, control, list(args))

    # ------------------------------------------------------------------ capture

    def capture_unavailable_reason(self) -> str | None:
        return self.capture.unavailable_reason()

    def capture_status(self) -> CaptureStatus | None:
        return self.capture.status()

    def start_capture(self, path: Path | None = None) -> Path:
        return self.capture.start(path)

    def stop_capture(self) -> CaptureStatus:
        return self.capture.stop()

    def new_capture_path(self) -> Path:
        return default_capture_path()


def _data_dir_devices(settings: SessionSettings) -> Path | None:
    """The data dir's user-defined devices file, when the session reads it and it exists."""
    path = paths.user_sim_devices_file()
    return path if settings.user_devices and path.is_file() else None


def _next_capture_file(first: Path | None) -> Path | None:
    """Where `--btsnoop FILE` goes on after a reopen: FILE.2.btsnoop, .3, ... (the first
    free name beside it), so the capture up to the loss is never overwritten."""
    if first is None:
        return None
    number = 2
    while (candidate := first.with_name(f"{first.stem}.{number}{first.suffix}")).exists():
        number += 1
    check_capture_file(candidate)
    return candidate


# -- finding a device (the manager's knowledge of its radio, scanner and registry) --------


# A name matched by a part of it (`uart`) is taken once the scan has run this long, so a
# second device containing that part is heard first and the name is said to be ambiguous.
PART_OF_NAME_SETTLE_S = 1.0


def session_finder(session: SessionManager) -> FindDevice:
    """Find a device by name or address with the session's scanner (started for the
    search when it was not running, stopped again afterwards). A name matches as the Scan
    pane's filter does (blebench.session.device_names): in any case, or by a part of it
    only one heard name contains; several such names, or none with a close one, end the
    search in words (DeviceNotFoundError: "matches ...", "did you mean ...")."""

    async def find(text: str, timeout: float) -> BLEDevice | None:
        if not session.radio.capabilities.connects_by_record:
            return await _find_with_os_stack(session, text, timeout)
        started = False
        if not session.scanning:
            await session.start_scan(active=True)
            started = True
        try:
            begun = time.monotonic()
            deadline = begun + timeout
            settle = 0.0 if not started else min(PART_OF_NAME_SETTLE_S, timeout)
            while True:
                now = time.monotonic()
                record = _match_record(session, text, settled=now - begun >= settle)
                if record is not None:
                    # The Bumble backend reads the address type from these details.
                    details = {
                        "address": record.address,
                        "address_type": record.address_type,
                        "connectable": record.connectable,  # False: it refuses, say so at once
                    }
                    return BLEDevice(record.address, record.name, details)
                if now >= deadline:
                    _not_found(session, text, timeout)
                    return None
                await asyncio.sleep(0.05)
        finally:
            if started:
                with contextlib.suppress(Exception):
                    await session.stop_scan()

    return find


def _match_record(
    session: SessionManager, text: str, *, settled: bool = True
) -> DeviceRecord | None:
    if looks_like_address(text):
        record = session.registry.get(text.split("/")[0])
        return record if record is not None and record.connectable is not False else None
    choice = choose_by_name(session.registry, text)
    if choice.ambiguous and settled:
        shown = ", ".join(repr(name) for name in choice.candidates[:6])
        more = f" and {len(choice.candidates) - 6} more" if len(choice.candidates) > 6 else ""
        raise DeviceNotFoundError(
            f"{text!r} is part of several device names: {shown}{more}",
            next_step="give more of the name, or the address (`blebench scan` lists them)",
        )
    if choice.record is not None and (choice.exact or settled):
        return choice.record
    return None


def _not_found(session: SessionManager, text: str, timeout: float) -> None:
    """Nothing matched: a close name heard ("HID Keybaord") is offered; else the caller
    says the rest (blebench.session.connections)."""
    if looks_like_address(text):
        return
    close = did_you_mean(session.registry, text)
    if close:
        raise DeviceNotFoundError(
            f"no device named {text!r} was heard within {timeout:g} s; "
            f"did you mean {' or '.join(repr(name) for name in close)}?",
            next_step=f"give the name as heard: {shlex.quote(close[0])} (names match in "
            "any case, or by a part of the name only one device has)",
        )


async def _find_with_os_stack(
    session: SessionManager, text: str, timeout: float
) -> BLEDevice | None:
    was_scanning = session.scanning
    if was_scanning:
        await session.stop_scan()  # one scanner at a time on OS stacks
    try:
        if looks_like_address(text):
            return await BleakScanner.find_device_by_address(text, timeout=timeout)
        # In any case, as on the virtual world; a part of a name needs the whole scan to be
        # sure it is unique, which an OS stack's find does not give.
        wanted = text.strip().casefold()
        return await BleakScanner.find_device_by_filter(
            lambda device, adv: (adv.local_name or device.name or "").casefold() == wanted,
            timeout=timeout,
        )
    finally:
        if was_scanning:
            with contextlib.suppress(Exception):
                await session.start_scan(session.scan_active)


def _implements_the_api(session: SessionManager) -> SessionApi:
    """Never called: mypy proves here that SessionManager is a SessionApi."""
    return session

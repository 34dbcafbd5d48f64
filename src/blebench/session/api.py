"""`SessionApi`: everything a face (the TUI, the CLI, a script) may ask of a session.

One Protocol, taking and returning plain models (blebench.session.models) and the
session's own bounded objects (streams, consoles); `SessionManager` implements it (mypy
proves it: see the end of blebench/session/manager.py). Importing this module loads no
bleak, no Bumble and no Textual, so a face imports it (and `models`) at runtime and
everything else only for types.

Devices are named by address (or by name: `connect` finds a name on the air); a
characteristic or descriptor by handle (int) or UUID text ("2a37", "0x0010"). The stream
store is bound inside: `subscribe(address, handle)` opens the stream, `pull_streams(cursor)`
reads what came. Every failure is a `blebench.errors.BlebenchError`: a `DeviceError` (the
device or the link, exit 1) or a `UserInputError` (what was typed, exit 2), with words, a
next step and JSON. The error classes a face catches are importable from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from blebench.errors import BlebenchError, SetupError, UserInputError
from blebench.session.errors import (
    CaptureError,
    ConnectionLostError,
    DeviceError,
    DeviceNotFoundError,
    FilterError,
    GattOperationError,
    NoBondError,
    NotConnectedError,
    PairingUnavailableError,
    SessionError,
    StaleBondError,
    TargetError,
)
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

if TYPE_CHECKING:
    # What a face holds besides the models (the session's bounded objects and the values it
    # passes back): types only, so that a face importing this module imports none of them.
    from blebench.pairing.bonds import BondStore
    from blebench.pairing.delegate import PairingDelegate
    from blebench.pairing.lab import LabResult
    from blebench.pairing.models import Bond, PairingOptions, PairingOutcome
    from blebench.session.console import ConsoleChoice, RequestConsole
    from blebench.session.filters import SampleFilter
    from blebench.session.hid import HidContext
    from blebench.session.link import LinkReport, LinkRequest, PeerLinkEvent
    from blebench.session.peripheral import PeripheralServer
    from blebench.session.rssi import RssiHistory
    from blebench.session.streams import Stream, StreamBatch, StreamCursor, StreamStore
    from blebench.session.throughput import ThroughputPlan, ThroughputResult

__all__ = [
    "BlebenchError",
    "CaptureError",
    "CaptureStatus",
    "ConnectionInfo",
    "ConnectionLostError",
    "ConnectionState",
    "DeviceError",
    "DeviceNotFoundError",
    "DeviceRecord",
    "ExportFormat",
    "FilterError",
    "GattNode",
    "GattOperationError",
    "GattTree",
    "NoBondError",
    "NotConnectedError",
    "PairingUnavailableError",
    "RadioInfo",
    "ReadResult",
    "SessionApi",
    "SessionError",
    "SetupError",
    "StaleBondError",
    "Target",
    "TargetError",
    "UserInputError",
    "WorldControl",
    "WorldDevice",
]

ExportFormat = Literal["csv", "jsonl"]
Target = str | int
"""A characteristic or descriptor: its handle, or its UUID ("2a37", 128-bit) or "0x0010"."""


class SessionApi(Protocol):
    """What a face may call. Nothing else of the session is the faces' business."""

    async def close(self) -> None:
        """Stop scanning, disconnect, end a capture, close the radio (idempotent)."""

    # -- the radio and scanning --------------------------------------------------------
    @property
    def radio_info(self) -> RadioInfo:
        """Which radio this session runs on, and why when the user did not pick it."""

    @property
    def radio_lost(self) -> str | None:
        """Why the radio went away while open (its controller closed the HCI transport), in
        words; None while it works. Scanning stops; the devices heard stay."""

    async def reopen_radio(self) -> str:
        """Open the same radio again (its controller back: a TCP HCI server restarted, a
        dongle plugged in again) and resume the scan that ran; what was opened, in words.
        SessionError in words while it cannot be reopened; the lost radio stays lost."""

    @property
    def scanning(self) -> bool: ...

    async def start_scan(self, active: bool = True) -> None:
        """Scan (again) in this mode; what was heard is kept. Raises SessionError."""

    async def stop_scan(self) -> None: ...

    def clock(self) -> float:
        """The clock the reports are stamped on (monotonic seconds)."""

    def devices_changed_since(self, version: int) -> tuple[int, list[DeviceRecord]]:
        """(the version now, the records that changed after `version`); 0 gives all."""

    def device(self, address: str) -> DeviceRecord | None:
        """The record of a device heard (by address, or its identity address)."""

    # -- connections -------------------------------------------------------------------
    async def connect(self, target: str, *, timeout: float | None = None) -> ConnectionInfo:
        """Connect (or keep the live link) to a device by address or name; discovery is
        part of connecting. Raises DeviceError (StaleBondError, DeviceNotFoundError, ...)."""

    async def disconnect(self, address: str) -> None:
        """Disconnect (idempotent); its streams stay readable, marked inactive."""

    async def reconnect(self, address: str, *, timeout: float | None = None) -> ConnectionInfo:
        """Connect again to a device connected before, resubscribing its streams."""

    def connection(self, address: str) -> ConnectionInfo | None:
        """The connection to `address` (or a device's name) as plain data, if any."""

    def all_connections(self) -> list[ConnectionInfo]:
        """Every connection this session made, in any state."""

    def check_link(self, address: str, during: str) -> None:
        """Raise what a face should say when the link to `address` is not up (the loss
        in words: ConnectionLostError, else NotConnectedError); nothing when it is."""

    # -- the link's parameters (session/link.py) ----------------------------------------
    def prefer_mtu(self, mtu: int | None) -> bool:
        """The ATT MTU every later connect asks for (None: the radio's default); False
        when the radio cannot ask for one (the OS stack exchanges its own)."""

    def answer_peer_requests(self, policy: str) -> bool:
        """How every link answers a peripheral's connection parameter requests from now on
        ("accept" or "refuse"; live links too); False when the radio lets the OS stack
        answer them (session/link.py)."""

    def peer_link_events(self, address: str) -> list[PeerLinkEvent]:
        """The link changes the peer asked for or made on this connection, and what came of
        each, oldest first (the last 64)."""

    def link_state(self, address: str) -> dict[str, Any] | None:
        """interval, latency, timeout, PHYs, data lengths and MTU of the live link (None:
        the radio does not say them all, as on the OS stack)."""

    def check_link_request(self, request: LinkRequest, address: str | None = None) -> LinkRequest:
        """`request` as `change_link` would send it (the live link's values filled in),
        or UserInputError in words for a value the spec does not allow; `address` None:
        only what can be checked without a link."""

    async def change_link(self, address: str, request: LinkRequest) -> LinkReport:
        """Request each change (connection update, PHY, data length) and report what the
        controller and the peer settled on; values out of the spec's range raise
        UserInputError before anything is sent."""

    async def throughput(self, address: str, plan: ThroughputPlan) -> ThroughputResult:
        """Load the link as `plan` says (notifications, writes without response, writes)
        and measure what it carried (session/throughput.py)."""

    # -- GATT --------------------------------------------------------------------------
    async def discover(self, address: str) -> GattTree:
        """The GATT database of a connected device."""

    async def read(self, address: str, target: Target | GattNode) -> ReadResult:
        """Read and decode one characteristic (or a descriptor, by handle)."""

    async def read_all(self, address: str, *, keep_partial: bool = False) -> list[ReadResult]:
        """Every readable value read and decoded; failures recorded in their results."""

    async def write(
        self, address: str, target: Target | GattNode, data: bytes, *, response: bool = True
    ) -> GattNode:
        """Write a value (with or without response); the node written."""

    async def subscribe(
        self,
        address: str,
        target: Target | GattNode,
        *,
        indicate: bool = False,
        capacity: int | None = None,
    ) -> Stream:
        """Notifications (or indications) into a stream of the session's store."""

    async def unsubscribe(self, address: str, target: Target | GattNode) -> None:
        """Stop notifications; the stream's samples stay readable (marked inactive)."""

    def hid(self, address: str) -> HidContext | None:
        """The HID context of a connection (report references, report map, keyboards)."""

    async def open_console(
        self, address: str, write: Target, notify: Target, *, response: bool | None = None
    ) -> RequestConsole:
        """A request/response console: requests to `write`, replies from `notify`."""

    # -- streams -----------------------------------------------------------------------
    @property
    def streams(self) -> StreamStore:
        """The store every subscription writes to (bounded ring buffers)."""

    def pull_streams(
        self,
        cursor: StreamCursor | None = None,
        *,
        stream_ids: Iterable[int] | None = None,
        sample_filter: SampleFilter | None = None,
        limit: int | None = None,
    ) -> StreamBatch:
        """New samples since `cursor` (all kept ones for None), oldest first."""

    def export(
        self,
        path: Path,
        fmt: ExportFormat,
        *,
        stream_ids: Sequence[int] | None = None,
        sample_filter: SampleFilter | None = None,
    ) -> int:
        """Write the streams to a CSV or JSON Lines file (atomically); the sample count.
        Raises OSError naming the path when it cannot be written."""

    def link_rssi_history(self, address: str) -> Sequence[tuple[float, int]]:
        """(time on `clock`, dBm) of the RSSI read on the link to `address`."""

    def sample_link_rssi(self) -> None:
        """Read the RSSI of every connected device about once a second from now on (a face
        that shows RSSI asks; the CLI does not, so its HCI traffic stays its own)."""

    def rssi_history(self, address: str) -> RssiHistory:
        """A device's RSSI from its advertisements and from the link (sampled meanwhile)."""

    def console_for(self, stream_id: int | None) -> ConsoleChoice | None:
        """The console to offer: the selected stream's when it has one, else the newest."""

    # -- pairing and bonds -------------------------------------------------------------
    @property
    def bonds(self) -> BondStore:
        """The one bond store of this process (the radio's key store writes through it)."""

    def bond_for(self, address: str) -> Bond | None:
        """The bond blebench keeps on this radio for `address` (an identity address, or one
        that resolves with a stored IRK), if any."""

    async def pair(
        self,
        target: str,
        options: PairingOptions,
        delegate: PairingDelegate,
        *,
        passkey: int | None = None,
        timeout: float | None = None,
    ) -> PairingOutcome:
        """Connect if needed and pair; an SMP failure is the outcome's `failure`."""

    async def repair(
        self,
        target: str,
        delegate: PairingDelegate,
        options: PairingOptions | None = None,
        *,
        passkey: int | None = None,
        timeout: float | None = None,
    ) -> tuple[PairingOutcome, Bond]:
        """Delete a stale bond and pair again (the first pairing's options by default)."""

    async def run_lab(
        self,
        initiator: PairingOptions,
        responder: PairingOptions,
        *,
        passkey: int | None = None,
        confirm: bool = True,
        timeout: float | None = None,
    ) -> LabResult:
        """Pair two fresh in-process devices with these options (real SMP)."""

    # -- the virtual world under the user's hand ----------------------------------------
    def world_devices(self) -> list[WorldDevice]:
        """The virtual world's devices (on or off) with their controls; [] on a real radio."""

    async def world_control(self, device: str, control: str, args: Sequence[str] = ()) -> str:
        """Run one control of a virtual device (by name or a unique part of it) with typed
        values ("42", "on", "21.5"); what happened in words. UserInputError for a device,
        control or value that does not fit; SessionError off the virtual world. Nothing
        is kept for the next run (that is `blebench sim`'s)."""

    # -- being the peripheral (session/peripheral.py) ----------------------------------
    @property
    def peripheral(self) -> PeripheralServer:
        """Serve one device of a device file (what `blebench peripheral` serves): in this
        session's virtual world, else on a Bumble radio by transport; its events pulled."""

    # -- capture -----------------------------------------------------------------------
    def capture_unavailable_reason(self) -> str | None:
        """Why a btsnoop capture cannot run on this radio, or None when it can."""

    def capture_status(self) -> CaptureStatus | None:
        """The running capture, else the one that ended last, else None."""

    def start_capture(self, path: Path | None = None) -> Path:
        """Capture the HCI traffic to `path` (a new file in the data dir when None)."""

    def stop_capture(self) -> CaptureStatus: ...

    def new_capture_path(self) -> Path:
        """A new file for a capture in the data dir, named for the time (never one kept)."""

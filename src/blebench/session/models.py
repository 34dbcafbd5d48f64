"""The session's plain models, shared by the CLI's JSON, the TUI and the tests.

- scanning: one `DeviceRecord` per device, built by `DeviceRegistry` from the reports the
  backend delivers (`Payload` for each kind of payload), and `RadioInfo`;
- connections: `ConnectionState`, `ConnectionInfo` (state and link parameters);
- GATT: `GattNode`, `GattTree` (a device's database as discovered).

Plain data only: no bleak, no Bumble, no Textual (a face may import this at runtime).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from blebench.decode.names import company_name, normalize_uuid, short_uuid, uuid_name
from blebench.decode.payload import DecodedPayload, vendors_json
from blebench.session.errors import TargetError

AddressType = Literal[
    "public", "random-static", "resolvable-private", "non-resolvable-private", "unknown"
]
RSSI_HISTORY = 128  # (monotonic, rssi) pairs kept per device
ADV_GAPS = 16  # the last gaps between advertisements kept per device (interval measured)
# A device not heard for this long, or for three of its own measured intervals if that is
# longer, no longer counts as heard "now" (the Scan pane dims it; the registry's
# `heard_now` leaves it out).
AGE_OUT_S = 30.0


def live_window(interval_ms: float | None) -> float:
    """How long after its last report a device still counts as heard now (seconds)."""
    if interval_ms is None:
        return AGE_OUT_S
    return max(AGE_OUT_S, 3 * interval_ms / 1000)


@dataclasses.dataclass(slots=True)
class Payload:
    """One kind of payload (advertising data or scan response) as last received."""

    raw: bytes
    decoded: DecodedPayload
    received: float  # monotonic seconds
    changes: int = 0  # how many times the bytes changed after the first

    def to_json(self) -> dict[str, Any]:
        return self.decoded.to_json()


@dataclasses.dataclass(frozen=True, slots=True)
class RadioInfo:
    """Which radio a session runs on, what it lets blebench do, and why it is this radio
    when the user did not pick it (plain data: the faces read the radio only here)."""

    backend: str  # the radio's kind: a `blebench.session.radios.RadioKind` ("bleak", ...)
    description: str
    is_virtual: bool
    reason: str | None = None
    # What the radio lets blebench do itself (`blebench.backends.base.Capabilities` names:
    # raw_advertising, smp, hci_capture, link_rssi, connects_by_record).
    capabilities: frozenset[str] = frozenset()
    identity: str | None = None  # our identity address on it (None: the OS keeps it)

    def can(self, capability: str) -> bool:
        return capability in self.capabilities


@dataclasses.dataclass(slots=True)
class DeviceRecord:
    """Everything merged from the reports of one device (one address)."""

    address: str
    address_type: AddressType
    first_seen: float  # monotonic seconds
    last_seen: float
    name: str | None = None
    connectable: bool | None = None
    rssi: int | None = None
    rssi_history: deque[tuple[float, int]] = dataclasses.field(
        default_factory=lambda: deque(maxlen=RSSI_HISTORY)
    )
    adv: Payload | None = None
    scan_response: Payload | None = None
    event_types: dict[str, int] = dataclasses.field(default_factory=dict)
    count: int = 0
    tx_power: int | None = None  # the report's TX power field (not the AD structure)
    raw_available: bool = True  # False on OS stacks that merge adv and scan response
    os_fields: dict[str, Any] | None = None  # what an OS stack gave instead of bytes
    version: int = 0  # the registry's version when this record last changed
    # A device blebench is bonded with: its identity address (a resolvable private
    # address resolved with the bond's IRK; `address` is then the one heard last) and the
    # bond's name. One record per identity, however often its address changes.
    identity_address: str | None = None
    bonded: bool = False
    bond_name: str | None = None
    # The registry's key for this record (its identity address, or the first address of
    # the device): what a face keys rows by while `address` follows rotations.
    key: str = ""
    # Earlier private addresses of an unbonded device linked to this record because a new
    # address took over with exactly the same advertising data (oldest first, bounded).
    previous_addresses: list[str] = dataclasses.field(default_factory=list)
    # The advertising interval measured from the reports heard (median gap between
    # advertisements, reports of one event counted once); None until two were heard.
    interval_ms: float | None = None
    primary_phy: str | None = None  # "LE 1M", "LE 2M", "LE Coded" (legacy PDUs: LE 1M)
    secondary_phy: str | None = None  # extended advertising's AUX PDUs; None for legacy
    last_adv_at: float | None = None  # when the last advertisement (not a response) came
    adv_gaps: deque[float] = dataclasses.field(default_factory=lambda: deque(maxlen=ADV_GAPS))

    @property
    def service_uuids(self) -> list[str]:
        out: list[str] = []
        for payload in (self.adv, self.scan_response):
            if payload is not None:
                out.extend(u for u in payload.decoded.service_uuids if u not in out)
        return out

    @property
    def company_ids(self) -> list[int]:
        out: list[int] = []
        for payload in (self.adv, self.scan_response):
            if payload is not None:
                out.extend(c for c in payload.decoded.company_ids if c not in out)
        return out

    @property
    def ad_tx_power(self) -> int | None:
        for payload in (self.adv, self.scan_response):
            if payload is not None and payload.decoded.tx_power is not None:
                return payload.decoded.tx_power
        return None

    @property
    def appearance(self) -> int | None:
        for payload in (self.adv, self.scan_response):
            if payload is not None and payload.decoded.appearance is not None:
                return payload.decoded.appearance
        return None

    def to_json(self, wall_offset: float) -> dict[str, Any]:
        """The scan JSON object (README "JSON output"); `wall_offset` = wall - monotonic."""

        def stamp(mono: float) -> str:
            moment = datetime.datetime.fromtimestamp(mono + wall_offset, tz=datetime.UTC)
            return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

        adv = self.adv.decoded if self.adv is not None else None
        scan_response = self.scan_response.decoded if self.scan_response is not None else None
        out: dict[str, Any] = {
            "name": self.name,
            "address": self.address,
            "address_type": self.address_type,
            "connectable": self.connectable,
            "rssi": self.rssi,
            "adv": adv.to_json() if adv is not None else None,
            "scan_response": scan_response.to_json() if scan_response is not None else None,
            "vendors": vendors_json(adv, scan_response),
            "event_types": sorted(self.event_types),
            "count": self.count,
            "first_seen": stamp(self.first_seen),
            "last_seen": stamp(self.last_seen),
            "rssi_history": [
                [round(t - self.first_seen, 3), value] for t, value in self.rssi_history
            ],
            "tx_power": self.ad_tx_power,
            "services": self.service_uuids,
            "company": [{"id": cid, "name": company_name(cid)} for cid in self.company_ids],
            "appearance": self.appearance,
            "identity_address": self.identity_address,
            "bonded": self.bonded,
            "bond_name": self.bond_name,
            "previous_addresses": list(self.previous_addresses),
            "adv_interval_ms": None if self.interval_ms is None else round(self.interval_ms, 1),
            "primary_phy": self.primary_phy,
            "secondary_phy": self.secondary_phy,
            "scan_response_received": (
                stamp(self.scan_response.received) if self.scan_response is not None else None
            ),
        }
        if not self.raw_available:
            out["os_fields"] = self.os_fields
        return out


# -- connections -------------------------------------------------------------------------


class ConnectionState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTING = "disconnecting"
    DISCONNECTED = "disconnected"  # on request
    LOST = "lost"  # dropped by the link or the peer
    FAILED = "failed"  # never came up


@dataclass(slots=True)
class ConnectionInfo:
    """A connection's state and parameters, plain data for the UI and JSON. Fields the
    backend cannot know are None."""

    address: str
    name: str | None
    state: str
    backend: str
    mtu: int | None
    connected_at_wall_ms: float | None
    tx_phy: str | None = None
    rx_phy: str | None = None
    interval_ms: float | None = None
    latency: int | None = None
    supervision_timeout_ms: float | None = None
    encrypted: bool | None = None
    authenticated: bool | None = None
    secure_connections: bool | None = None
    encryption_key_size: int | None = None
    disconnect_reason: dict[str, Any] | None = None
    streams: int = 0

    @property
    def is_connected(self) -> bool:
        return self.state == ConnectionState.CONNECTED

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# -- GATT --------------------------------------------------------------------------------

NodeKind = Literal["service", "characteristic", "descriptor"]


@dataclass(slots=True)
class GattNode:
    """A service, characteristic or descriptor.

    `handle` is the attribute the ATT operations address: the service declaration for a
    service, the *value* handle for a characteristic, the descriptor's own handle.
    `properties` are bleak's names ("read", "write", "notify", ...); `permissions` are
    what the session learnt (e.g. "read needs encryption" after an ATT 0x0F), since the
    air never tells them directly.
    """

    kind: NodeKind
    handle: int
    uuid: str  # 128-bit lowercase
    name: str | None
    properties: list[str] = field(default_factory=list)
    permissions: list[str] = field(default_factory=list)
    children: list[GattNode] = field(default_factory=list)
    parent_handle: int | None = None

    @property
    def short_uuid(self) -> str:
        return short_uuid(self.uuid)

    @property
    def label(self) -> str:
        return self.name or self.short_uuid

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "handle": self.handle,
            "uuid": self.uuid,
            "short_uuid": self.short_uuid,
            "name": self.name,
        }
        if self.kind == "characteristic":
            out["properties"] = list(self.properties)
        if self.kind != "service":
            out["permissions"] = list(self.permissions)
        key = {"service": "characteristics", "characteristic": "descriptors"}.get(self.kind)
        if key is not None:
            out[key] = [c.to_json() for c in self.children]
        return out


@dataclass(slots=True)
class GattTree:
    """A device's GATT database as discovered."""

    address: str
    services: list[GattNode]
    mtu: int = 23

    def walk(self) -> Iterator[GattNode]:
        for service in self.services:
            yield service
            for char in service.children:
                yield char
                yield from char.children

    def characteristics(self) -> list[GattNode]:
        return [n for n in self.walk() if n.kind == "characteristic"]

    def node(self, handle: int) -> GattNode | None:
        return next((n for n in self.walk() if n.handle == handle), None)

    def find(self, spec: str | int, kinds: tuple[NodeKind, ...] = ("characteristic",)) -> GattNode:
        """The one node `spec` names: a handle (int, "0x0010" or "16"), a short UUID
        ("2a37"), or a full UUID. Raises TargetError with the candidates when ambiguous."""
        what = "/".join(kinds)
        handle = _as_handle(spec)
        if handle is not None:
            node = self.node(handle)
            if node is not None and node.kind in kinds:
                return node
            if not _could_be_uuid(spec):  # "0x2A37" with no such handle: the UUID was meant
                raise TargetError(
                    f"no {what} at handle 0x{handle:04X}; `blebench gatt DEVICE` lists the handles"
                )
        check_target(spec)
        prefix = _uuid_prefix(spec)
        try:
            uuid = normalize_uuid(str(spec).strip().rstrip("…"))
        except ValueError:
            uuid = ""
        found = [n for n in self.walk() if n.kind in kinds and n.uuid == uuid]
        if not found and prefix is not None:
            # A vendor UUID as the tree shows it (`a7c10001`, `a7c10001…`): its leading digits.
            found = [n for n in self.walk() if n.kind in kinds and n.uuid.startswith(prefix)]
            if len(found) > 1:
                uuids = ", ".join(sorted({n.uuid for n in found}))
                raise TargetError(
                    f"{spec!r} starts {len(found)} {what}s' UUIDs ({uuids}): "
                    "give more of the UUID, or the handle"
                )
            if not found and not uuid:
                raise TargetError(
                    f"this device has no {what} whose UUID starts {prefix}; "
                    "`blebench gatt DEVICE` lists what it has"
                )
        if not found and handle is not None:
            raise TargetError(
                f"no {what} at handle 0x{handle:04X} nor with UUID {short_uuid(uuid)}; "
                "`blebench gatt DEVICE` lists what it has"
            )
        if not found:
            known = uuid_name(uuid)
            raise TargetError(
                f"this device has no {what} {short_uuid(uuid)}"
                f"{f' ({known})' if known else ''}; `blebench gatt DEVICE` lists what it has"
            )
        if len(found) > 1:
            handles = ", ".join(f"0x{n.handle:04X}" for n in found)
            raise TargetError(
                f"{short_uuid(uuid)} is on {len(found)} {what}s (handles {handles}): "
                "give the handle instead"
            )
        return found[0]

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "mtu": self.mtu,
            "services": [s.to_json() for s in self.services],
        }


def _uuid_prefix(spec: str | int) -> str | None:
    """The leading hex digits of a 128-bit UUID as typed (`a7c10001`, `a7c10001…`,
    `a7c10001-5b1e`), lowercase with its dashes; None when `spec` cannot be one. At least
    8 digits, as the tree shows them: 4 digits are a 16-bit UUID, never a prefix."""
    if not isinstance(spec, str):
        return None
    text = spec.strip().lower().rstrip("…").rstrip(".")
    if text.startswith("0x"):
        text = text[2:]
    digits = text.replace("-", "")
    if len(digits) < 8 or not all(c in "0123456789abcdef" for c in digits):
        return None
    return text


def check_target(spec: str | int) -> None:
    """Raise TargetError when `spec` cannot name a characteristic or descriptor at all
    (neither a handle, a UUID, nor the leading digits of one): said before connecting."""
    if isinstance(spec, int) or _as_handle(spec) is not None:
        return
    if _could_be_uuid(spec.strip().rstrip("…")) or _uuid_prefix(spec) is not None:
        return
    raise TargetError(
        f"{spec!r} is neither a UUID (2a37, 0x2A37, a7c10001, 128-bit) nor a handle (0x0010)"
    )


def _could_be_uuid(spec: str | int) -> bool:
    if not isinstance(spec, str):
        return False
    try:
        normalize_uuid(spec)
    except ValueError:
        return False
    return True


def _as_handle(spec: str | int) -> int | None:
    if isinstance(spec, int):
        return spec
    text = spec.strip().lower()
    # Short UUIDs are hex too: only "0x...." or plain decimal digits count as a handle, and
    # plain 4-digit hex that parses as decimal ("2904") is taken as a UUID.
    if text.startswith("0x") and len(text) <= 6:
        try:
            return int(text, 16)
        except ValueError:
            return None
    if text.startswith("#") and text[1:].isdigit():
        return int(text[1:])
    if text.isdigit() and len(text) <= 3:
        return int(text)
    return None


@dataclass(slots=True)
class ReadResult:
    """One read: raw bytes and decoded fields, or the error in words."""

    handle: int
    uuid: str
    name: str | None
    kind: NodeKind = "characteristic"
    data: bytes | None = None
    decoded: Any = None
    error: dict[str, Any] | None = None  # DeviceError.to_json()

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "handle": self.handle,
            "uuid": self.uuid,
            "short_uuid": short_uuid(self.uuid),
            "name": self.name,
            "hex": self.data.hex() if self.data is not None else None,
            "length": len(self.data) if self.data is not None else None,
            "decoded": self.decoded,
            "error": self.error,
        }


# -- capture -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaptureStatus:
    """A btsnoop capture as the UI shows it."""

    path: Path
    started_wall: float
    packets: int
    size: int
    running: bool


# -- the virtual world under the user's hand ----------------------------------------------


@dataclass(frozen=True, slots=True)
class WorldControl:
    """One control of a virtual device (`SessionApi.world_control` runs it)."""

    name: str  # e.g. "set_battery", "power", "set_distance"
    description: str
    params: tuple[str, ...] = ()  # one "name: type" per value it takes, e.g. "level: int"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "params": list(self.params)}


@dataclass(frozen=True, slots=True)
class WorldDevice:
    """A device of the virtual world as the Virtual world screen and `blebench sim` list it."""

    name: str
    address: str  # its identity address
    air_address: str | None  # what it advertises with now (None while switched off)
    address_type: str  # public, random-static, resolvable, non-resolvable
    connectable: bool
    powered: bool
    distance_m: float
    tx_power_dbm: int
    links: int  # live connections
    controls: tuple[WorldControl, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "address": self.address,
            "air_address": self.air_address,
            "address_type": self.address_type,
            "connectable": self.connectable,
            "powered": self.powered,
            "distance_m": self.distance_m,
            "tx_power_dbm": self.tx_power_dbm,
            "links": self.links,
            "controls": [c.to_json() for c in self.controls],
        }

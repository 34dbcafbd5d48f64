"""Scan-side models: what the session knows about each device it has heard.

Shared by the CLI's JSON, the TUI and the tests: one `DeviceRecord` per device, built by
`DeviceRegistry` from the reports the backend delivers.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import deque
from typing import Any, Literal

from blebench.decode.payload import DecodedPayload, vendors_json

AddressType = Literal[
    "public", "random-static", "resolvable-private", "non-resolvable-private", "unknown"
]
RSSI_HISTORY = 128  # (monotonic, rssi) pairs kept per device


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
    """Which radio a session runs on, and why when the user did not pick it."""

    backend: Literal["bumble-sim", "bumble-hci", "bleak"]
    description: str
    is_virtual: bool
    reason: str | None = None


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
        from blebench.decode.names import company_name

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
        }
        if not self.raw_available:
            out["os_fields"] = self.os_fields
        return out

"""The device registry: repeated reports merged per device, bounded, versioned.

The backend's callback calls `update` once per report; a repeated identical payload costs
a bytes comparison, not a decode. Readers (the TUI at about 10 Hz, the CLI at the end of a
scan) pull what changed with `changed_since(version)`.

Bonded devices: with a `BondStore`, an address that is a bond's identity, or a
resolvable private address that resolves with a bond's IRK, is filed under the bond's
identity address: a Privacy Tag that changes its address every few minutes stays one
record (`identity_address`, `bonded`, `bond_name`; `address` is the one heard last).
Resolution is AES once per IRK, so what each address resolves to is cached until the
bonds change (`BondStore.generation`).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData

from blebench.backends.extras import RawAdvertisement, raw_advertisement
from blebench.decode.address import classify_address
from blebench.decode.payload import decode_payload
from blebench.pairing.bonds import BondStore
from blebench.pairing.models import Bond
from blebench.session.models import AddressType, DeviceRecord, Payload

MAX_DEVICES = 2048
MAX_RESOLVED = 4 * MAX_DEVICES  # cached address -> bond answers (RPAs come and go)

Clock = Callable[[], float]
"""Monotonic seconds (time.monotonic by default)."""


def _address_type(address: str, is_random: bool) -> AddressType:
    try:
        kind = classify_address(address, is_random)
    except ValueError:
        return "unknown"
    return kind  # type: ignore[return-value]


class DeviceRegistry:
    """Devices by address, least recently heard evicted first beyond `max_devices`."""

    def __init__(
        self,
        *,
        max_devices: int = MAX_DEVICES,
        clock: Clock = time.monotonic,
        bonds: BondStore | None = None,
    ) -> None:
        self.max_devices = max_devices
        self.bonds = bonds
        # Our identity on the radio: only its bonds (and bonds of no recorded identity)
        # count; None: every bond.
        self.bond_identity: str | None = None
        self._resolved: dict[str, Bond | None] = {}  # air address -> its bond, or None
        self._bonds_generation = -1
        self._aliases: dict[str, str] = {}  # an address heard -> the key of its record
        # What stamps reports that come without a time, and what readers measure ages
        # ("last seen") against, so both always agree (tests pass a frozen one).
        self.clock = clock
        self.version = 0
        self.reports = 0
        self.evicted = 0
        self.wall_offset = time.time() - clock()
        self._records: OrderedDict[str, DeviceRecord] = OrderedDict()

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[DeviceRecord]:
        return iter(list(self._records.values()))

    def __contains__(self, address: object) -> bool:
        return address in self._records

    def get(self, address: str) -> DeviceRecord | None:
        """The record of an address: as heard, or a bond's identity address."""
        key = address.upper()
        record = self._records.get(key)
        if record is None and key in self._aliases:
            record = self._records.get(self._aliases[key])
        return record

    def clear(self) -> None:
        self._records.clear()
        self._aliases.clear()
        self.version += 1

    def changed_since(self, version: int) -> tuple[int, list[DeviceRecord]]:
        """(the current version, the records changed after `version`)."""
        return self.version, [r for r in self._records.values() if r.version > version]

    # ------------------------------------------------------------------ updates

    def _record(self, address: str, address_type: AddressType, now: float) -> DeviceRecord:
        bond = self._bond_of(address, address_type)
        key = address if bond is None else (bond.identity_address or bond.address)
        record = self._records.get(key)
        if key != address and address in self._records:
            # Heard before it was bonded (or before the bond's IRK was known): one record.
            earlier = self._records.pop(address)
            if record is None:
                record = self._records[key] = earlier
        if record is None:
            record = DeviceRecord(
                address=address, address_type=address_type, first_seen=now, last_seen=now
            )
            self._records[key] = record
            if len(self._records) > self.max_devices:
                old_key, _ = self._records.popitem(last=False)
                self._aliases = {a: k for a, k in self._aliases.items() if k != old_key}
                self.evicted += 1
        else:
            self._records.move_to_end(key)
            record.address = address  # a bonded device's address of now
            record.address_type = address_type
        if bond is not None:
            if key != address:
                self._aliases[address] = key
            record.identity_address = key
            record.bonded = True
            record.bond_name = bond.name
        return record

    def _bond_of(self, address: str, address_type: AddressType) -> Bond | None:
        """The bond `address` belongs to (cached per address until the bonds change)."""
        store = self.bonds
        if store is None:
            return None
        bonds = store.bonds()  # loads once; then a list
        if store.generation != self._bonds_generation:
            self._bonds_generation = store.generation
            self._resolved.clear()
            self._forget_lost_bonds()
        if not bonds:
            return None
        if address in self._resolved:
            return self._resolved[address]
        bond: Bond | None = None
        try:
            if address_type == "resolvable-private":
                bond = store.resolve(address, local_address=self.bond_identity)
            elif address_type in ("public", "random-static"):
                bond = store.get(address, local_address=self.bond_identity)
        except ValueError:
            bond = None
        if len(self._resolved) >= MAX_RESOLVED:
            self._resolved.clear()
        self._resolved[address] = bond
        return bond

    def _forget_lost_bonds(self) -> None:
        """Records of bonds that were deleted go back to the address they were heard at."""
        assert self.bonds is not None
        for key, record in list(self._records.items()):
            if not record.bonded:
                continue
            if self.bonds.get(key, local_address=self.bond_identity) is not None:
                continue
            record.bonded = False
            record.identity_address = None
            record.bond_name = None
            del self._records[key]
            self._records[record.address] = record
            self._aliases = {a: k for a, k in self._aliases.items() if k != key}
            self.version += 1
            record.version = self.version

    def update(
        self, device: BLEDevice, advertisement: AdvertisementData, now: float | None = None
    ) -> DeviceRecord:
        """Merge one report (a bleak detection callback's arguments)."""
        raw = raw_advertisement(advertisement.platform_data)
        if raw is not None:
            return self.update_raw(raw, now)
        return self._update_os(device, advertisement, self.clock() if now is None else now)

    def update_raw(self, raw: RawAdvertisement, now: float | None = None) -> DeviceRecord:
        now = self.clock() if now is None else now
        self.reports += 1
        self.version += 1
        address = raw.address.upper()
        record = self._record(address, _address_type(address, raw.random_address), now)
        record.version = self.version
        record.last_seen = now
        record.count += 1
        record.rssi = raw.rssi
        record.rssi_history.append((now, raw.rssi))
        record.event_types[raw.event_type] = record.event_types.get(raw.event_type, 0) + 1
        if raw.tx_power is not None:
            record.tx_power = raw.tx_power
        if raw.is_scan_response:
            if raw.scan_response is not None:
                record.scan_response = _merge(record.scan_response, raw.scan_response, now)
        else:
            if raw.adv is not None:
                record.adv = _merge(record.adv, raw.adv, now)
            if raw.connectable is not None:
                record.connectable = raw.connectable
        record.name = _name(record) or record.bond_name
        return record

    def _update_os(
        self, device: BLEDevice, advertisement: AdvertisementData, now: float
    ) -> DeviceRecord:
        self.reports += 1
        self.version += 1
        address = device.address.upper()
        record = self._record(address, "unknown", now)
        record.version = self.version
        record.last_seen = now
        record.count += 1
        record.rssi = advertisement.rssi
        record.rssi_history.append((now, advertisement.rssi))
        record.raw_available = False
        record.name = advertisement.local_name or device.name
        fields: dict[str, Any] = {
            "local_name": advertisement.local_name,
            "manufacturer_data": {
                str(k): v.hex() for k, v in advertisement.manufacturer_data.items()
            },
            "service_data": {k: v.hex() for k, v in advertisement.service_data.items()},
            "service_uuids": list(advertisement.service_uuids),
            "tx_power": advertisement.tx_power,
        }
        record.os_fields = fields
        return record


def _merge(current: Payload | None, raw: bytes, now: float) -> Payload:
    if current is not None and current.raw == raw:
        current.received = now  # the common case: the same bytes again, nothing to decode
        return current
    payload = Payload(raw=raw, decoded=decode_payload(raw), received=now)
    if current is not None:
        payload.changes = current.changes + 1
    return payload


def _name(record: DeviceRecord) -> str | None:
    """A complete local name beats a shortened one; the advertising data's comes first."""
    best: str | None = None
    for payload in (record.adv, record.scan_response):
        if payload is None or payload.decoded.local_name is None:
            continue
        if payload.decoded.name_complete:
            return payload.decoded.local_name
        if best is None:
            best = payload.decoded.local_name
    return best

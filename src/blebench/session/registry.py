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

Unbonded devices on private addresses (no IRK to resolve them with): when a new
non-resolvable or unresolved resolvable private address starts advertising exactly the
same advertising data as one already listed (with something in it that tells devices
apart: a name, manufacturer or service data, service UUIDs), it is taken as that device's
next address: one record, the old address kept in `previous_addresses`. That is a guess the
air cannot confirm, so it is undone as soon as it proves wrong: if the old address is
heard again, two devices were sending the same bytes, and they become two records that
are never linked again. Devices that change their payload with their address (Apple's
Continuity, Windows' CDP salt) are not linked; they age out of the live count instead
(`heard_now`).

Timing per record: the advertising interval measured from the reports (`interval_ms`),
the report count, and the PHYs the reports came on.
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
from blebench.session.models import AddressType, DeviceRecord, Payload, live_window

MAX_DEVICES = 2048
MAX_RESOLVED = 4 * MAX_DEVICES  # cached address -> bond answers (RPAs come and go)
MAX_PREVIOUS = 8  # earlier addresses kept per linked record
MAX_DISTINCT = 4 * MAX_DEVICES  # addresses proven to be separate devices (never linked)
# Reports closer together than this are one advertising event's PDUs (a controller may
# report the same event on channels 37, 38 and 39; advertising intervals are >= 20 ms).
SAME_EVENT_S = 0.015
# A gap longer than the longest legacy interval (10.24 s) plus its delay is a pause (out
# of range, the scan stopped), not an interval.
LONGEST_INTERVAL_S = 10.26
PRIVATE_TYPES = ("resolvable-private", "non-resolvable-private")

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
        # Unbonded private addresses linked by identical advertising data: address -> key,
        # and the newest linkable record per advertising data.
        self._linked: dict[str, str] = {}
        self._by_payload: dict[bytes, str] = {}
        self._distinct: set[str] = set()
        # What stamps reports that come without a time, and what readers measure ages
        # ("last seen") against, so both always agree (tests pass a frozen one).
        self.clock = clock
        self.version = 0
        self.reports = 0
        self.evicted = 0
        self.wall_offset = time.time() - clock()
        self._records: OrderedDict[str, DeviceRecord] = OrderedDict()
        self._evict_callbacks: list[Callable[[DeviceRecord], None]] = []

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
        if record is None and key in self._linked:
            record = self._records.get(self._linked[key])
        return record

    def clear(self) -> None:
        self._records.clear()
        self._aliases.clear()
        self._linked.clear()
        self._by_payload.clear()
        self._distinct.clear()
        self.version += 1

    def heard_now(self, now: float | None = None) -> int:
        """How many devices were heard lately (see `is_live`)."""
        now = self.clock() if now is None else now
        return sum(1 for record in self._records.values() if is_live(record, now))

    def on_evict(self, callback: Callable[[DeviceRecord], None]) -> None:
        """Call `callback(record)` for each record dropped to keep within `max_devices`
        (a scanner trims its own per-address state with it)."""
        self._evict_callbacks.append(callback)

    def changed_since(self, version: int) -> tuple[int, list[DeviceRecord]]:
        """(the current version, the records changed after `version`)."""
        return self.version, [r for r in self._records.values() if r.version > version]

    # ------------------------------------------------------------------ updates

    def _record(
        self, address: str, address_type: AddressType, now: float, adv: bytes | None = None
    ) -> DeviceRecord:
        bond = self._bond_of(address, address_type)
        if bond is None and address_type in PRIVATE_TYPES:
            linked = self._linked_record(address, address_type, adv)
            if linked is not None:
                return linked
        key = address if bond is None else (bond.identity_address or bond.address)
        record = self._records.get(key)
        if key != address and address in self._records:
            # Heard before it was bonded (or before the bond's IRK was known): one record.
            earlier = self._records.pop(address)
            if record is None:
                record = self._records[key] = earlier
        if record is None:
            record = DeviceRecord(
                address=address, address_type=address_type, first_seen=now, last_seen=now,
                key=key,
            )
            self._records[key] = record
            if len(self._records) > self.max_devices:
                self._evict_oldest()
        else:
            self._records.move_to_end(key)
            record.address = address  # a bonded device's address of now
            record.address_type = address_type
        record.key = key
        if bond is not None:
            if key != address:
                self._aliases[address] = key
            record.identity_address = key
            record.bonded = True
            record.bond_name = bond.name
        return record

    def _evict_oldest(self) -> None:
        old_key, old = self._records.popitem(last=False)
        self._aliases = {a: k for a, k in self._aliases.items() if k != old_key}
        if old.previous_addresses:
            self._linked = {a: k for a, k in self._linked.items() if k != old_key}
        if old.adv is not None and self._by_payload.get(old.adv.raw) == old_key:
            del self._by_payload[old.adv.raw]
        self.evicted += 1
        for callback in self._evict_callbacks:
            callback(old)

    def _linked_record(
        self, address: str, address_type: AddressType, adv: bytes | None
    ) -> DeviceRecord | None:
        """The record an unbonded private address belongs to by identical advertising data
        (see the module's docstring), or None: a record of its own."""
        key = self._linked.get(address)
        if key is not None:
            record = self._records.get(key)
            if record is None:
                del self._linked[address]
            elif record.address == address:
                self._records.move_to_end(key)
                return record
            else:
                # An older address of the chain is back while a newer one is live: two
                # devices with the same bytes. Split them, and never link them again.
                self._split(record, address)
                return None
        if address in self._records or address in self._distinct or adv is None:
            return None
        key = self._by_payload.get(adv)
        record = self._records.get(key) if key is not None else None
        if (
            record is None
            or record.bonded
            or record.address_type != address_type
            or record.address in self._distinct
            or record.adv is None
            or record.adv.raw != adv
            or not _tells_apart(record.adv.decoded)
        ):
            return None
        assert key is not None
        self._linked[address] = key
        self._linked[record.address] = key  # the first one too: its return splits them
        record.previous_addresses.append(record.address)
        del record.previous_addresses[:-MAX_PREVIOUS]
        record.address = address
        self._records.move_to_end(key)
        return record

    def _split(self, record: DeviceRecord, address: str) -> None:
        """`address` (an earlier address of `record`) is a device of its own."""
        self._linked.pop(address, None)
        if address in record.previous_addresses:
            record.previous_addresses.remove(address)
        if len(self._distinct) >= MAX_DISTINCT:
            self._distinct.clear()
        self._distinct.update((address, record.address))
        if record.key == address:
            # The chain was filed under this address: it moves to the address it has now.
            del self._records[address]
            record.key = record.address
            self._records[record.key] = record
            self._linked = {
                a: (record.key if k == address else k) for a, k in self._linked.items()
            }
            if record.adv is not None and self._by_payload.get(record.adv.raw) == address:
                self._by_payload[record.adv.raw] = record.key
        self.version += 1
        record.version = self.version

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
            record.key = record.address
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
        record = self._record(address, _address_type(address, raw.random_address), now, raw.adv)
        record.version = self.version
        record.last_seen = now
        record.count += 1
        record.rssi = raw.rssi
        record.rssi_history.append((now, raw.rssi))
        record.event_types[raw.event_type] = record.event_types.get(raw.event_type, 0) + 1
        if raw.tx_power is not None:
            record.tx_power = raw.tx_power
        if raw.primary_phy is not None:
            record.primary_phy = raw.primary_phy
            record.secondary_phy = raw.secondary_phy
        if raw.is_scan_response:
            if raw.scan_response is not None:
                record.scan_response = _merge(record.scan_response, raw.scan_response, now)
        else:
            _time_advertisement(record, now)
            if raw.adv is not None:
                before = record.adv.raw if record.adv is not None else None
                record.adv = _merge(record.adv, raw.adv, now)
                if record.address_type in PRIVATE_TYPES and not record.bonded:
                    self._index_payload(record, before)
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
        _time_advertisement(record, now)  # an OS stack merges both kinds: roughly
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


    def _index_payload(self, record: DeviceRecord, before: bytes | None) -> None:
        """Keep `_by_payload` on this record's advertising data (newest record wins)."""
        assert record.adv is not None
        if before is not None and before != record.adv.raw:
            if self._by_payload.get(before) == record.key:
                del self._by_payload[before]
        self._by_payload[record.adv.raw] = record.key


def is_live(record: DeviceRecord, now: float) -> bool:
    """Heard lately: within AGE_OUT_S, or three of its own intervals if that is longer."""
    return now - record.last_seen <= live_window(record.interval_ms)


def _time_advertisement(record: DeviceRecord, now: float) -> None:
    """One more advertisement heard at `now`: the interval measured again."""
    last = record.last_adv_at
    if last is not None:
        gap = now - last
        if gap < SAME_EVENT_S:
            return  # the same advertising event on another channel
        if gap <= LONGEST_INTERVAL_S:
            record.adv_gaps.append(gap)
            gaps = sorted(record.adv_gaps)
            # The lower quartile: a missed advertisement only makes a gap longer, and the
            # random advDelay (0-10 ms) makes some a little longer too.
            record.interval_ms = gaps[(len(gaps) - 1) // 4] * 1000
    record.last_adv_at = now


def _tells_apart(decoded: Any) -> bool:
    """Advertising data with something device-specific (not Flags alone)."""
    return bool(
        decoded.local_name
        or decoded.company_ids
        or decoded.service_data
        or decoded.service_uuids
    )


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

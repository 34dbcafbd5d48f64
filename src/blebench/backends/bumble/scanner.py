"""A bleak scanner backend over a Bumble radio.

    BleakScanner(callback, scanning_mode="passive", backend=BumbleScanner, radio=radio)

`radio` is anything with `.device`, the powered-on central Bumble `Device` (a
`BumbleRadio`, as `blebench.bleak_backend.open_radio` yields); `bumble_radio=` is the old
spelling of the same keyword. Other keywords bleak passes (`bluez`, `cb`, ...) are ignored.

It listens to the host's raw per-PDU `advertising_report` events, so advertising data and
scan response stay apart; each report reaches bleak's callbacks with the merged fields
bleak expects and a `RawAdvertisement` first in `platform_data`.

Several scanners may share one radio (the session's, and a `BleakClient` looking for an
address): the first to start turns scanning on, the last to stop turns it off.
"""

from __future__ import annotations

import dataclasses
import logging
import weakref
from typing import Any, Literal, Protocol

from bleak.backends.device import BLEDevice
from bleak.backends.scanner import (
    AdvertisementData,
    AdvertisementDataCallback,
    BaseBleakScanner,
)
from bumble import hci
from bumble.device import Device

from blebench.backends.extras import RawAdvertisement
from blebench.decode.payload import DecodedPayload, decode_payload

logger = logging.getLogger(__name__)

ExtReport = hci.HCI_LE_Extended_Advertising_Report_Event.Report
LegacyReport = hci.HCI_LE_Advertising_Report_Event.Report
# The report tables and flags are Bumble's (bumble.hci), read once here as plain ints for
# the per-report path.
_LegacyType = hci.HCI_LE_Advertising_Report_Event.EventType
_Ext = hci.HCI_LE_Extended_Advertising_Report_Event
LEGACY_NAMES = {int(t): t.name for t in _LegacyType}
# Extended report, legacy bit set: the low 4 bits name the legacy PDU (7.7.65.13, table 7.1).
EXT_LEGACY_NAMES = {int(bits): t.name for bits, t in _Ext.LEGACY_PDU_TYPE_MAP.items()}
_CONNECTABLE = int(_Ext.EventType.CONNECTABLE_ADVERTISING)
_SCAN_RESPONSE = int(_Ext.EventType.SCAN_RESPONSE)
_LEGACY_PDU = int(_Ext.EventType.LEGACY_ADVERTISING_PDU_USED)
_LEGACY_PDU_BITS = _LEGACY_PDU - 1  # connectable, scannable, directed, scan response
_MORE_TO_COME = int(_Ext.DATA_INCOMPLETE_MORE_TO_COME)
_NO_TX_POWER = int(_Ext.TX_POWER_INFORMATION_NOT_AVAILABLE)
_LEGACY_SCAN_RSP = int(_LegacyType.SCAN_RSP)
_LEGACY_CONNECTABLE = frozenset((int(_LegacyType.ADV_IND), int(_LegacyType.ADV_DIRECT_IND)))
_PHY_NAMES = {int(phy): name for phy, name in hci.HCI_LE_PHY_NAMES.items()}  # 1 -> "LE 1M"
_LEGACY_PHY = _PHY_NAMES[int(hci.Phy.LE_1M)]  # legacy PDUs are only ever sent on LE 1M
# Per-address state is bounded however many addresses go by (private addresses rotate):
# as many as the session's registry keeps (session/registry.py MAX_DEVICES), least
# recently heard dropped first, here and in what Bumble keeps for the same address.
MAX_PEERS = 2048
MAX_FRAGMENTED = 1650  # the longest extended advertising data


class HasDevice(Protocol):
    """A radio as the backends need it: the powered-on central Bumble `Device`."""

    @property
    def device(self) -> Device: ...


# The scanners running on each Bumble device: scanning is on while one is.
_RUNNING: weakref.WeakKeyDictionary[Device, set[BumbleScanner]] = weakref.WeakKeyDictionary()


@dataclasses.dataclass(slots=True)
class _Peer:
    adv: bytes | None = None
    scan_response: bytes | None = None
    connectable: bool | None = None
    fields_key: tuple[bytes | None, bytes | None] | None = None
    fields: tuple[str | None, dict[int, bytes], dict[str, bytes], list[str], int | None] | None = (
        None
    )
    partial: bytearray | None = None


def _bleak_fields(
    adv: bytes | None, scan_response: bytes | None
) -> tuple[str | None, dict[int, bytes], dict[str, bytes], list[str], int | None]:
    """bleak's merged view of both payloads, as bluetooth-data-tools (Home Assistant's
    parser) merges them: a complete name beats a shortened one and the scan response's
    complete name the advertisement's; the scan response's data replaces the
    advertisement's for the same key. One difference: a service UUID is listed once
    (as bleak's OS backends list them), bluetooth-data-tools repeats one the scan response
    repeats. Only the framing pass's values: no per-structure decoding on a scanner's path."""
    name: str | None = None
    manufacturer: dict[int, bytes] = {}
    service_data: dict[str, bytes] = {}
    uuids: list[str] = []
    tx_power: int | None = None
    for payload in (adv, scan_response):
        if not payload:
            continue
        decoded: DecodedPayload = decode_payload(payload)
        if decoded.local_name is not None and (name is None or decoded.name_complete):
            name = decoded.local_name
        for uuid in decoded.service_uuids:
            if uuid not in uuids:
                uuids.append(uuid)
        if decoded.tx_power is not None:
            tx_power = decoded.tx_power
        if decoded.company_ids:
            manufacturer.update(decoded.manufacturer_data)
        service_data.update(decoded.service_data)
    return name, manufacturer, service_data, uuids, tx_power


class BumbleScanner(BaseBleakScanner):
    """bleak's `BaseBleakScanner` on a Bumble radio (pass `radio=`)."""

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: Literal["active", "passive"] = "active",
        *,
        radio: HasDevice | None = None,
        bumble_radio: HasDevice | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        chosen = radio if radio is not None else bumble_radio
        if chosen is None:
            raise TypeError(
                "BumbleScanner needs radio= (e.g. `async with blebench.bleak_backend."
                "open_radio('sim') as radio`)"
            )
        self.radio = chosen
        self.active = scanning_mode != "passive"
        self._peers: dict[str, _Peer] = {}
        self._listening = False

    async def start(self) -> None:
        self.seen_devices = {}
        self._peers = {}
        device = self.radio.device
        if not self._listening:
            device.host.on("advertising_report", self._on_report)
            self._listening = True
        running = _RUNNING.setdefault(device, set())
        try:
            if not device.is_scanning:
                await device.start_scanning(active=self.active, filter_duplicates=False)
            running.add(self)
        except BaseException:
            self._unlisten()
            raise

    async def stop(self) -> None:
        device = self.radio.device
        running = _RUNNING.get(device, set())
        running.discard(self)
        try:
            if not running and device.is_scanning and getattr(self.radio, "lost", None) is None:
                await device.stop_scanning()
        finally:
            self._unlisten()

    def _unlisten(self) -> None:
        if self._listening:
            # Only our own handler: Device has its own on the same event.
            self.radio.device.host.remove_listener("advertising_report", self._on_report)
            self._listening = False

    # ------------------------------------------------------------------ reports

    def _peer(self, key: str) -> _Peer:
        peer = self._peers.pop(key, None)  # re-inserted last: the dict is oldest-heard first
        if peer is None:
            while len(self._peers) >= MAX_PEERS:
                self.forget(next(iter(self._peers)))
            peer = _Peer()
        self._peers[key] = peer
        return peer

    def forget(self, key: str) -> None:
        """Drop what this scanner and the Bumble device keep for an address ("AA:BB:..",
        either type): Bumble's `Device.advertisement_accumulators` keeps one entry per
        address heard until scanning restarts, so on a busy air it grows without end."""
        self._peers.pop(key, None)
        self.seen_devices.pop(key, None)
        accumulators = getattr(self.radio.device, "advertisement_accumulators", None)
        if accumulators:
            for kind in (hci.Address.PUBLIC_DEVICE_ADDRESS, hci.Address.RANDOM_DEVICE_ADDRESS):
                accumulators.pop(hci.Address(key, kind), None)

    def _on_report(self, report: LegacyReport | ExtReport) -> None:
        try:
            self._handle(report)
        except Exception:  # noqa: BLE001 - one bad report must not stop the scan
            logger.exception("advertising report dropped")

    def _handle(self, report: LegacyReport | ExtReport) -> None:
        address = report.address
        key = address.to_string(with_type_qualifier=False)
        peer = self._peer(key)
        data = bytes(report.data)
        tx_power: int | None = None
        primary_phy: str | None = _LEGACY_PHY
        secondary_phy: str | None = None
        if isinstance(report, ExtReport):
            event_type = int(report.event_type)
            status = (event_type >> 5) & 0b11
            if status == _MORE_TO_COME:  # keep it and wait
                partial = peer.partial or bytearray()
                if len(partial) + len(data) <= MAX_FRAGMENTED:
                    partial.extend(data)
                peer.partial = partial
                return
            if peer.partial is not None:
                data = bytes(peer.partial) + data
                peer.partial = None
            legacy = bool(event_type & _LEGACY_PDU)
            if legacy:
                bits = event_type & _LEGACY_PDU_BITS
                name = EXT_LEGACY_NAMES.get(bits, f"LEGACY_0x{bits:X}")
            else:
                name = "EXT_SCAN_RSP" if event_type & _SCAN_RESPONSE else "EXT_ADV"
            is_response = bool(event_type & _SCAN_RESPONSE)
            connectable = bool(event_type & _CONNECTABLE)
            primary_phy = _PHY_NAMES.get(int(report.primary_phy))
            secondary_phy = _PHY_NAMES.get(int(report.secondary_phy))  # 0: no AUX PDU
            if report.tx_power != _NO_TX_POWER:
                tx_power = report.tx_power if report.tx_power < 128 else report.tx_power - 256
        else:
            legacy = True
            code = int(report.event_type)
            name = LEGACY_NAMES.get(code, f"0x{code:02X}")
            is_response = code == _LEGACY_SCAN_RSP
            connectable = code in _LEGACY_CONNECTABLE
        if is_response:
            peer.scan_response = data
        else:
            peer.adv = data
            peer.connectable = connectable
        fields_key = (peer.adv, peer.scan_response)
        if peer.fields is None or peer.fields_key != fields_key:
            # New bytes only: a repeated identical payload costs no decoding.
            peer.fields = _bleak_fields(peer.adv, peer.scan_response)
            peer.fields_key = fields_key
        local_name, manufacturer, service_data, uuids, ad_tx_power = peer.fields
        if not self.is_allowed_uuid(uuids):
            return
        rssi = int(report.rssi)
        extras = RawAdvertisement(
            address=key,
            random_address=address.is_random,
            event_type=name,
            is_scan_response=is_response,
            legacy=legacy,
            connectable=peer.connectable,
            adv=peer.adv,
            scan_response=peer.scan_response,
            rssi=rssi,
            tx_power=tx_power,
            primary_phy=primary_phy,
            secondary_phy=secondary_phy,
        )
        advertisement = AdvertisementData(
            local_name=local_name,
            manufacturer_data=manufacturer,
            service_data=service_data,
            service_uuids=uuids,
            tx_power=ad_tx_power,
            rssi=rssi,
            platform_data=(extras, address),
        )
        device: BLEDevice = self.create_or_update_device(
            key, key, local_name, address, advertisement
        )
        self.call_detection_callbacks(device, advertisement)

"""Fast Pair Buds: earbuds that are a Google Fast Pair provider, modelled on the public
Fast Pair specification (developers.google.com/nearby/fast-pair/specifications) at the
advertising and GATT layers only.

Advertising: while discoverable (pairing mode), service data of UUID 0xFE2C holding the
3-byte model id (big-endian), with the TX Power Level the seeker needs to estimate the
distance, and Flags; the name is in the scan response. After `set_discoverable(False)`
the service data is the not-discoverable form: a flags byte and an empty account key
filter (0x00 0x00), as a provider with no account keys sends. Connectable; appearance
Earbud (0x0941).

GATT: the Fast Pair service 0xFE2C with its characteristics and their properties:
Model ID FE2C1233 (read: the model id), Key-based Pairing FE2C1234 (write, notify),
Passkey FE2C1235 (write, notify), Account Key FE2C1236 (write). The key-based pairing
handshake (AES and ECDH over the anti-spoofing key) is not modelled: every write to
those characteristics gets ATT 0x0E Unlikely Error, a well-formed refusal, and nothing is
notified. Device Information carries the Firmware Revision the spec asks for; Battery.

The model id is not a registered one; the address is random static (a real provider
rotates a resolvable private address; the Privacy Tag shows that elsewhere).
"""

from __future__ import annotations

from collections.abc import Mapping

from bumble.att import ATT_Error, ErrorCode
from bumble.device import Connection, Device
from bumble.gatt import Characteristic, Service

from blebench.sim.catalogue import _adv
from blebench.sim.catalogue._gatt import (
    WRITE,
    BatteryLevel,
    BatteryPowered,
    Props,
    device_information,
    dynamic,
    static,
)
from blebench.sim.catalogue.base import AddressKind, Control

FAST_PAIR_UUID16 = 0xFE2C
MODEL_ID_CHAR = "FE2C1233-8366-4814-8EB0-01DE32100BEA"
KEY_BASED_PAIRING = "FE2C1234-8366-4814-8EB0-01DE32100BEA"
PASSKEY = "FE2C1235-8366-4814-8EB0-01DE32100BEA"
ACCOUNT_KEY = "FE2C1236-8366-4814-8EB0-01DE32100BEA"
MODEL_ID = 0x4B1E7A
APPEARANCE_EARBUD = 0x0941
TX_POWER_DBM = -8


class FastPairBuds(BatteryPowered):
    name = "Fast Pair Buds"
    address = "F6:2A:C9:41:7E:03"
    address_type: AddressKind = "random-static"
    appearance = APPEARANCE_EARBUD
    tx_power_dbm = TX_POWER_DBM
    distance_m = 0.5
    adv_interval_ms = 100.0  # the spec's discoverable advertising interval is <= 100 ms

    def __init__(self, *, seed: int = 0) -> None:
        super().__init__(seed=seed)
        self.discoverable = True
        self.battery = BatteryLevel(self.rng.randint(40, 100))
        self.refused_writes = 0

    @property
    def model_id(self) -> bytes:
        return MODEL_ID.to_bytes(3, "big")

    def advertising_data(self) -> bytes:
        if self.discoverable:
            service_data = self.model_id
        else:
            service_data = bytes([0x00, 0x00])  # flags, empty account key filter
        return _adv.payload(
            _adv.flags(),
            _adv.service_data16(FAST_PAIR_UUID16, service_data),
            _adv.tx_power(self.tx_power_dbm),
            _adv.appearance(self.appearance),
        )

    def scan_response_data(self) -> bytes:
        return _adv.payload(_adv.complete_name(self.name))

    def services(self, device: Device) -> list[Service]:
        return [
            Service(
                f"{FAST_PAIR_UUID16:04X}",
                [
                    static(MODEL_ID_CHAR, self.model_id),
                    self._handshake(KEY_BASED_PAIRING, Props.WRITE | Props.NOTIFY),
                    self._handshake(PASSKEY, Props.WRITE | Props.NOTIFY),
                    self._handshake(ACCOUNT_KEY, Props.WRITE),
                ],
            ),
            self.battery.service,
            device_information(manufacturer="Example Audio", model="FP-Buds 2", firmware="3.1.4"),
        ]

    def _handshake(self, uuid: str, properties: Props) -> Characteristic[bytes]:
        return dynamic(uuid, properties, WRITE, write=self._refuse)

    def _refuse(self, _connection: Connection, _value: bytes) -> None:
        # The key-based pairing handshake is not modelled: a well-formed refusal.
        self.refused_writes += 1
        raise ATT_Error(ErrorCode.UNLIKELY_ERROR)

    async def set_discoverable(self, on: bool) -> None:
        """Pairing mode (the model id advertised) or not (an empty account key filter)."""
        self.discoverable = bool(on)
        await _adv.push_advertising(self.bumble, self.advertising_data(), self.scan_response_data())

    def controls(self) -> Mapping[str, Control]:
        return {
            "set_discoverable": Control(
                "Pairing mode: the model id advertised (False: not discoverable)",
                self.set_discoverable,
                "on: bool",
            ),
            **super().controls(),
        }

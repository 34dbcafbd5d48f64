"""DeviceRegistry: merging, versions, bounds, and no re-decoding of repeated payloads."""

from __future__ import annotations

from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData

from blebench.backends.extras import RawAdvertisement
from blebench.session.models import RSSI_HISTORY
from blebench.session.registry import DeviceRegistry

ADV = bytes.fromhex("020106") + bytes([5, 0x08]) + b"Shrt"
SR = bytes([6, 0x09]) + b"Whole"


def raw(
    address: str = "C0:00:00:00:00:01",
    *,
    event: str = "ADV_IND",
    adv: bytes | None = ADV,
    sr: bytes | None = None,
    rssi: int = -60,
    random: bool = True,
    connectable: bool | None = True,
) -> RawAdvertisement:
    return RawAdvertisement(
        address=address,
        random_address=random,
        event_type=event,
        is_scan_response=event == "SCAN_RSP",
        legacy=True,
        connectable=connectable,
        adv=adv,
        scan_response=sr,
        rssi=rssi,
        tx_power=None,
    )


def test_reports_merge_and_a_complete_name_beats_a_shortened_one() -> None:
    registry = DeviceRegistry()
    registry.update_raw(raw(), now=1.0)
    record = registry.get("c0:00:00:00:00:01")
    assert record is not None and record.name == "Shrt" and record.count == 1
    registry.update_raw(raw(event="SCAN_RSP", sr=SR, rssi=-70), now=2.0)
    assert record.name == "Whole"
    assert record.adv is not None and record.adv.raw == ADV
    assert record.scan_response is not None and record.scan_response.raw == SR
    assert record.event_types == {"ADV_IND": 1, "SCAN_RSP": 1}
    assert record.rssi == -70 and list(record.rssi_history) == [(1.0, -60), (2.0, -70)]
    assert (record.first_seen, record.last_seen) == (1.0, 2.0)
    assert record.connectable is True
    assert len(registry) == 1


def test_repeated_payload_is_not_decoded_again_and_a_new_one_is() -> None:
    registry = DeviceRegistry()
    first = registry.update_raw(raw(), now=1.0).adv
    again = registry.update_raw(raw(), now=2.0).adv
    assert again is first and first is not None and first.changes == 0
    changed = registry.update_raw(raw(adv=bytes.fromhex("020104")), now=3.0).adv
    assert changed is not first and changed is not None and changed.changes == 1
    assert changed.decoded.flags == 0x04


def test_address_types_from_the_report() -> None:
    registry = DeviceRegistry()
    registry.update_raw(raw("00:1B:DC:01:02:03", random=False))
    registry.update_raw(raw("C0:00:00:00:00:02"))
    registry.update_raw(raw("4A:00:00:00:00:03"))
    registry.update_raw(raw("0A:00:00:00:00:04"))
    kinds = {r.address: r.address_type for r in registry}
    assert kinds == {
        "00:1B:DC:01:02:03": "public",
        "C0:00:00:00:00:02": "random-static",
        "4A:00:00:00:00:03": "resolvable-private",
        "0A:00:00:00:00:04": "non-resolvable-private",
    }


def test_changed_since_returns_each_change_once() -> None:
    registry = DeviceRegistry()
    registry.update_raw(raw("C0:00:00:00:00:01"))
    registry.update_raw(raw("C0:00:00:00:00:02"))
    version, batch = registry.changed_since(0)
    assert {r.address for r in batch} == {"C0:00:00:00:00:01", "C0:00:00:00:00:02"}
    registry.update_raw(raw("C0:00:00:00:00:02"))
    version2, batch = registry.changed_since(version)
    assert [r.address for r in batch] == ["C0:00:00:00:00:02"] and version2 > version
    assert registry.changed_since(version2) == (version2, [])


def test_memory_is_bounded() -> None:
    registry = DeviceRegistry(max_devices=10)
    for i in range(50):
        registry.update_raw(raw(f"C0:00:00:00:00:{i:02X}"), now=float(i))
    assert len(registry) == 10 and registry.evicted == 40
    assert registry.get("C0:00:00:00:00:31") is not None  # the most recent stay
    assert registry.get("C0:00:00:00:00:00") is None
    for i in range(RSSI_HISTORY * 3):
        registry.update_raw(raw("C0:00:00:00:00:31", rssi=-i % 100), now=100.0 + i)
    record = registry.get("C0:00:00:00:00:31")
    assert record is not None and len(record.rssi_history) == RSSI_HISTORY


def test_os_stack_reports_say_raw_bytes_are_missing() -> None:
    registry = DeviceRegistry()
    advertisement = AdvertisementData(
        local_name="Lamp",
        manufacturer_data={0x004C: b"\x01\x02"},
        service_data={},
        service_uuids=["0000180f-0000-1000-8000-00805f9b34fb"],
        tx_power=None,
        rssi=-55,
        platform_data=(),
    )
    record = registry.update(BLEDevice("AA:BB:CC:DD:EE:FF", "Lamp", None), advertisement)
    assert record.name == "Lamp" and not record.raw_available and record.adv is None
    out = record.to_json(registry.wall_offset)
    assert out["adv"] is None and out["os_fields"]["manufacturer_data"] == {"76": "0102"}


def test_json_shape() -> None:
    registry = DeviceRegistry()
    registry.update_raw(raw(), now=10.0)
    registry.update_raw(raw(event="SCAN_RSP", sr=SR), now=10.5)
    out = registry.get("C0:00:00:00:00:01").to_json(registry.wall_offset)  # type: ignore[union-attr]
    for key in (
        "name",
        "address",
        "address_type",
        "connectable",
        "rssi",
        "adv",
        "scan_response",
        "vendors",
    ):
        assert key in out
    assert out["adv"]["raw"] == ADV.hex() and out["scan_response"]["raw"] == SR.hex()
    assert out["rssi_history"] == [[0.0, -60], [0.5, -60]]
    assert out["first_seen"].endswith("Z") and out["count"] == 2

"""The scan over time: the live count, measured advertising intervals, PHYs, and rotated
private addresses of one unbonded device kept as one record (and split again when the
guess proves wrong)."""

from __future__ import annotations

from blebench.backends.extras import RawAdvertisement
from blebench.session.models import AGE_OUT_S
from blebench.session.registry import DeviceRegistry

# Manufacturer data (Microsoft, 0x0006) with a device hash: tells devices apart.
MSFT = bytes.fromhex("1bff0600010920000102030405060708090a0b0c0d0e0f101112131415")
OTHER = bytes.fromhex("1bff060001092000ffffffff05060708090a0b0c0d0e0f101112131415")
FLAGS_ONLY = bytes.fromhex("020106")
NRPA_1 = "0E:7B:21:D4:95:6A"  # top bits 00: non-resolvable private
NRPA_2 = "1A:00:00:00:00:02"
NRPA_3 = "2B:00:00:00:00:03"


def report(address: str, adv: bytes | None = MSFT, *, rssi: int = -60,
           phy: str | None = None, secondary: str | None = None) -> RawAdvertisement:
    return RawAdvertisement(
        address=address, random_address=True, event_type="ADV_NONCONN_IND",
        is_scan_response=False, legacy=phy is None, connectable=False, adv=adv,
        scan_response=None, rssi=rssi, tx_power=None, primary_phy=phy,
        secondary_phy=secondary,
    )


def test_the_interval_is_measured_from_the_reports_and_one_event_counts_once() -> None:
    registry = DeviceRegistry()
    jitter = (0.0, 0.004, 0.009, 0.002, 0.007, 0.001, 0.006, 0.003)
    t = 10.0
    for index in range(24):
        t += 0.100 + jitter[index % len(jitter)]  # advInterval + advDelay (0-10 ms)
        registry.update_raw(report(NRPA_1), now=t)
        registry.update_raw(report(NRPA_1), now=t + 0.002)  # the same event, channel 38
    record = registry.get(NRPA_1)
    assert record is not None and record.count == 48
    assert record.interval_ms is not None and 100 <= record.interval_ms <= 105
    # A missed advertisement makes a longer gap; the measure stays on the interval.
    registry.update_raw(report(NRPA_1), now=t + 0.300)
    assert record.interval_ms is not None and record.interval_ms < 110
    # A pause (out of range) is not an interval.
    registry.update_raw(report(NRPA_1), now=t + 60)
    assert record.interval_ms < 110


def test_a_device_not_heard_for_a_while_leaves_the_live_count() -> None:
    registry = DeviceRegistry()
    registry.update_raw(report(NRPA_1), now=0.0)
    registry.update_raw(report("C1:00:00:00:00:01", OTHER), now=20.0)
    assert registry.heard_now(now=25.0) == 2
    assert registry.heard_now(now=AGE_OUT_S + 1) == 1
    assert registry.heard_now(now=AGE_OUT_S + 21) == 0
    assert len(registry) == 2  # still listed as seen


def test_the_phy_of_the_reports_is_kept() -> None:
    registry = DeviceRegistry()
    record = registry.update_raw(report(NRPA_1, phy="LE 1M", secondary="LE 2M"), now=1.0)
    assert (record.primary_phy, record.secondary_phy) == ("LE 1M", "LE 2M")
    assert record.to_json(0.0)["secondary_phy"] == "LE 2M"


def test_a_rotated_address_with_the_same_payload_is_the_same_device() -> None:
    registry = DeviceRegistry()
    for index in range(5):
        registry.update_raw(report(NRPA_1), now=1.0 + index * 0.1)
    registry.update_raw(report(NRPA_2), now=1.6)  # rotated: the old one is silent now
    registry.update_raw(report(NRPA_3), now=2.6)
    assert len(registry) == 1
    record = registry.get(NRPA_3)
    assert record is not None and record is registry.get(NRPA_1)
    assert record.address == NRPA_3
    assert record.previous_addresses == [NRPA_1, NRPA_2]
    assert record.count == 7 and record.key == NRPA_1
    assert record.to_json(0.0)["previous_addresses"] == [NRPA_1, NRPA_2]
    assert registry.heard_now(now=3.0) == 1


def test_the_old_address_heard_again_means_two_devices_never_linked_again() -> None:
    registry = DeviceRegistry()
    registry.update_raw(report(NRPA_1), now=1.0)
    registry.update_raw(report(NRPA_2), now=1.1)
    assert len(registry) == 1
    registry.update_raw(report(NRPA_1), now=1.2)  # both alive: two devices, same bytes
    assert len(registry) == 2
    first, second = registry.get(NRPA_1), registry.get(NRPA_2)
    assert first is not None and second is not None and first is not second
    assert (first.address, second.address) == (NRPA_1, NRPA_2)
    assert second.previous_addresses == [] and first.key != second.key
    for t in (1.3, 1.4):
        registry.update_raw(report(NRPA_2), now=t)
        registry.update_raw(report(NRPA_1), now=t + 0.01)
    # The history merged before the split stays with the newer address (1 + 1 + 2).
    assert len(registry) == 2 and first.count == 3 and second.count == 4


def test_a_different_payload_or_flags_alone_is_not_linked() -> None:
    registry = DeviceRegistry()
    registry.update_raw(report(NRPA_1), now=1.0)
    registry.update_raw(report(NRPA_2, OTHER), now=1.1)  # Windows' new salt and hash
    assert len(registry) == 2
    registry.update_raw(report("3C:00:00:00:00:04", FLAGS_ONLY), now=2.0)
    registry.update_raw(report("3D:00:00:00:00:05", FLAGS_ONLY), now=2.1)
    assert len(registry) == 4


def test_a_static_address_is_never_linked_by_payload() -> None:
    registry = DeviceRegistry()
    registry.update_raw(report("C1:00:00:00:00:01"), now=1.0)
    registry.update_raw(report("C1:00:00:00:00:02"), now=1.1)
    assert len(registry) == 2


def test_an_evicted_record_is_told_to_the_hook() -> None:
    registry = DeviceRegistry(max_devices=2)
    gone: list[str] = []
    registry.on_evict(lambda record: gone.append(record.address))
    for index in range(3):
        registry.update_raw(report(f"C1:00:00:00:00:0{index}", OTHER[:-1] + bytes([index])),
                            now=float(index))
    assert gone == ["C1:00:00:00:00:00"] and len(registry) == 2

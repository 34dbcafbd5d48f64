"""The default catalogue as a whole: distinct devices, legal payloads, names, GAP."""

from __future__ import annotations

import pytest
from bumble import gatt

from blebench.decode.payload import decode_payload
from blebench.sim.catalogue import (
    CATALOGUE,
    UartBridge,
    default_catalogue,
    find_device,
    make_device,
)
from tests.integration.rig import RigFactory


def test_default_catalogue_has_distinct_realistic_devices() -> None:
    devices = default_catalogue(seed=0)
    assert len(devices) >= 9
    assert len({d.name for d in devices}) == len(devices)
    assert len({d.address.upper() for d in devices}) == len(devices)
    assert len({d.distance_m for d in devices}) >= 6  # RSSI spread in the scan list
    for device in devices:
        adv = device.advertising_data()
        scan_response = device.scan_response_data()
        assert len(adv) <= 31 and (scan_response is None or len(scan_response) <= 31)
        for payload in (adv, scan_response or b""):
            assert decode_payload(payload).errors == 0, device.name


def test_same_seed_same_values_other_seed_other_values() -> None:
    first = [d.advertising_data() for d in default_catalogue(seed=7)]
    again = [d.advertising_data() for d in default_catalogue(seed=7)]
    other = [d.advertising_data() for d in default_catalogue(seed=8)]
    assert first == again
    assert first != other


def test_lookup_by_name() -> None:
    assert isinstance(make_device("uart bridge"), UartBridge)
    assert find_device(default_catalogue(), "SMART LOCK").name == "Smart Lock"
    with pytest.raises(KeyError, match="one of"):
        make_device("toaster")
    assert set(CATALOGUE) >= {
        "Pulse HRM", "HID Keyboard", "ZV Camera", "UART Bridge", "Smart Lock",
        "Privacy Tag", "BTHome Sensor", "iBeacon", "Eddystone",
        "Thermo Probe", "Flaky Sensor", "Fast Pair Buds",
    }  # fmt: skip


def test_every_device_lists_its_controls() -> None:
    for device in default_catalogue():
        for name, control in device.controls().items():
            assert callable(control.action) and control.description, (device.name, name)
    lock = make_device("Smart Lock")
    assert "forget_bonds" in lock.controls()


async def test_connectable_devices_show_their_gap_name(world: RigFactory) -> None:
    devices = [d for d in default_catalogue() if d.connectable]
    rig = await world(*default_catalogue())
    for device in devices:
        connection, peer = await rig.connect(device)
        [name] = peer.get_characteristics_by_uuid(gatt.GATT_DEVICE_NAME_CHARACTERISTIC)
        assert await name.read_value() == device.name.encode()
        await connection.disconnect()

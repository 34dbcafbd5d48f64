"""The non-connectable devices, as a scanner in the virtual world receives them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from bumble import core as bumble_core
from bumble.device import Advertisement

from blebench.decode.payload import decode_payload
from blebench.sim.catalogue import (
    AltBeacon,
    BthomeSensor,
    Eddystone,
    IBeacon,
    MicrosoftCdp,
)
from blebench.sim.catalogue.base import VirtualPeripheral
from tests.integration.rig import Rig, RigFactory

LEGACY_ADV_NONCONN_IND = 0x10


async def collect(
    rig: Rig, peripheral: VirtualPeripheral, done: Callable[[list[bytes]], bool]
) -> list[bytes]:
    """Advertising payloads from `peripheral` (passive scan) until `done(payloads)`."""
    payloads: list[bytes] = []
    finished = asyncio.get_running_loop().create_future()

    def on_advertisement(advertisement: Advertisement) -> None:
        if advertisement.address == rig.air_address(peripheral):
            payloads.append(advertisement.data_bytes)
            if done(payloads) and not finished.done():
                finished.set_result(None)

    rig.central.on("advertisement", on_advertisement)
    await rig.central.start_scanning(active=False, scan_interval=10, scan_window=10)
    try:
        await asyncio.wait_for(finished, 3.0)
    finally:
        await rig.central.stop_scanning()
        rig.central.remove_listener("advertisement", on_advertisement)
    return payloads


def vendor(payload: bytes, name: str) -> dict[str, object]:
    decoded = decode_payload(payload)
    assert decoded.errors == 0
    [found] = [v for v in decoded.vendors if v.format == name]
    return dict(found.fields)


async def test_bthome_values_change_over_the_air(world: RigFactory) -> None:
    sensor = BthomeSensor(update_interval_s=0.05)
    sensor.adv_interval_ms = 20.0
    rig = await world(sensor)
    payloads = await collect(rig, sensor, lambda p: len(set(p)) >= 3)
    readings = [vendor(p, "bthome") for p in dict.fromkeys(payloads)]
    assert all(decode_payload(p).local_name == "BTHome Sensor" for p in payloads)
    assert len({str(r) for r in readings}) >= 3  # new packet id and values each time
    for reading in readings:
        text = str(reading)
        assert "temperature" in text and "humidity" in text and "battery" in text


async def test_eddystone_sends_uid_url_and_tlm_in_turn(world: RigFactory) -> None:
    beacon = Eddystone(frame_interval_s=0.05)
    beacon.adv_interval_ms = 20.0
    rig = await world(beacon)

    def formats(payloads: list[bytes]) -> set[str]:
        return {v.format for p in payloads for v in decode_payload(p).vendors}

    payloads = await collect(rig, beacon, lambda p: len(formats(p)) == 3)
    assert formats(payloads) == {"eddystone-uid", "eddystone-url", "eddystone-tlm"}
    urls = {
        v.fields["url"]
        for p in payloads
        for v in decode_payload(p).vendors
        if v.format == "eddystone-url"
    }
    assert urls == {"https://example.com/blebench"}


async def test_beacons_are_non_connectable_and_decode(world: RigFactory) -> None:
    ibeacon, altbeacon, windows = IBeacon(), AltBeacon(), MicrosoftCdp()
    rig = await world(ibeacon, altbeacon, windows)
    # What each beacon sends, decoded from the air (not from the device object).
    ib = vendor((await collect(rig, ibeacon, bool))[0], "ibeacon")
    assert (ib["major"], ib["minor"]) == (ibeacon.major, ibeacon.minor)
    assert ib["measured_power"] == ibeacon.measured_power
    alt = vendor((await collect(rig, altbeacon, bool))[0], "altbeacon")
    assert (alt["id2"], alt["id3"], alt["reference_rssi"]) == (
        altbeacon.id2,
        altbeacon.id3,
        altbeacon.reference_rssi,
    )
    cdp = vendor((await collect(rig, windows, bool))[0], "microsoft-cdp")
    assert cdp["device_type_name"] == "Windows 10 Desktop"
    assert cdp["salt"] == windows.salt.hex()

    reports: list[int] = []

    def on_report(report: object) -> None:
        if getattr(report, "address", None) == rig.air_address(ibeacon):
            reports.append(int(getattr(report, "event_type", -1)))

    rig.central.host.on("advertising_report", on_report)
    payloads = await collect(rig, ibeacon, lambda p: len(p) >= 2)
    assert payloads[0] == ibeacon.advertising_data()
    # Extended report event type: legacy bit only, so neither connectable nor scannable
    # (ADV_NONCONN_IND).
    assert reports and set(reports) == {LEGACY_ADV_NONCONN_IND}
    with pytest.raises(bumble_core.TimeoutError):
        await rig.central.connect(rig.air_address(ibeacon), timeout=0.3)

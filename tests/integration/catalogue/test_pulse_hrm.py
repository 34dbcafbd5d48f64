"""Pulse HRM: what a user sees when connecting to the heart-rate strap."""

from __future__ import annotations

import asyncio

from bumble import gatt

from blebench.decode.gatt_values import decode_value
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from tests.integration.rig import RigFactory

HRM_UUID = "00002a37-0000-1000-8000-00805f9b34fb"


async def test_notifications_carry_plausible_bpm_and_rr(world: RigFactory) -> None:
    hrm = PulseHrm(seed=1, notify_interval_s=0.02)
    rig = await world(hrm)
    _, peer = await rig.connect(hrm)
    [measurement] = peer.get_characteristics_by_uuid(gatt.GATT_HEART_RATE_MEASUREMENT_CHARACTERISTIC)
    values: asyncio.Queue[bytes] = asyncio.Queue()
    await peer.subscribe(measurement, values.put_nowait)
    samples = [await asyncio.wait_for(values.get(), 2.0) for _ in range(12)]
    decoded = [decode_value(HRM_UUID, v) for v in samples]
    assert all(d.error is None and d.kind == "heart_rate_measurement" for d in decoded)
    bpms = [d.fields["heart_rate_bpm"] for d in decoded]
    assert all(isinstance(bpm, int) and 40 <= bpm <= 200 for bpm in bpms)
    assert all(d.fields["sensor_contact"] == "detected" for d in decoded)
    rr = [
        float(r)
        for d in decoded
        if isinstance(d.fields.get("rr_intervals_s"), list)
        for r in d.fields["rr_intervals_s"]  # type: ignore[union-attr]
        if isinstance(r, (int, float))
    ]
    assert rr, "RR intervals are sent"
    # Each RR interval is about one beat at the reported rate.
    assert all(0.25 < r < 1.6 for r in rr)
    assert len(set(samples)) > 1, "values change"


async def test_name_only_in_scan_response_and_gap(world: RigFactory) -> None:
    hrm = PulseHrm()
    assert b"Pulse HRM" not in hrm.advertising_data()
    assert b"Pulse HRM" in (hrm.scan_response_data() or b"")
    rig = await world(hrm)
    assert rig.air_address(hrm).address_type == 0  # public
    _, peer = await rig.connect(hrm)
    [name] = peer.get_characteristics_by_uuid(gatt.GATT_DEVICE_NAME_CHARACTERISTIC)
    [appearance] = peer.get_characteristics_by_uuid(gatt.GATT_APPEARANCE_CHARACTERISTIC)
    [location] = peer.get_characteristics_by_uuid(gatt.GATT_BODY_SENSOR_LOCATION_CHARACTERISTIC)
    assert await name.read_value() == b"Pulse HRM"
    assert await appearance.read_value() == b"\x41\x03"
    assert await location.read_value() == b"\x01"  # chest

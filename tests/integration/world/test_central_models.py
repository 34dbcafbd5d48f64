"""The virtual world's central controller (`--sim-central`): a phone stops each connection
event after 6 packets, a dongle goes on while the interval allows, so a served device that
can send more (`[device.link] packets_per_event = "unlimited"`) gets more through to a dongle
than to a phone on the same link, and as much as the spec's timing gives."""

from __future__ import annotations

import asyncio
import time

import pytest

from blebench.session.link_request import LinkRequest
from blebench.session.manager import SessionManager, SessionSettings
from blebench.sim import airtime
from blebench.sim.userdevices import parse_user_devices

UUID = "8e7f2001-3c1d-4d2e-9b77-0a1b2c3d4e5f"
DEVICE = """
[[device]]
name = "Counter"
address = "C6:00:00:00:B0:02"
adv = "02 01 06 08 09 43 6f 75 6e 74 65 72"
[device.link]
packets_per_event = "unlimited"
[[device.service]]
uuid = "8e7f2000-3c1d-4d2e-9b77-0a1b2c3d4e5f"
[[device.service.characteristic]]
uuid = "8e7f2001-3c1d-4d2e-9b77-0a1b2c3d4e5f"
properties = ["notify"]
notify_every_ms = 0.25
notify_value = { kind = "counter", min = 0, max = 4000000000, format = "uint32" }
"""
FAST = LinkRequest(
    interval_min_ms=7.5, interval_max_ms=7.5, tx_phy="2m", rx_phy="2m", data_length=251
)


async def _rate(central: str) -> tuple[float, int | None]:
    (device,) = parse_user_devices(DEVICE, "counter.toml")
    settings = SessionSettings(
        sim=True, peripherals=(device,), user_devices=False, sim_central=central
    )
    async with await SessionManager.open(settings) as session:
        info = await session.connect("Counter", timeout=5)
        report = await session.change_link(info.address, FAST)
        assert report.ok, [s.words for s in report.steps]
        assert session.world is not None
        found, limit = session.world.link_packets_per_event(info.address)
        assert found
        stream = await session.subscribe(info.address, UUID, capacity=20_000)
        await asyncio.sleep(0.3)
        first, started = stream.count, time.perf_counter()
        await asyncio.sleep(1.0)
        return (stream.count - first) / (time.perf_counter() - started), limit


@pytest.mark.slow
async def test_a_dongle_central_takes_what_a_phone_would_cut() -> None:
    phone, phone_limit = await _rate("phone")
    dongle, dongle_limit = await _rate("dongle")
    assert (phone_limit, dongle_limit) == (6, None)
    at_six = airtime.capacity(7.5, airtime.Phy.LE_2M, 251, 4, packets_per_event=6)
    unlimited = airtime.capacity(7.5, airtime.Phy.LE_2M, 251, 4)
    assert phone == pytest.approx(at_six.values_per_s, rel=0.2)
    assert dongle == pytest.approx(unlimited.values_per_s, rel=0.2)
    assert dongle > 2 * phone

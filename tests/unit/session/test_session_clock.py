"""The session's ingest and clock seam: a session opened on a clock of its own reads every
age from it, and reports given to `ingest_advertisement` (what the scanner calls, what a
replayed capture will call) land at the time they say they were heard."""

from __future__ import annotations

import asyncio

from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData

from blebench.backends.extras import RawAdvertisement
from blebench.session.clock import SessionClock
from blebench.session.manager import SessionManager, SessionSettings
from blebench.sim.catalogue.pulse_hrm import PulseHrm

ADDRESS = "A0:9E:1A:5C:31:07"


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def session_clock(self) -> SessionClock:
        return SessionClock(
            monotonic=lambda: self.now,
            monotonic_ns=lambda: round(self.now * 1e9),
            time_ns=lambda: round((1_700_000_000 + self.now) * 1e9),
        )


def report(rssi: int) -> tuple[BLEDevice, AdvertisementData]:
    adv = PulseHrm().advertising_data()
    raw = RawAdvertisement(
        address=ADDRESS, random_address=False, event_type="ADV_IND", is_scan_response=False,
        legacy=True, connectable=True, adv=adv, scan_response=None, rssi=rssi, tx_power=None,
    )
    data = AdvertisementData(
        local_name=None, manufacturer_data={}, service_data={}, service_uuids=[],
        tx_power=None, rssi=rssi, platform_data=(raw,),
    )
    return BLEDevice(ADDRESS, None, None), data


async def test_reports_land_at_their_time_and_ages_read_the_sessions_clock() -> None:
    clock = Clock()
    session = await SessionManager.open(
        SessionSettings(sim=True, peripherals=(), user_devices=False),
        clock=clock.session_clock(),
    )
    try:
        assert session.clock() == 500.0
        session.ingest_advertisement(*report(-60), at=440.0)
        session.ingest_advertisement(*report(-50), at=470.0)
        record = session.device(ADDRESS)
        assert record is not None
        assert record.last_seen == 470.0  # 30 s ago on the session's clock, not the system's
        assert [t for t, _rssi in record.rssi_history] == [440.0, 470.0]
        assert record.adv is not None and record.adv.decoded.appearance == 0x0341
        # A report without a time is heard now, on the same clock.
        clock.now = 512.5
        session.ingest_advertisement(*report(-55))
        assert record.last_seen == 512.5
        assert session.clock() == 512.5
        _, changed = session.devices_changed_since(0)
        assert [r.address for r in changed] == [ADDRESS]
    finally:
        await session.close()


async def test_the_scanner_feeds_the_same_entry() -> None:
    """The virtual world's scan reaches the registry through the seam (no private hook)."""
    async with await SessionManager.open(
        SessionSettings(sim=True, peripherals=(PulseHrm(),), user_devices=False)
    ) as session:
        await session.start_scan()
        for _ in range(200):
            if session.device(ADDRESS) is not None:
                break
            await asyncio.sleep(0.05)
        record = session.device(ADDRESS)
        assert record is not None and record.name == "Pulse HRM"

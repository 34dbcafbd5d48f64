"""A virtual Privacy Tag (unbonded: no IRK) rotates its resolvable private address while
it is scanned: the session keeps it as one device, the old address in its history, and the
live count does not grow (issue 11 item 9; review 3.11)."""

from __future__ import annotations

import asyncio

from blebench.session.manager import SessionManager, SessionSettings
from blebench.session.models import DeviceRecord
from blebench.sim.catalogue import make_device


async def test_a_rotated_address_of_an_unbonded_tag_stays_one_device() -> None:
    tag = make_device("Privacy Tag", 1)
    pulse = make_device("Pulse HRM", 1)
    session = await SessionManager.open(
        SessionSettings(sim=True, seed=1, peripherals=(tag, pulse), user_devices=False)
    )
    try:
        assert session.world is not None
        await session.start_scan(active=True)

        def tag_record() -> DeviceRecord | None:
            return next((r for r in session.registry if r.name == "Privacy Tag"), None)

        async with asyncio.timeout(15):
            while (first := tag_record()) is None or first.count < 3:
                await asyncio.sleep(0.05)
        old = first.address
        new = str(await session.world.rotate_now("Privacy Tag")).split("/")[0].upper()
        assert new != old
        async with asyncio.timeout(15):
            while session.registry.get(new) is None:
                await asyncio.sleep(0.05)
        await session.stop_scan()
        record = session.registry.get(new)
        assert record is not None and record is session.registry.get(old)
        assert record.address == new and record.previous_addresses == [old]
        assert len(session.registry) == 2  # the tag and the heart rate monitor, no third
        assert session.registry.heard_now() == 2
        assert record.to_json(0.0)["previous_addresses"] == [old]
    finally:
        await session.close()

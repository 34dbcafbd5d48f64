"""The issue's acceptance scan over the built-in catalogue, through SessionManager."""

from __future__ import annotations

import asyncio

import pytest

from blebench.session.manager import SessionManager, SessionSettings

ROTATING = {"Privacy Tag"}  # its address may change while scanning


async def scan_catalogue(active: bool) -> tuple[SessionManager, dict[str, str]]:
    session = await SessionManager.open(SessionSettings(sim=True, user_devices=False))
    assert session.world is not None
    names = {
        m.peripheral.name: str(m.air_address).split("/")[0] for m in session.world.members
    }
    await session.start_scan(active=active)
    # Until every device that keeps its address was heard, and (active) Pulse HRM's scan
    # response with its name came: what the test asserts, bounded, whatever the load.
    steady = {address for name, address in names.items() if name not in ROTATING}

    def heard_enough() -> bool:
        if not steady <= {r.address for r in session.registry}:
            return False
        hrm = session.registry.get(names["Pulse HRM"])
        return not active or (hrm is not None and hrm.scan_response is not None)

    async with asyncio.timeout(15):
        while not heard_enough():
            await asyncio.sleep(0.05)
    await session.stop_scan()
    return session, names


@pytest.mark.slow
async def test_every_catalogue_device_is_heard_as_the_issue_says() -> None:
    session, names = await scan_catalogue(active=True)
    try:
        assert len(names) >= 9
        heard = {r.address for r in session.registry}
        for name, address in names.items():
            if name not in ROTATING:
                assert address in heard, f"{name} not heard"
        hrm = session.registry.get(names["Pulse HRM"])
        assert hrm is not None and hrm.name == "Pulse HRM"
        assert hrm.adv is not None and hrm.adv.decoded.local_name is None
        assert hrm.scan_response is not None and hrm.scan_response.decoded.local_name == "Pulse HRM"
        beacons = [r for r in session.registry if r.adv and r.adv.decoded.vendors]
        assert beacons and all(
            r.connectable is False
            for r in beacons
            if any(v.format in ("ibeacon", "altbeacon", "bthome") for v in r.adv.decoded.vendors)  # type: ignore[union-attr]
        )
        assert any(r.address_type == "resolvable-private" for r in session.registry)
    finally:
        await session.close()
    session, names = await scan_catalogue(active=False)
    try:
        hrm = session.registry.get(names["Pulse HRM"])
        assert hrm is not None and hrm.name is None and hrm.scan_response is None
        assert all(r.scan_response is None for r in session.registry)
    finally:
        await session.close()

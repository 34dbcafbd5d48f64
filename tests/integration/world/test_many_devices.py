"""A `--sim-devices` file of thousands of devices (issue 17, item 4): user devices start,
advertise and are heard in bounded work (here 1,000, which a 2-core CI starts in seconds;
`benchmarks/bench_memory.py` runs 5,000 and gives their RSS and wall time). Before, every advertising PDU was handed
to every controller on the link (5,000 x 5,000 callbacks a round: the loop's queue grew
about 60 MB/s until the process died). Structures are asserted, not timings."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from blebench.session.manager import SessionManager, SessionSettings
from blebench.sim.radio import AIR_EVENTS_PER_S
from tests.integration.rig import wait_until

DEVICES = 1000


def devices_file(path: Path, count: int, interval_ms: int = 100) -> Path:
    entries = []
    for index in range(count):
        address = ":".join(f"{b:02X}" for b in (0xC0_00_00_00_00_00 + index).to_bytes(6, "big"))
        name = f"dev{index}".encode()
        adv = "020106" + f"{len(name) + 1:02x}09" + name.hex()
        entries.append(
            f'[[device]]\nname = "dev{index}"\naddress = "{address}"\nadv = "{adv}"\n'
            f"interval_ms = {interval_ms}\n"
        )
    path.write_text("\n".join(entries), encoding="utf-8")
    return path


@pytest.mark.slow
async def test_a_thousand_user_devices_are_heard_in_bounded_work(tmp_path: Path) -> None:
    path = devices_file(tmp_path / "devices.toml", DEVICES)
    settings = SessionSettings(sim=True, sim_devices=path, peripherals=(), user_devices=False)
    async with await SessionManager.open(settings) as session:
        world = session.world
        assert world is not None and len(world.members) == DEVICES
        link = world.link
        # Nobody listens before the scan: advertising PDUs reach no one.
        assert link._listeners == []
        await session.start_scan(active=True)
        central = world.centrals[0]
        # Only the scanning central hears them, not the 1,000 peripherals.
        assert link._listeners == [central]
        # 1,000 devices at 100 ms offer 10,000 events/s: the air stretches every interval.
        await wait_until(lambda: link.crowding > 1, timeout=30)
        assert link.crowding == pytest.approx(DEVICES * 10 / AIR_EVENTS_PER_S, rel=0.05)
        await wait_until(lambda: len(session.registry) >= 200, timeout=120)
        # What waits to run stays within a few items per device (timers that fire
        # together on a busy machine); before, one round queued DEVICES x DEVICES.
        loop = asyncio.get_running_loop()
        backlog = []
        for _ in range(20):
            await asyncio.sleep(0.05)
            backlog.append(len(loop._ready))  # type: ignore[attr-defined]
        assert max(backlog) < 4 * DEVICES
        await session.stop_scan()
        assert link._listeners == []


async def test_a_world_of_a_few_hundred_devices_is_not_crowded(tmp_path: Path) -> None:
    path = devices_file(tmp_path / "devices.toml", 150, interval_ms=1000)
    settings = SessionSettings(sim=True, sim_devices=path, peripherals=(), user_devices=False)
    async with await SessionManager.open(settings) as session:
        assert session.world is not None
        await session.start_scan(active=False)
        await wait_until(lambda: len(session.registry) == 150, timeout=60)
        assert session.world.link.crowding == 1.0  # 150 events/s: intervals as written

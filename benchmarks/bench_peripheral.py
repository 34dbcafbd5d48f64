"""A served device's notifications: what `blebench peripheral` sustains to one central.

- `peripheral_notify_per_s`: a user-defined device (parsed from a device file, as
  `blebench peripheral` reads it) with a counter notified every 0.25 ms, over the virtual
  world to blebench's own central (Bumble backend -> session stream), counted over a
  sustained window. Goal >= 2,000/s. The modelled air caps what one link carries at the
  default connection parameters (packets per connection event / interval, sim/airtime), so
  the figure is the lesser of the device's schedule and the air.
- `peripheral_notify_lost`: gaps in the counter among those received.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

DEVICE = """
[[device]]
name = "Bench Notifier"
address = "C6:00:00:00:B0:01"
adv = "02 01 06 0f 09 42 65 6e 63 68 20 4e 6f 74 69 66 69 65 72"

[[device.service]]
uuid = "8e7f2000-3c1d-4d2e-9b77-0a1b2c3d4e5f"
[[device.service.characteristic]]
uuid = "8e7f2001-3c1d-4d2e-9b77-0a1b2c3d4e5f"
properties = ["notify"]
notify_every_ms = 0.25
notify_value = { kind = "counter", min = 0, max = 4000000000, format = "uint32" }
"""
UUID = "8e7f2001-3c1d-4d2e-9b77-0a1b2c3d4e5f"


async def served(seconds: float) -> tuple[float, int]:
    from blebench.session.manager import SessionManager, SessionSettings
    from blebench.sim.userdevices import parse_user_devices

    (device,) = parse_user_devices(DEVICE, "bench.toml")
    settings = SessionSettings(sim=True, peripherals=(device,), user_devices=False)
    async with await SessionManager.open(settings) as session:
        conn = await session.connect("Bench Notifier", timeout=5)
        stream = await session.subscribe(conn.address, UUID, capacity=200_000)
        await asyncio.sleep(0.5)  # past the first connection events
        first = stream.count
        started = time.perf_counter()
        await asyncio.sleep(seconds)
        rate = (stream.count - first) / (time.perf_counter() - started)
        counters = [int.from_bytes(s.data[:4], "little") for s in session.pull_streams().samples]
        lost = (max(counters) - min(counters) + 1) - len(set(counters)) if counters else 0
        return rate, lost


def run(quick: bool) -> dict[str, Any]:
    rate, lost = asyncio.run(served(2.0 if quick else 8.0))
    return {"peripheral_notify_per_s": round(rate), "peripheral_notify_lost": lost}


if __name__ == "__main__":
    print(run("--quick" in sys.argv))

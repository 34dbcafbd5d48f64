"""A served device's notifications: what `blebench peripheral` sustains to one central.

- `peripheral_notify_per_s`: a user-defined device (parsed from a device file, as
  `blebench peripheral` reads it) with a counter notified every 0.25 ms, over the virtual
  world to blebench's own central (Bumble backend -> session stream), counted over a
  sustained window, on the fast link (7.5 ms, LE 2M, data length 251, asked for through
  `SessionApi.change_link`: benchmarks/fast_link.py), between controllers that go on with a
  connection event while the interval allows (`--sim-central dongle`; the device file's
  `[device.link] packets_per_event = "unlimited"`: an nRF52-class firmware). Goal (issue 15)
  >= 2,000/s. The modelled air caps what one link carries (packets per connection event /
  interval, sim/airtime), so the figure is the lesser of the device's schedule (4,000/s)
  and the air.
- `peripheral_notify_phone_per_s`: the same to a phone's controller, which stops each event
  after 6 packets (the virtual world's default central).
- `peripheral_notify_air_per_s`, `peripheral_notify_air_ratio`: what the air carries on
  that link for these 4-byte values, and measured / air (1.0: all of it).
- `peripheral_notify_default_link_per_s`: the same on the link as connected (Bumble's
  default 15 ms / LE 1M / 27 octets).
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
UNLIMITED = """
[device.link]
packets_per_event = "unlimited"
"""


async def served(seconds: float, fast: bool, dongle: bool = False) -> tuple[float, int, float]:
    """(notifications/s, lost, the air's notifications/s on the link used)."""
    from fast_link import air_values_per_s, request_fast_link

    from blebench.session.manager import SessionManager, SessionSettings
    from blebench.sim.userdevices import parse_user_devices

    (device,) = parse_user_devices(DEVICE + (UNLIMITED if dongle else ""), "bench.toml")
    settings = SessionSettings(
        sim=True,
        peripherals=(device,),
        user_devices=False,
        sim_central="dongle" if dongle else "phone",
    )
    async with await SessionManager.open(settings) as session:
        conn = await session.connect("Bench Notifier", timeout=5)
        if fast:
            link = await request_fast_link(session, conn.address)
        else:
            link = session.link_state(conn.address) or {}
        stream = await session.subscribe(conn.address, UUID, capacity=200_000)
        await asyncio.sleep(0.5)  # past the first connection events
        first = stream.count
        started = time.perf_counter()
        await asyncio.sleep(seconds)
        rate = (stream.count - first) / (time.perf_counter() - started)
        counters = [int.from_bytes(s.data[:4], "little") for s in session.pull_streams().samples]
        lost = (max(counters) - min(counters) + 1) - len(set(counters)) if counters else 0
        return rate, lost, air_values_per_s(link, 4, None if dongle else "phone")


def run(quick: bool) -> dict[str, Any]:
    rate, lost, air = asyncio.run(served(2.0 if quick else 8.0, fast=True, dongle=True))
    phone_rate, _, _ = asyncio.run(served(1.0 if quick else 3.0, fast=True))
    default_rate, _, _ = asyncio.run(served(1.0 if quick else 3.0, fast=False))
    return {
        "peripheral_notify_per_s": round(rate),
        "peripheral_notify_lost": lost,
        "peripheral_notify_air_per_s": round(air),
        "peripheral_notify_air_ratio": round(rate / air, 3),
        "peripheral_notify_phone_per_s": round(phone_rate),
        "peripheral_notify_default_link_per_s": round(default_rate),
    }


if __name__ == "__main__":
    print(run("--quick" in sys.argv))

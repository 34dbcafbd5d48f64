"""Notification streams: ingest speed, memory after a million notifications, end to end.

- `store_ingest_per_s`: notifications appended to a stream of the store per second (the
  backend callback's cost; goal >= 200,000/s, about 100x what a radio delivers).
- `rss_mb_1m_notifications`: RSS of a fresh process after 1,000,000 notifications through
  the store (4 streams, default capacity), goal <= 150 MB: the rings stay bounded.
- `notif_e2e_per_s`: a virtual peripheral notifying as fast as it can -> Bumble link ->
  bleak (Bumble backend) -> session stream, sustained, on the fast link (7.5 ms, LE 2M,
  data length 251, asked for through `SessionApi.change_link`: benchmarks/fast_link.py);
  `notif_e2e_lost` counts gaps in the peripheral's counter (goal: 0 lost).
- `notif_e2e_air_per_s`: what the modelled air carries on that link for these 20-byte
  notifications (`sim/airtime.capacity`, 6 packets per event); `notif_e2e_air_ratio` =
  measured / air: 1.0 means blebench keeps up with all the air carries.
- `notif_e2e_default_link_per_s`: the same flood on the link as connected (Bumble's
  default 15 ms / LE 1M / 27 octets), fewer notifications.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from typing import Any

RSS_SCRIPT = """
import resource, sys
from blebench.session.streams import StreamStore
store = StreamStore()
streams = [store.open("AA:BB:CC:DD:EE:%02X" % i, 0x10 + i, "00002a37-0000-1000-8000-00805f9b34fb") for i in range(4)]
payload = bytes(range(20))
for i in range(1_000_000):
    streams[i & 3].push(payload[: 4 + (i % 16)])
cursor = store.pull().cursor  # a reader pulled once, as the UI does
with open("/proc/self/status") as f:
    rss_kb = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
print(rss_kb / 1024)
"""


def ingest_per_s(n: int) -> float:
    from blebench.session.streams import StreamStore

    store = StreamStore()
    stream = store.open("AA:BB:CC:DD:EE:01", 0x10, "00002a37-0000-1000-8000-00805f9b34fb")
    payload = bytearray(b"\x16\x40\xe2\x03" * 5)
    push = stream.push
    started = time.perf_counter()
    for _ in range(n):
        push(payload)
    elapsed = time.perf_counter() - started
    return n / elapsed


def rss_mb() -> float:
    out = subprocess.run(
        [sys.executable, "-c", RSS_SCRIPT], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


async def e2e(count: int, fast: bool) -> tuple[float, int, float]:
    """(notifications/s, lost, the air's notifications/s on the link used)."""
    from bumble.device import Device
    from bumble.gatt import Characteristic, Service
    from fast_link import air_values_per_s, request_fast_link

    from blebench.session.manager import SessionManager, SessionSettings
    from blebench.sim.catalogue import _adv
    from blebench.sim.catalogue._gatt import READ, GattPeripheral, Props

    flood_uuid = "8e7f1001-3c1d-4d2e-9b77-0a1b2c3d4e5f"

    class Flooder(GattPeripheral):
        name = "Flooder"
        address = "C3:00:00:00:F1:00"

        def __init__(self) -> None:
            super().__init__()
            self.char = Characteristic(flood_uuid, Props.NOTIFY, READ, b"")

        def advertising_data(self) -> bytes:
            return _adv.payload(_adv.flags(), _adv.complete_name(self.name))

        def services(self, device: Device) -> list[Service]:
            return [Service("8e7f1000-3c1d-4d2e-9b77-0a1b2c3d4e5f", [self.char])]

        async def flood(self, n: int) -> None:
            device = self.bumble
            for i in range(n):
                await device.notify_subscribers(self.char, i.to_bytes(4, "little") + bytes(16))

    flooder = Flooder()
    settings = SessionSettings(sim=True, peripherals=(flooder,), user_devices=False)
    async with await SessionManager.open(settings) as session:
        conn = await session.connect("Flooder", timeout=5)
        if fast:
            link = await request_fast_link(session, conn.address)
        else:
            link = session.link_state(conn.address) or {}
        stream = await session.subscribe(conn.address, flood_uuid, capacity=count)
        started = time.perf_counter()
        sender = asyncio.ensure_future(flooder.flood(count))
        async with asyncio.timeout(120):
            while stream.count < count and not (sender.done() and sender.exception()):
                await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - started
        await sender
        counters = [int.from_bytes(s.data[:4], "little") for s in session.pull_streams().samples]
        lost = count - len(set(counters))
        return stream.count / elapsed, lost, air_values_per_s(link, 20)


def run(quick: bool) -> dict[str, Any]:
    n = 200_000 if quick else 2_000_000
    figures: dict[str, Any] = {"store_ingest_per_s": round(max(ingest_per_s(n) for _ in range(3)))}
    figures["rss_mb_1m_notifications"] = round(rss_mb(), 1)
    rate, lost, air = asyncio.run(e2e(3_000 if quick else 20_000, fast=True))
    figures["notif_e2e_per_s"] = round(rate)
    figures["notif_e2e_lost"] = lost
    figures["notif_e2e_air_per_s"] = round(air)
    figures["notif_e2e_air_ratio"] = round(rate / air, 3)
    default_rate, _, _ = asyncio.run(e2e(1_000 if quick else 4_000, fast=False))
    figures["notif_e2e_default_link_per_s"] = round(default_rate)
    return figures


if __name__ == "__main__":
    print(run("--quick" in sys.argv))

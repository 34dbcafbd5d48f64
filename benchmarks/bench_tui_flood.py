"""`tui_flood`: key press to screen update under a flood, and whether the UI keeps up.

The whole app (`make_app`, headless, 160x45) runs over a session that a load generator
feeds at the entries the backends use: notifications go to `Stream.push` (what a bleak
notify callback calls: `Stream.on_notify`), advertisements to the session's detection
callback (what `BleakScanner` calls, with the Bumble backend's `RawAdvertisement` in
`platform_data`), at 5,000 notifications/s (two streams, a UART flood and a heart rate)
plus 2,000 advertisements/s (200 devices). The virtual world through Bumble tops out near
3,000 notifications/s on 2 cores, so the generator feeds the session directly (issue 7).

While the flood runs, a key goes to the console's request field every 100 ms, as a
terminal's input thread would deliver it (`driver.send_message`), and the time to the
first screen update that shows the typed character is measured (`App._display` is where
a frame leaves the compositor). `backlog_growth` is how many more events wait unprocessed
at the end than after the warm-up: samples the Streams pane has not pulled, registry
reports the Scan pane has not taken, and messages queued in the app, screen and panes.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NOTIFY_PER_S = 5_000
ADV_PER_S = 2_000
TICK_S = 0.005
KEY_EVERY_S = 0.1
DEVICES = 200


def _advertisements() -> list[tuple[Any, Any]]:
    """(BLEDevice, AdvertisementData) pairs as the Bumble backend makes them."""
    from bleak.backends.device import BLEDevice
    from bleak.backends.scanner import AdvertisementData

    from blebench.backends.extras import RawAdvertisement

    pool = []
    for index in range(DEVICES):
        address = f"F0:00:00:00:{index >> 8:02X}:{index & 0xFF:02X}"
        name = f"Flood {index:03d}".encode()
        adv = bytes([2, 0x01, 0x06, len(name) + 1, 0x09]) + name
        for rssi in (-40 - index % 50, -41 - index % 50, -43 - index % 50):
            raw = RawAdvertisement(address=address, random_address=True, event_type="ADV_IND",
                                   is_scan_response=False, legacy=True, connectable=True,
                                   adv=adv, scan_response=None, rssi=rssi, tx_power=None)
            data = AdvertisementData(local_name=name.decode(), manufacturer_data={},
                                     service_data={}, service_uuids=[], tx_power=None,
                                     rssi=rssi, platform_data=(raw,))
            pool.append((BLEDevice(address, name.decode(), None), data))
    return pool


def _backlog(app: Any, session: Any) -> int:
    from blebench.ui.scan.pane import ScanPane
    from blebench.ui.streams import StreamsPane

    screen = app.screen
    streams = screen.query_one(StreamsPane)
    positions = streams.feed.cursor.positions
    waiting = sum(max(0, s.stored_total - positions.get(s.stream_id, 0))
                  for s in session.streams.streams())
    scan = screen.query_one(ScanPane)
    waiting += max(0, session.registry.version - int(getattr(scan, "_version", session.registry.version)))
    for node in (app, screen, streams, scan):
        waiting += node._message_queue.qsize()
    return waiting


async def _run(duration_s: float) -> dict[str, object]:
    from textual import events
    from textual.widgets import Input

    from blebench.session.manager import SessionManager, SessionSettings
    from blebench.ui.factory import make_app
    from blebench.ui.settings import Settings

    session = await SessionManager.open(SessionSettings(sim=True, peripherals=(), user_devices=False))
    uart = session.streams.open("F1:00:00:00:00:01", 0x0010, "6e400003-b5a3-f393-e0a9-e50e24dcca9e",
                                name="UART TX")
    heart = session.streams.open("F1:00:00:00:00:02", 0x0020, "00002a37-0000-1000-8000-00805f9b34fb",
                                 name="Heart Rate Measurement")
    frames = [bytes([0x55, 0xAA, 8, i & 0xFF, 0x40, *range(8), i & 0xFF]) for i in range(256)]
    beats = [bytes([0x16, 60 + i % 40, 0x20, 0x03]) for i in range(40)]
    adverts = _advertisements()

    app = make_app(Settings(), session, scan_on_start=False)
    latencies: list[float] = []
    backlog: list[int] = []
    fed = {"notify": 0, "adv": 0}
    async with app.run_test(headless=True, size=(160, 45)) as pilot:
        await pilot.press("3")  # the Streams pane
        request = app.screen.query_one("#console-request", Input)
        request.focus()
        await pilot.pause()

        pending: dict[str, float] = {}
        original_display = app._display

        def display(screen: Any, renderable: Any) -> None:
            original_display(screen, renderable)
            if renderable is not None and "t0" in pending and len(request.value) >= pending["len"]:
                latencies.append((time.perf_counter() - pending.pop("t0")) * 1000)

        app._display = display  # type: ignore[method-assign]
        stop = asyncio.Event()

        async def generate() -> None:
            started = time.perf_counter()
            detect = session._on_detection
            while not stop.is_set():
                elapsed = time.perf_counter() - started
                due_n = int(elapsed * NOTIFY_PER_S) - fed["notify"]
                for i in range(due_n):
                    n = fed["notify"] + i
                    if n % 50 == 0:
                        heart.push(beats[(n // 50) % 40])
                    else:
                        uart.push(frames[n & 0xFF])
                fed["notify"] += max(0, due_n)
                due_a = int(elapsed * ADV_PER_S) - fed["adv"]
                for i in range(due_a):
                    device, data = adverts[(fed["adv"] + i) % len(adverts)]
                    detect(device, data)
                fed["adv"] += max(0, due_a)
                await asyncio.sleep(TICK_S)

        async def type_keys() -> None:
            driver = app._driver
            assert driver is not None
            warm_until = time.perf_counter() + 1.0
            end = warm_until + duration_s
            while time.perf_counter() < end:
                await asyncio.sleep(KEY_EVERY_S)
                if "t0" in pending:
                    continue  # the last key has not shown yet: it keeps counting
                if len(request.value) > 60:
                    request.value = ""
                measuring = time.perf_counter() >= warm_until
                if measuring:
                    backlog.append(_backlog(app, session))
                pending["len"] = len(request.value) + 1
                pending["t0"] = time.perf_counter()
                if not measuring:
                    pending.pop("t0")
                key = events.Key("x", "x")
                key.set_sender(app)
                driver.send_message(key)
            stop.set()

        feeder = asyncio.create_task(generate())
        started = time.perf_counter()
        await type_keys()
        await feeder
        wall = time.perf_counter() - started
        await asyncio.sleep(0.3)
        backlog.append(_backlog(app, session))
    await session.close()
    latencies.sort()
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)] if latencies else float("nan")
    head = statistics.median(backlog[:3]) if backlog else 0
    tail = statistics.median(backlog[-3:]) if backlog else 0
    return {
        "latency_p95_ms": round(p95, 1),
        "latency_median_ms": round(statistics.median(latencies), 1) if latencies else None,
        "keys": len(latencies),
        "backlog_growth": int(tail - head),
        "notify_per_s_fed": round(fed["notify"] / wall),
        "adv_per_s_fed": round(fed["adv"] / wall),
    }


def run(quick: bool) -> dict[str, object]:
    import os
    import tempfile

    os.environ.setdefault("BLEBENCH_HOME", tempfile.mkdtemp(prefix="blebench-bench-"))
    return {"tui_flood": asyncio.run(_run(3.0 if quick else 10.0))}


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    print(run("--quick" in sys.argv))

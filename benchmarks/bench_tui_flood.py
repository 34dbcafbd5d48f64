"""`tui_flood`: key press to screen update under a flood, and whether the UI keeps up.

The whole app (`make_app`, headless, 160x45) runs over a session that a load generator
feeds at the entries the backends use: notifications go to `Stream.push` (what a bleak
notify callback calls: `Stream.on_notify`), advertisements to the session's
`ingest_advertisement` (what the scanner callback calls, with the Bumble backend's
`RawAdvertisement` in `platform_data`), at 5,000 notifications/s (two streams, a UART flood and a heart rate)
plus 2,000 advertisements/s (200 devices). The virtual world through Bumble tops out near
3,000 notifications/s on 2 cores, so the generator feeds the session directly (issue 7).

While the flood runs, a key goes to the console's request field every 100 ms, as a
terminal's input thread would deliver it (`driver.send_message`), and the time to the
first screen update that shows the typed character is measured (`App._display` is where
a frame leaves the compositor). `backlog_growth` is how many more events wait unprocessed
at the end than after the warm-up: samples the Streams pane has not pulled, registry
reports the Scan pane has not taken, and messages queued in the app, screen and panes.

`tui_keys` (issue 11, item 7: goal p95 <= 100 ms for each) times four kinds of key under
the same flood, the same way (the key sent as the terminal's input thread sends it, to
the first frame that shows its effect), over a session linked to a virtual Thermo Probe
whose GATT tree is shown: `escape_p95_ms` (Escape out of the console's request field
until the focus has left it), `pane_switch_p95_ms` (1-4 in turn until that pane is the
one shown), `typing_p95_ms` (a letter into the request field until it is in the field;
the same figure as `tui_flood.latency_p95_ms`) and `tree_p95_ms` (Down/Up in the GATT
tree until the cursor is on the next line). The first keys of each kind are a warm-up and
not counted; a key not shown within 2 s counts as 2,000 ms and in `timeouts`.

The App is made as `blebench tui` makes it (`steady_gc=True`, ui/collector.py): CPython's
default collector ran a 100-180 ms full collection about every second under this flood.
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


def _p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


async def _run(keys_per_kind: int) -> dict[str, object]:
    from textual import events
    from textual.widgets import Input, TabbedContent

    from blebench.session.manager import SessionManager, SessionSettings
    from blebench.sim.catalogue.thermo_probe import ThermoProbe
    from blebench.ui.factory import make_app
    from blebench.ui.gatt import GattPane
    from blebench.ui.gatt.tree import GattTreeView
    from blebench.ui.settings import Settings

    session = await SessionManager.open(
        SessionSettings(sim=True, peripherals=(ThermoProbe(),), user_devices=False)
    )
    await session.start_scan()
    while not len(session.registry):
        await asyncio.sleep(0.01)
    await session.stop_scan()
    probe = next(iter(session.registry)).address
    uart = session.streams.open("F1:00:00:00:00:01", 0x0010, "6e400003-b5a3-f393-e0a9-e50e24dcca9e",
                                name="UART TX")
    heart = session.streams.open("F1:00:00:00:00:02", 0x0020, "00002a37-0000-1000-8000-00805f9b34fb",
                                 name="Heart Rate Measurement")
    frames = [bytes([0x55, 0xAA, 8, i & 0xFF, 0x40, *range(8), i & 0xFF]) for i in range(256)]
    beats = [bytes([0x16, 60 + i % 40, 0x20, 0x03]) for i in range(40)]
    adverts = _advertisements()

    app = make_app(Settings(), session, scan_on_start=False, steady_gc=True)
    latencies: dict[str, list[float]] = {"escape": [], "pane_switch": [], "typing": [], "tree": []}
    timeouts = dict.fromkeys(latencies, 0)
    backlog: list[int] = []
    fed = {"notify": 0, "adv": 0}
    async with app.run_test(headless=True, size=(160, 45)) as pilot:
        screen = app.screen
        gatt = screen.query_one(GattPane)
        await pilot.press("2")
        await gatt.connect(probe, lambda _step: None)
        gatt.show_connection(probe)
        tree = screen.query_one(GattTreeView)
        while not tree.root.children:
            await pilot.pause(0.05)
        tree.root.expand_all()
        await pilot.press("3")  # the Streams pane
        request = screen.query_one("#console-request", Input)
        tabs = screen.query_one("#panes", TabbedContent)

        # What the key under test must have done for a frame to count as showing it.
        pending: dict[str, Any] = {}
        original_display = app._display

        def display(screen: Any, renderable: Any) -> None:
            original_display(screen, renderable)
            if renderable is not None and "t0" in pending and pending["shown"]():
                pending["elapsed"] = (time.perf_counter() - pending.pop("t0")) * 1000

        app._display = display  # type: ignore[method-assign]
        stop = asyncio.Event()

        async def generate() -> None:
            started = time.perf_counter()
            detect = session.ingest_advertisement
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

        async def settle(condition: Any) -> None:
            for _ in range(200):
                if condition():
                    return
                await asyncio.sleep(0.01)

        async def one(kind: str, key: str, shown: Any, *, counted: bool) -> None:
            """Send `key` as the terminal would, wait for the frame that shows it."""
            await asyncio.sleep(KEY_EVERY_S)
            if counted:
                backlog.append(_backlog(app, session))
            pending.pop("elapsed", None)
            pending["shown"] = shown
            pending["t0"] = time.perf_counter()
            event = events.Key(key, key if len(key) == 1 else None)
            event.set_sender(app)
            driver = app._driver
            assert driver is not None
            driver.send_message(event)
            deadline = time.perf_counter() + 2.0
            while "elapsed" not in pending and time.perf_counter() < deadline:
                await asyncio.sleep(0.002)
            elapsed = pending.pop("elapsed", None)
            pending.pop("t0", None)
            if not counted:
                return
            if elapsed is None:
                timeouts[kind] += 1
                elapsed = 2000.0
            latencies[kind].append(elapsed)

        async def measure() -> None:
            warm = 3
            for i in range(warm + keys_per_kind):  # letters into the console's field
                counted = i >= warm
                if app.focused is not request:
                    request.focus()
                    await settle(lambda: app.focused is request)
                if len(request.value) > 60:
                    request.value = ""
                want = len(request.value) + 1
                await one("typing", "x", lambda want=want: len(request.value) >= want,
                          counted=counted)
            for i in range(warm + keys_per_kind):  # Escape out of that field
                request.focus()
                await settle(lambda: app.focused is request)
                await one("escape", "escape",
                          lambda: app.focused is not None and app.focused is not request,
                          counted=i >= warm)
            order = ("scan", "gatt", "streams", "security")
            for i in range(warm + keys_per_kind):  # 1-4 in turn
                target = order[(i + 1) % len(order)]
                digit = str(order.index(target) + 1)
                await one("pane_switch", digit, lambda target=target: tabs.active == target,
                          counted=i >= warm)
            await one("pane_switch", "2", lambda: tabs.active == "gatt", counted=False)
            tree.focus()
            await settle(lambda: app.focused is tree)
            tree.cursor_line = 1
            for i in range(warm + keys_per_kind):  # Down, Up in the GATT tree
                key = "down" if i % 2 == 0 else "up"
                want = tree.cursor_line + (1 if key == "down" else -1)
                await one("tree", key, lambda want=want: tree.cursor_line == want,
                          counted=i >= warm)
            stop.set()

        feeder = asyncio.create_task(generate())
        await asyncio.sleep(1.0)  # the flood builds up before the first key
        started = time.perf_counter()
        fed_before = dict(fed)
        await measure()
        await feeder
        wall = time.perf_counter() - started
        await asyncio.sleep(0.3)
        backlog.append(_backlog(app, session))
    await session.close()
    head = statistics.median(backlog[:3]) if backlog else 0
    tail = statistics.median(backlog[-3:]) if backlog else 0
    notify_rate = round((fed["notify"] - fed_before["notify"]) / wall)
    adv_rate = round((fed["adv"] - fed_before["adv"]) / wall)
    typing = latencies["typing"]
    keys: dict[str, object] = {}
    for kind, values in latencies.items():
        keys[f"{kind}_p95_ms"] = _p95(values)
        keys[f"{kind}_median_ms"] = _median(values)
    keys.update(keys_per_kind=keys_per_kind, timeouts=timeouts,
                notify_per_s_fed=notify_rate, adv_per_s_fed=adv_rate)
    return {
        "tui_flood": {
            "latency_p95_ms": _p95(typing),
            "latency_median_ms": _median(typing),
            "keys": len(typing),
            "backlog_growth": int(tail - head),
            "notify_per_s_fed": notify_rate,
            "adv_per_s_fed": adv_rate,
        },
        "tui_keys": keys,
    }


def run(quick: bool) -> dict[str, object]:
    import os
    import tempfile

    os.environ.setdefault("BLEBENCH_HOME", tempfile.mkdtemp(prefix="blebench-bench-"))
    import gc

    thresholds = gc.get_threshold()
    try:
        return asyncio.run(_run(12 if quick else 40))
    finally:
        # The App froze the objects of its start (steady_gc, as `blebench tui` does): the
        # benchmarks run after this one get the collector as it was.
        gc.unfreeze()
        gc.set_threshold(*thresholds)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    print(run("--quick" in sys.argv))

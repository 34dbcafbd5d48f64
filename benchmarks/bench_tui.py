"""TUI figures: `first_frame_s`, process start to the first frame drawn (goal <= 0.6 s),
and `first_device_s_tui`, process start to the first virtual device in the Scan list
(goal <= 1.5 s). Each run is a fresh process (`blebench`'s own path: make_app over an
opener that opens the virtual world after the first frame), headless, medians reported."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _child(what: str) -> None:
    import asyncio

    async def main() -> None:
        from blebench.session.manager import SessionManager, SessionSettings
        from blebench.ui.factory import make_app
        from blebench.ui.settings import load

        async def opener() -> SessionManager:
            return await SessionManager.open(SessionSettings(sim=True, user_devices=False))

        app = make_app(load(), opener)
        done = {"t": 0.0}

        def first_frame() -> None:
            done["t"] = time.time()
            app.exit()

        async def watch_devices() -> None:
            from blebench.ui.scan.table import DeviceTable

            while True:
                await asyncio.sleep(0.01)
                main = app.main_screen
                if main is None or not main.is_mounted:
                    continue
                tables = main.query(DeviceTable)
                if tables and len(tables.first().rows):
                    done["t"] = time.time()
                    app.exit()
                    return

        if what == "first_frame":
            app.call_after_refresh(first_frame)
            watcher = None
        else:
            watcher = asyncio.ensure_future(watch_devices())
        await app.run_async(headless=True, size=(160, 45))
        if watcher is not None:
            watcher.cancel()
        if app.session is not None:
            await app.session.close()
        print(f"{done['t']:.6f}")

    asyncio.run(main())


def _measure(what: str) -> float:
    env = dict(os.environ, BLEBENCH_HOME=tempfile.mkdtemp(prefix="blebench-bench-"))
    started = time.time()
    out = subprocess.run(
        [sys.executable, str(Path(__file__)), "--child", what],
        capture_output=True, text=True, env=env, timeout=60, check=True,
    )
    return float(out.stdout.strip().splitlines()[-1]) - started


def run(quick: bool) -> dict[str, object]:
    runs = 2 if quick else 5
    frames = [_measure("first_frame") for _ in range(runs)]
    devices = [_measure("first_device") for _ in range(runs)]
    return {
        "first_frame_s": round(statistics.median(frames), 3),
        "first_device_s_tui": round(statistics.median(devices), 3),
    }


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _child(sys.argv[2])
    else:
        print(run("--quick" in sys.argv))

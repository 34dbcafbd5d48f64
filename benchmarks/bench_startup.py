"""Startup figures of the headless path: `first_device_s`, process start to the first virtual
device reported by a scan (goal <= 1.5 s), and `first_device_in_process_s`, from the start
of `SessionManager.open` (imports done) to that device. Each run is a fresh process that
opens the virtual world (the catalogue) and scans through the Bumble backend exactly as
`blebench scan --sim` does; medians are reported."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = """
import asyncio, sys, time
started = time.time()

async def main() -> None:
    from blebench.session.manager import SessionManager, SessionSettings
    opened = time.time()
    session = await SessionManager.open(SessionSettings(sim=True, user_devices=False))
    await session.start_scan(active=True)
    while not len(session.registry):
        await asyncio.sleep(0.001)
    seen = time.time()
    print(f"{seen!r} {seen - opened!r}", flush=True)
    await session.close()

asyncio.run(main())
"""


def _one(env: dict[str, str]) -> tuple[float, float]:
    t0 = time.time()
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    seen, in_process = (float(x) for x in done.stdout.split())
    return seen - t0, in_process


def run(quick: bool) -> dict[str, object]:
    runs = 3 if quick else 7
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "BLEBENCH_HOME": home, "PYTHONPATH": str(HERE.parent)}
        _one(env)  # warm the file cache (bytecode, shared libraries)
        results = [_one(env) for _ in range(runs)]
    return {
        "first_device_s": round(statistics.median(r[0] for r in results), 3),
        "first_device_in_process_s": round(statistics.median(r[1] for r in results), 3),
    }


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))

"""Memory on a busy air and in a big virtual world, each measured in a fresh process:

- `rss_mb_100k_advertisers` (goal <= 100 MB): the peak RSS of a session scanning while
  100,000 distinct advertisers go by (sim/crowd.py: each a new private address, heard
  through the central's real controller, host and scanner). The registry keeps 2,048
  devices, and so do the scanner and Bumble's per-address accumulators.
- `rss_mb_5000_sim_devices`: the peak RSS of `blebench scan --sim-devices F` with 5,000
  user-defined devices (each a whole Bumble stack on the modelled link), scanning 3 s;
  with `sim_5000_devices_scan_s`, its wall time, and `sim_5000_devices_heard`.
- `advertisers_report_us`: CPU per advertising report on the crowd's path.

`--quick` runs 20,000 advertisers and 500 devices (the keys say so: `..._20k_...`).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

CROWD = """
import asyncio, json, resource, sys, time

async def main(count: int) -> None:
    from blebench.session.manager import SessionManager, SessionSettings
    from blebench.sim.crowd import Crowd

    settings = SessionSettings(sim=True, peripherals=(), user_devices=False)
    async with await SessionManager.open(settings) as session:
        await session.start_scan(active=False)
        assert session.world is not None
        crowd = Crowd(session.world.link)
        cpu = time.process_time()
        await crowd.advertise(count)
        while session.registry.reports < count:
            await asyncio.sleep(0.01)
        cpu = time.process_time() - cpu
        print(json.dumps({
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "report_us": cpu / count * 1e6,
            "registry": len(session.registry),
            "accumulators": len(session.radio.device.advertisement_accumulators),
        }))

asyncio.run(main(int(sys.argv[1])))
"""


def devices_file(path: Path, count: int) -> None:
    """`count` connectable devices, each with its own address and name."""
    lines = []
    for index in range(count):
        raw = (0xC0_00_00_00_00_00 + index).to_bytes(6, "big")
        address = ":".join(f"{b:02X}" for b in raw)
        name = f"dev{index}".encode()
        adv = "020106" + f"{len(name) + 1:02x}09" + name.hex()
        lines.append(f'[[device]]\nname = "dev{index}"\naddress = "{address}"\nadv = "{adv}"\n')
    path.write_text("\n".join(lines), encoding="utf-8")


def _crowd(count: int, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CROWD, str(count)],
        capture_output=True, text=True, env=env, timeout=900, check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _sim_devices(count: int, env: dict[str, str], folder: Path) -> tuple[float, float, int]:
    path = folder / f"devices-{count}.toml"
    devices_file(path, count)
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "blebench", "scan", "--sim-devices", str(path),
         "--duration", "3", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )
    out, _ = child.communicate(timeout=1800)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # only this child so far
    heard = sum(1 for line in out.splitlines() if line.strip())
    return usage.ru_maxrss / 1024, wall, heard


def run(quick: bool) -> dict[str, object]:
    advertisers = 20_000 if quick else 100_000
    devices = 500 if quick else 5_000
    a_key = "20k" if quick else "100k"
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "BLEBENCH_HOME": home, "PYTHONPATH": str(HERE.parent / "src")}
        # The devices run first: RUSAGE_CHILDREN's peak is then that child's alone.
        rss_devices, wall, heard = _sim_devices(devices, env, Path(home))
        crowd = _crowd(advertisers, env)
    return {
        f"rss_mb_{a_key}_advertisers": round(crowd["rss_mb"], 1),
        "advertisers_report_us": round(crowd["report_us"], 1),
        "advertisers_registry_size": int(crowd["registry"]),
        "advertisers_accumulators": int(crowd["accumulators"]),
        f"rss_mb_{devices}_sim_devices": round(rss_devices, 1),
        f"sim_{devices}_devices_scan_s": round(wall, 1),
        f"sim_{devices}_devices_heard": heard,
    }


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), indent=2))

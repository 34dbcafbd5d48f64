"""`blebench serve --sim [--hci tcp-server:127.0.0.1:PORT]`: the virtual world's central
controller over HCI, so any HCI host (blebench on another terminal, Bumble's apps, tests)
drives it like a dongle: `--transport tcp-client:127.0.0.1:PORT`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import Any

from blebench.commands.radio import error_line


def register(subparsers: Any, radio_parent: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "serve",
        parents=[radio_parent],
        help="serve the virtual world's controller over HCI (TCP) for other tools",
        description="Serve a central controller of the virtual world over an HCI byte "
        "stream until interrupted. Another program connects to it as to a dongle, e.g. "
        "`blebench scan --transport tcp-client:127.0.0.1:PORT`. The first line on stdout "
        "is the transport spec to connect with.",
    )
    parser.add_argument(
        "--hci",
        metavar="SPEC",
        default="tcp-server:127.0.0.1:0",
        help="where to serve: tcp-server:HOST:PORT (port 0: any free port, printed); "
        "default tcp-server:127.0.0.1:0",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "transport", None):
        return error_line("serve serves the virtual world: --transport is for its clients")
    if getattr(args, "backend", "auto") == "bleak":
        return error_line("serve runs the virtual world on Bumble, not --backend bleak")
    if getattr(args, "btsnoop", None):
        return error_line("serve has no host side to capture: use --btsnoop on the client")
    if not str(args.hci).startswith("tcp-server:"):
        return error_line(f"--hci {args.hci}: serve speaks tcp-server:HOST:PORT")
    return asyncio.run(serve(args))


async def serve(args: argparse.Namespace) -> int:
    from blebench.sim.userdevices import UserDevicesError, load_user_devices
    from blebench.sim.world import VirtualWorld, default_peripherals

    seed = int(getattr(args, "seed", 0) or 0)
    sim_devices = getattr(args, "sim_devices", None)
    try:
        extra = load_user_devices(Path(sim_devices) if sim_devices else None, seed=seed)
    except UserDevicesError as exc:
        return error_line(str(exc))
    world = VirtualWorld([*default_peripherals(seed), *extra], seed=seed)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await world.start()
        try:
            served = await world.serve_hci(args.hci)
        except OSError as exc:
            return error_line(f"--hci {args.hci}: {exc.strerror or exc}")
        except (OverflowError, ValueError):  # a port that is no number, or above 65535
            return error_line(f"--hci {args.hci}: the port must be a number 0-65535")
        print(served.spec, flush=True)
        print(
            f"serving {world.description} on {served.spec}; Ctrl-C stops",
            file=sys.stderr,
            flush=True,
        )
        await stop.wait()
    finally:
        await world.stop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
    return 0

"""`blebench peripheral FILE [--sim | --transport SPEC] [--device NAME] [--json]`: be the
peripheral. One device of a device file (the TOML `--sim-devices` reads) advertises and
serves its GATT database on a Bumble radio until Ctrl-C (or `--duration S`); what centrals
do to it is printed as it happens (one JSON object a line with `--json`) and logged.

`--sim` runs a virtual world of its own (the catalogue plus this device, which replaces a
catalogue device of the same name) and serves that world's central controller over TCP
HCI, as `blebench serve` does: the first line on stdout is the spec other programs connect
with (`blebench notify --transport tcp-client:127.0.0.1:PORT ...`). The OS stack (bleak)
has no peripheral role here: it is refused in words.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blebench.commands.radio import error_line, seconds
from blebench.errors import UserInputError

if TYPE_CHECKING:
    from blebench.sim.peripheral_events import PeripheralEvent
    from blebench.sim.userdevices import UserDefinedPeripheral

logger = logging.getLogger("blebench.peripheral")

NEEDS_BUMBLE = (
    "the peripheral role needs a Bumble radio: an HCI controller blebench drives itself "
    "(--transport usb:0 for a USB dongle such as a nRF52840 with the HCI USB firmware, "
    "--transport serial:/dev/ttyACM0,1000000 for a UART one, hci-socket:0 on Linux after "
    "`sudo hciconfig hci0 down`), or --sim for the virtual world. The OS stack (bleak) "
    "only gives blebench the central role"
)


def register(subparsers: Any, radio_parent: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "peripheral",
        parents=[radio_parent],
        help="be the peripheral: advertise and serve a device of a device file",
        description="Serve one device of FILE (the TOML of user-defined devices, README "
        "'User-defined virtual devices') on a Bumble radio until Ctrl-C: its advertising "
        "and scan response exactly as written, its GATT database and behaviours. Events "
        "(connections, reads, writes, subscriptions, pairing, disconnections) go to "
        "stdout. With --sim the first stdout line is the HCI spec other programs connect "
        "to the virtual world with.",
        epilog="examples:\n"
        "  blebench sim export \"Pulse HRM\" > hrm.toml\n"
        "  blebench peripheral hrm.toml --sim      # prints tcp-client:127.0.0.1:PORT\n"
        "  blebench notify --transport tcp-client:127.0.0.1:PORT \"Pulse HRM\" 2a37\n"
        "  blebench peripheral dev.toml --transport usb:0",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="the device file (TOML)")
    parser.add_argument("--device", metavar="NAME",
                        help="which device of FILE (its name, or a unique part); "
                        "needed when FILE has several")
    parser.add_argument("--hci", metavar="SPEC", default="tcp-server:127.0.0.1:0",
                        help="with --sim: where the world's central controller is served "
                        "(tcp-server:HOST:PORT, port 0 = any free, printed); "
                        "default tcp-server:127.0.0.1:0")
    parser.add_argument("--duration", metavar="S", type=seconds,
                        help="stop after S seconds (default: until Ctrl-C)")
    parser.add_argument("--json", action="store_true", help="one JSON object a line")
    parser.set_defaults(func=run)


def choose_device(devices: list[UserDefinedPeripheral], wanted: str | None,
                  file: str) -> UserDefinedPeripheral:
    """The device `--device` names (exact, case-insensitive, or a unique part)."""
    names = ", ".join(repr(d.name) for d in devices)
    if not devices:
        raise UserInputError(f"{file} has no [[device]]",
                             next_step="`blebench sim export \"Pulse HRM\"` writes one")
    if wanted is None:
        if len(devices) == 1:
            return devices[0]
        raise UserInputError(f"{file} has {len(devices)} devices: {names}",
                             next_step="choose one with --device NAME")
    lowered = wanted.casefold()
    exact = [d for d in devices if d.name.casefold() == lowered]
    found = exact or [d for d in devices if lowered in d.name.casefold()]
    if len(found) == 1:
        return found[0]
    what = "no device" if not found else f"{len(found)} devices"
    raise UserInputError(f"--device {wanted!r}: {what} of {file} match ({names})")


def run(args: argparse.Namespace) -> int:
    from blebench.commands.report import report_error
    from blebench.errors import BlebenchError

    if getattr(args, "sim_devices", None):
        return error_line("peripheral serves FILE; --sim-devices is for central commands")
    if getattr(args, "btsnoop", None):
        return error_line("peripheral has no --btsnoop yet: capture on the central's side")
    transport = getattr(args, "transport", None)
    if args.sim and transport:
        return error_line("choose --sim or --transport, not both")
    if getattr(args, "backend", "auto") == "bleak" or not (args.sim or transport):
        return error_line(NEEDS_BUMBLE)
    if args.sim and not str(args.hci).startswith("tcp-server:"):
        return error_line(f"--hci {args.hci}: the world is served as tcp-server:HOST:PORT")
    try:
        return asyncio.run(_serve(args))
    except BlebenchError as exc:
        return report_error(exc, bool(args.json))


async def _serve(args: argparse.Namespace) -> int:
    from blebench import paths
    from blebench.sim.served import serve_in_world, serve_on_hci
    from blebench.sim.userdevices import read_user_devices

    seed = int(getattr(args, "seed", 0) or 0)
    devices = read_user_devices(Path(args.file), seed=seed)
    peripheral = choose_device(devices, args.device, args.file)
    as_json = bool(args.json)

    def emit(event: PeripheralEvent) -> None:
        logger.info("%s", event.line())
        if as_json:
            print(json.dumps(event.to_json(), ensure_ascii=False), flush=True)
        else:
            print(event.line(), flush=True)

    peripheral.observer = emit
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)

    async def until() -> None:
        print("serving; Ctrl-C stops", file=sys.stderr, flush=True)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), args.duration)

    def on_served(spec: str) -> None:
        if as_json:
            print(json.dumps({"event": "serving", "hci": spec}), flush=True)
        else:
            print(spec, flush=True)

    try:
        if args.sim:
            await serve_in_world(peripheral, args.hci, emit, until, seed=seed,
                                 on_served=on_served)
        else:
            await serve_on_hci(peripheral, args.transport, emit, until,
                               bonds=paths.data_dir() / "peripheral-bonds.json")
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
    emit_stopped = {"event": "stopped", "device": peripheral.name}
    if as_json:
        print(json.dumps(emit_stopped), flush=True)
    else:
        print(f"stopped serving {peripheral.name}", file=sys.stderr, flush=True)
    return 0

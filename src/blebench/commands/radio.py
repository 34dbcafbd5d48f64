"""The radio options shared by the TUI and every subcommand that touches a radio, and the
session they open (`open_session`; `in_session` runs a command's body in it).

Session imports happen inside the functions: `blebench --help` never loads bleak or Bumble.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from blebench.session.manager import SessionManager, SessionSettings

SessionBody = Callable[["SessionManager"], Awaitable[int]]


def add_radio_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("radio")
    group.add_argument(
        "--sim",
        action="store_true",
        help="use the virtual world (real Bumble stacks on an in-process link)",
    )
    group.add_argument(
        "--sim-devices",
        metavar="FILE",
        help="TOML file of user-defined virtual devices (also read from the data dir)",
    )
    group.add_argument(
        "--transport",
        metavar="SPEC",
        help="a Bumble HCI transport: usb:0, serial:/dev/ttyACM0,1000000, hci-socket:0, "
        "tcp-client:HOST:PORT (implies --backend bumble)",
    )
    group.add_argument(
        "--backend",
        choices=("auto", "bleak", "bumble"),
        default="auto",
        help="auto: the OS adapter through bleak when there is one, else the virtual world",
    )
    group.add_argument(
        "--btsnoop",
        metavar="FILE",
        help="write a btsnoop capture of the HCI traffic (Bumble backend and virtual world)",
    )
    group.add_argument(
        "--seed",
        metavar="N",
        type=int,
        default=0,
        help="seed of the virtual world (addresses, RSSI noise, values): same seed, same world",
    )
    group.add_argument(
        "--sim-central",
        choices=("phone", "dongle"),
        default="phone",
        help="the virtual world's central controller: a phone stops each connection event "
        "after 6 packets, a dongle goes on while the interval allows (default: phone)",
    )


def settings_from_args(args: argparse.Namespace) -> SessionSettings:
    """The session settings the radio options of `args` name (what the CLI parsed; the
    session knows nothing of argparse)."""
    from blebench.session.manager import SessionSettings

    sim_devices = getattr(args, "sim_devices", None)
    btsnoop = getattr(args, "btsnoop", None)
    return SessionSettings(
        backend=getattr(args, "backend", "auto") or "auto",
        sim=bool(getattr(args, "sim", False)),
        transport=getattr(args, "transport", None),
        sim_devices=Path(sim_devices) if sim_devices else None,
        btsnoop=Path(btsnoop) if btsnoop else None,
        seed=int(getattr(args, "seed", 0) or 0),
        sim_central=getattr(args, "sim_central", None) or "phone",
    )


async def open_session(args: argparse.Namespace) -> SessionManager:
    """The session the radio options name. Says on stderr when the virtual world stands in
    for a missing adapter; raises `SessionError` (one line for the user) when it cannot."""
    from blebench.session.manager import SessionManager

    session = await SessionManager.open(settings_from_args(args))
    if session.radio_info.reason:
        print(session.radio_info.reason, file=sys.stderr)
    world_store = session.world.bond_store if session.world is not None else None
    for problem in [*session.bonds.problems, *(world_store.problems if world_store else [])]:
        print(f"blebench: warning: {problem.message}", file=sys.stderr)
    return session


async def in_session(args: argparse.Namespace, body: SessionBody) -> int:
    """Open the session the radio options name, run `body` in it and close it; the exit
    status is body's. A `BlebenchError` the body leaves (a `SessionError`: no radio, cannot
    scan; exit 2) ends in words, as a JSON error object with --json, and its exit code."""
    from blebench.commands.report import report_error
    from blebench.errors import BlebenchError

    as_json = bool(getattr(args, "json", False))
    try:
        session = await open_session(args)
    except BlebenchError as exc:
        return report_error(exc, as_json)
    try:
        return await body(session)
    except BlebenchError as exc:
        return report_error(exc, as_json)
    finally:
        await session.close()


MAX_SECONDS = 86400.0


def seconds(text: str) -> float:
    """argparse type of a timeout or a duration: a number of seconds above 0 (a day at
    most), so that `--timeout -1` is refused at once rather than meaning "never"."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= MAX_SECONDS:  # also refuses nan
        raise argparse.ArgumentTypeError(
            f"{text} s: give more than 0 and at most {MAX_SECONDS:g} seconds"
        )
    return value


def error_line(message: str) -> int:
    """Print a one-line error for the user; the exit status for a usage/setup error."""
    print(f"blebench: {message}", file=sys.stderr)
    return 2

"""The `blebench` command: the TUI when no subcommand is given, else a headless subcommand.

Each subcommand lives in `blebench/commands/<name>.py` and exposes
`register(subparsers, radio_parent) -> None`; adding one is that module and one entry in
`_MODULES`. The command modules are imported plainly (a broken one is an import error,
never a missing command); each keeps Textual, bleak and Bumble inside its `run`, so
`blebench decode` never pays for them.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence

from blebench import __version__
from blebench.commands import (
    bonds,
    console,
    decode,
    explain,
    gatt,
    hid,
    lab,
    link,
    matrix,
    notify,
    pair,
    peripheral,
    read,
    scan,
    serve,
    sim,
    throughput,
    write,
)
from blebench.commands.radio import add_radio_arguments
from blebench.commands.report import report_error
from blebench.errors import BlebenchError

# Order is the order shown in --help.
_MODULES = (
    scan,
    serve,
    peripheral,
    sim,
    gatt,
    read,
    write,
    notify,
    console,
    link,
    throughput,
    pair,
    bonds,
    matrix,
    lab,
    decode,
    hid,
    explain,
)
# The subcommands' names, as each module's name gives them.
COMMANDS: tuple[str, ...] = tuple(m.__name__.rpartition(".")[2] for m in _MODULES)


def build_parser() -> argparse.ArgumentParser:
    radio_parent = argparse.ArgumentParser(add_help=False)
    add_radio_arguments(radio_parent)
    parser = argparse.ArgumentParser(
        prog="blebench",
        description="A terminal workbench for Bluetooth Low Energy. "
        "Without a subcommand, starts the TUI.",
        parents=[radio_parent],
    )
    parser.add_argument("--version", action="version", version=f"blebench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _MODULES:
        module.register(sub, radio_parent)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
    except Exception as exc:  # noqa: BLE001 - a broken install: words, not a traceback
        return _report_unexpected(exc)
    args = parser.parse_args(argv)
    _refuse_unusable(parser, args)
    if sys.stdin is None:
        # Started with stdin closed (`<&-`): read it as empty (EOF), as with /dev/null.
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - for the process
    try:
        if args.command is None:
            from blebench.commands.tui import run_tui

            return run_tui(args)
        _log_to_file()
        result: int = args.func(args)
        return result
    except BlebenchError as exc:  # every error a user can act on: words, JSON, exit code
        return report_error(exc, bool(getattr(args, "json", False)))
    except KeyboardInterrupt:
        print("blebench: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `blebench decode ... | head`: the reader left; not an error of ours.
        sys.stderr.close()
        return 0
    except Exception as exc:  # noqa: BLE001 - the last line of defence: words, not a traceback
        return _report_unexpected(exc)


# Options whose text is a path or a transport spec: any bytes the system allows are kept.
_PATH_METAVARS = frozenset({"FILE", "F", "SPEC"})


def _refuse_unusable(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Every subcommand at once: a number that is NaN or infinite (`--duration nan` would
    run forever) and text that is not UTF-8 (bytes argv cannot decode, which no device
    name, value or filter can hold) are refused with argparse's usage error, exit 2."""
    chosen = parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and args.command in action.choices:
            chosen = action.choices[args.command]
    names = {}
    for action in chosen._actions:
        if action.metavar in _PATH_METAVARS:
            continue
        names[action.dest] = action.option_strings[0] if action.option_strings else str(
            action.metavar or action.dest
        )
    for dest, value in vars(args).items():
        if dest not in names:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, float) and not math.isfinite(item):
                chosen.error(f"argument {names[dest]}: {item} is not a finite number")
            if isinstance(item, str):
                bad = next((i for i, ch in enumerate(item) if "\udc80" <= ch <= "\udcff"), None)
                if bad is not None:
                    byte = ord(item[bad]) - 0xDC00
                    chosen.error(
                        f"argument {names[dest]}: not UTF-8 text (byte 0x{byte:02X} at "
                        f"position {bad + 1}); give the bytes as hex, or \\x{byte:02x} in --text"
                    )


def _log_to_file() -> None:
    """Headless commands: what blebench and Bumble log (warnings, and the tracebacks Bumble
    logs for a peer's malformed request) goes to the log file, never between the command's
    own lines on stderr. Left alone when the host program configured logging already."""
    import logging

    if logging.getLogger().handlers:
        return
    from blebench.commands.tui import setup_logging

    if setup_logging("WARNING") is None:
        logging.getLogger().addHandler(logging.NullHandler())


def _report_unexpected(exc: BaseException) -> int:
    """Say what failed in one line; the traceback goes to the log file for a bug report."""
    import traceback

    from blebench import paths

    where = paths.log_file()
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        with where.open("a", encoding="utf-8") as log:
            log.write("".join(traceback.format_exception(exc)))
        kept = f"details in {where}"
    except OSError:
        kept = "no log file could be written"
    reason = str(exc) or type(exc).__name__
    print(f"blebench: unexpected error: {type(exc).__name__}: {reason} ({kept})", file=sys.stderr)
    return 70  # EX_SOFTWARE

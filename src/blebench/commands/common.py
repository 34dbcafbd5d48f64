"""What the connected subcommands (gatt, read, write, notify, console, pair) share.

- `add_device_arguments`: DEVICE and `--timeout` (and `--json`);
- `run_connected(args, body)`: open the session the radio options name, connect to
  `args.device`, run `body(session, connection)`; every failure ends in words;
- `report_error(exc, as_json)`: one `BlebenchError` (or a plain ValueError from an option
  check) as words on stderr, a JSON error object on stdout with `--json`, and the exit code
  (1: the device or link failed, 2: bad input or setup), never a traceback;
- `report_stale_bond`, `repair_command`, `radio_flags`, `option_flags`: a bond the device
  forgot, with the exact command that pairs again as the first time;
- `summarize`, `describe_decoded`: decoded values as lines.

Session imports happen inside the functions: `blebench --help` never loads bleak or Bumble.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from blebench.commands.report import as_blebench_error, report_error
from blebench.decode.text import printable
from blebench.errors import BlebenchError

if TYPE_CHECKING:
    from blebench.pairing.models import Bond, PairingOptions
    from blebench.session.api import SessionApi
    from blebench.session.errors import StaleBondError
    from blebench.session.models import ConnectionInfo

__all__ = [
    "Body",
    "add_device_arguments",
    "as_blebench_error",
    "describe_decoded",
    "option_flags",
    "radio_flags",
    "repair_command",
    "report_error",
    "report_stale_bond",
    "run_connected",
    "summarize",
]

Body = Callable[["SessionApi", "ConnectionInfo"], Awaitable[int]]
"""A connected command's work: (the session, the connection made) -> the exit status."""


def add_device_arguments(parser: argparse.ArgumentParser, *, json_flag: bool = True) -> None:
    from blebench.commands.radio import seconds

    parser.add_argument("device", metavar="DEVICE", help="the device's name or address")
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=10.0,
        metavar="S",
        help="connect timeout in seconds (default 10; one retry for transient failures)",
    )
    if json_flag:
        parser.add_argument(
            "--json", action="store_true", help="JSON output (shapes documented in README)"
        )


def run_connected(args: argparse.Namespace, body: Body) -> int:
    """Open the session the radio options name, connect to `args.device`, run `body`."""
    return asyncio.run(_connected(args, body))


async def _connected(args: argparse.Namespace, body: Body) -> int:
    from blebench.commands.radio import in_session
    from blebench.session.errors import StaleBondError
    from blebench.session.manager import SessionManager

    async def connected(session: SessionManager) -> int:
        try:
            info = await session.connect(args.device, timeout=args.timeout)
            return await body(session, info)
        except StaleBondError as exc:  # says what happened and the exact command to re-pair
            return report_stale_bond(exc, args, session)
        except BlebenchError as exc:
            return report_error(exc, bool(getattr(args, "json", False)))

    return await in_session(args, connected)


# -- a stale bond, and the command that pairs again ----------------------------------------


def report_stale_bond(exc: StaleBondError, args: argparse.Namespace, session: SessionApi) -> int:
    """A connection found the bond stale: say what happened and how to re-pair; exit 1."""
    identity = exc.identity_address or exc.address
    bond = session.bond_for(identity)
    command = repair_command(args, bond)
    if getattr(args, "json", False):
        out = exc.to_json()
        out["repair_command"] = command
        print(json.dumps(out))
    print(f"blebench: error: {exc}", file=sys.stderr)
    print("  blebench still has its keys, so every encrypted link to it fails until the "
          "two sides pair again.", file=sys.stderr)
    print(f"next: pair again (deletes the stale bond first): {command}", file=sys.stderr)
    print("  If you did not reset the device, make sure it is yours: another device may "
          "be using its address.", file=sys.stderr)
    return 1


def _quote(text: str) -> str:
    return shlex.quote(text)


def radio_flags(args: argparse.Namespace) -> list[str]:
    """The radio options of this command line, to repeat them in a suggested command."""
    flags: list[str] = []
    if getattr(args, "sim", False):
        flags.append("--sim")
    transport = getattr(args, "transport", None)
    if transport:
        flags += ["--transport", _quote(transport)]
    elif getattr(args, "backend", "auto") not in (None, "auto"):
        flags += ["--backend", args.backend]
    if getattr(args, "sim_devices", None):
        flags += ["--sim-devices", _quote(str(args.sim_devices))]
    if getattr(args, "seed", 0):
        flags += ["--seed", str(int(args.seed))]
    return flags


def option_flags(options: PairingOptions) -> list[str]:
    from blebench.pairing.models import KEY_SIZE_MAX, KEY_SIZE_MIN

    flags = ["--io", options.io.value]
    flags += [flag for flag, on in (("--mitm", options.mitm), ("--sc", options.sc),
                                    ("--bond", options.bonding),
                                    ("--keypress", options.keypress)) if on]
    if options.min_key_size != KEY_SIZE_MIN:
        flags += ["--min-key-size", str(options.min_key_size)]
    if options.max_key_size != KEY_SIZE_MAX:
        flags += ["--max-key-size", str(options.max_key_size)]
    return flags


def _stored_options(bond: Bond) -> PairingOptions:
    from blebench.session.pairing import repair_options

    return repair_options(bond)


def repair_command(args: argparse.Namespace, bond: Bond | None) -> str:
    """The exact command that deletes the stale bond and pairs again as the first time."""
    words = ["blebench", "pair", *radio_flags(args), _quote(args.device), "--repair"]
    if bond is not None:
        words += option_flags(_stored_options(bond))
    return " ".join(words)


# -- decoded values as lines ---------------------------------------------------------------


def summarize(decoded: Any, limit: int = 160) -> str:
    """Decoded fields on one line: `heart_rate=72 bpm, contact=True`."""
    if decoded is None:
        return ""
    parts: list[str] = []

    def add(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            if "value" in value and set(value) <= {"value", "unit", "name", "text"}:
                unit = value.get("unit")
                parts.append(f"{prefix}={value['value']}{' ' + str(unit) if unit else ''}")
                return
            for key, sub in value.items():
                add(f"{prefix}.{key}" if prefix else str(key), sub)
            return
        if isinstance(value, list):
            parts.append(f"{prefix}=[{len(value)} items]")
            return
        parts.append(f"{prefix}={value}" if prefix else str(value))

    add("", decoded)
    return printable(", ".join(parts), limit)


def describe_decoded(decoded: Any) -> list[str]:
    """Lines for a decoded value: the decoder's summary (and error), and for a HID Report
    Map each report with its fields' usages."""
    if not isinstance(decoded, Mapping) or "summary" not in decoded:
        text = summarize(decoded)
        return [text] if text else []
    lines = [printable(str(decoded["summary"]))]
    if decoded.get("error"):
        lines.append(f"decode error: {printable(str(decoded['error']))}")
    report_map = decoded.get("report_map")
    if isinstance(report_map, Mapping):
        for report in report_map.get("reports", []):
            rid = "" if report.get("id") is None else f" #{report['id']}"
            lines.append(f"{report.get('kind')} report{rid}: {report.get('size_bits')} bits")
            for fld in report.get("fields", []):
                if fld.get("padding"):
                    continue
                lines.append(f"  {printable(_usage_words(fld), 150)}")
    return lines


def _usage_words(fld: Mapping[str, Any]) -> str:
    names = [str(u.get("name") or u.get("id")) for u in fld.get("usages", [])]
    names += [f"{r.get('min_name')}..{r.get('max_name')}" for r in fld.get("usage_ranges", [])]
    page = fld.get("usage_page_name") or fld.get("usage_page")
    count, size = fld.get("report_count"), fld.get("report_size")
    return f"{page}: {', '.join(names) or '-'} ({count} x {size} bits, {fld.get('flags_text')})"

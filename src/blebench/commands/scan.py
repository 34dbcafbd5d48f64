"""`blebench scan`: listen for a while, then one line per device heard.

With `--json`, one JSON object per device (README: "JSON output"); without it, a table.
A passive scan sends no scan requests, so it holds no scan responses.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import TYPE_CHECKING, Any

from blebench.commands.radio import in_session, seconds

if TYPE_CHECKING:
    from blebench.session.api import SessionApi


def register(subparsers: Any, radio_parent: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "scan",
        parents=[radio_parent],
        help="scan for advertising devices and list them",
        description="Scan for a while, then list every device heard: address and its type, "
        "RSSI, connectable, name, event types, and advertising data and scan response apart "
        "(decoded with --json). A passive scan sends no scan requests: no scan responses.",
    )
    parser.add_argument(
        "--duration",
        metavar="S",
        type=seconds,
        default=5.0,
        help="seconds to scan (default 5)",
    )
    parser.add_argument(
        "--passive",
        action="store_true",
        help="passive scan: listen only, no scan requests (so no scan responses)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per device")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return asyncio.run(scan(args))


async def scan(args: argparse.Namespace) -> int:
    return await in_session(args, lambda session: _scan(args, session))


async def _scan(args: argparse.Namespace, session: SessionApi) -> int:
    mode = "passive" if args.passive else "active"
    print(
        f"scanning {session.radio_info.description}, {mode}, {args.duration:g} s",
        file=sys.stderr,
    )
    await session.start_scan(active=not args.passive)
    interrupted = False
    try:
        # In short steps: a radio that goes away (its HCI server closed) ends the scan now.
        end = time.monotonic() + args.duration
        while session.radio_lost is None and (left := end - time.monotonic()) > 0:
            await asyncio.sleep(min(0.1, left))
    except asyncio.CancelledError:
        interrupted = True  # Ctrl-C: still show what was heard
    await session.stop_scan()
    _version, changed = session.devices_changed_since(0)
    records = sorted(changed, key=lambda r: r.first_seen)
    if args.json:
        wall_offset = time.time() - session.clock()  # wall - the session's monotonic clock
        for record in records:
            print(json.dumps(record.to_json(wall_offset)))
    else:
        print(format_table(records))
        reports = sum(record.count for record in records)
        print(f"{len(records)} device(s), {reports} report(s)", file=sys.stderr)
    if interrupted:
        print("blebench: interrupted: the list is what was heard until then", file=sys.stderr)
        return 130
    if session.radio_lost is not None:
        from blebench.commands.report import report_error
        from blebench.session.errors import RadioLostError

        return report_error(RadioLostError(
            f"the radio was lost: {session.radio_lost}; the list is what was heard until then",
            next_step="check the controller (the HCI server, the dongle), then run the scan again",
        ), bool(args.json))
    return 0


def format_table(records: list[Any]) -> str:
    """A plain table: one row per device; untrusted names are escaped, never interpreted."""
    from blebench.decode.text import printable

    header = ("ADDRESS", "TYPE", "RSSI", "CONN", "NAME", "EVENTS", "ADV", "SCAN RSP", "VENDOR")
    rows: list[tuple[str, ...]] = [header]
    for r in records:
        vendors: list[str] = []
        for payload in (r.adv, r.scan_response):
            if payload is not None:
                vendors.extend(v.format for v in payload.decoded.vendors)
        rows.append(
            (
                r.address,
                r.address_type,
                "" if r.rssi is None else str(r.rssi),
                {True: "yes", False: "no", None: "?"}[r.connectable],
                printable(r.name, 32) if r.name else "-",
                ",".join(sorted(r.event_types)),
                _size(r.adv),
                _size(r.scan_response),
                ",".join(str(v) for v in vendors) or "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _size(payload: Any) -> str:
    if payload is None:
        return "-"
    errors = payload.decoded.errors
    return f"{len(payload.raw)} B" + (f" ({errors} bad)" if errors else "")

"""`blebench read DEVICE CHAR`: read one value, raw and decoded."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from blebench.commands.common import add_device_arguments, describe_decoded, run_connected
from blebench.decode.names import short_uuid
from blebench.decode.text import printable

if TYPE_CHECKING:
    from blebench.session.api import SessionApi
    from blebench.session.models import ConnectionInfo


def register(subparsers: Any, radio_parent: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "read",
        parents=[radio_parent],
        help="read one characteristic (or descriptor) and decode it",
        description="Connect to DEVICE and read CHAR: a UUID (2a37, 0x2A37, 128-bit) or a "
        "handle (0x0010; a descriptor's handle reads the descriptor).",
    )
    add_device_arguments(parser)
    parser.add_argument("char", metavar="CHAR", help="UUID, short UUID (2a37) or handle (0x0010)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from blebench.session.models import check_target

    check_target(args.char)  # `zz` is refused before connecting (exit 2)
    return run_connected(args, lambda session, conn: _read(args, session, conn))


async def _read(args: argparse.Namespace, session: SessionApi, conn: ConnectionInfo) -> int:
    result = await session.read(conn.address, args.char)
    if args.json:
        print(json.dumps({"address": conn.address, **result.to_json()}))
        return 0
    data = result.data or b""
    label = printable(result.name or short_uuid(result.uuid))
    size = f"{len(data)} byte" + ("" if len(data) == 1 else "s")
    print(f"0x{result.handle:04X}  {short_uuid(result.uuid)}  {label}  ({size})")
    print(data.hex(" ") if data else "(empty)")
    for line in describe_decoded(result.decoded):
        print(line)
    return 0

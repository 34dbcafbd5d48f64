"""`blebench write DEVICE CHAR VALUE`: write hex, text, an integer or a float."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from blebench.commands.common import add_device_arguments, run_connected

if TYPE_CHECKING:
    from blebench.session.api import SessionApi
    from blebench.session.models import ConnectionInfo


def register(subparsers: Any, radio_parent: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "write",
        parents=[radio_parent],
        help="write a characteristic (or descriptor) from hex, text, an integer or a float",
        description="Connect to DEVICE and write VALUE to CHAR (a UUID, a short UUID like 2a39, "
        "or a handle like 0x0015). VALUE is hex by default (0a1b, '0a 1b', 0x0a1b); values "
        "longer than the MTU allows are written with the long-write procedure.",
    )
    add_device_arguments(parser)
    parser.add_argument("char", metavar="CHAR", help="UUID, short UUID or handle")
    # VALUE stays a required positional: an optional one would be taken (as nothing) before
    # options such as `--int 2` that come between CHAR and VALUE.
    parser.add_argument(
        "value",
        metavar="VALUE",
        help='the value (hex unless told otherwise); an empty VALUE is refused unless --empty',
    )
    parser.add_argument(
        "--empty",
        action="store_true",
        help='write zero bytes on purpose: blebench write DEVICE CHAR "" --empty',
    )
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument(
        "--hex", dest="kind", action="store_const", const="hex", help="VALUE is hex (default)"
    )
    kind.add_argument(
        "--text",
        dest="kind",
        action="store_const",
        const="text",
        help="VALUE is text, sent as UTF-8 (escapes: \\n \\r \\t \\0 \\\\ \\xHH)",
    )
    kind.add_argument(
        "--int",
        dest="int_width",
        type=int,
        metavar="W",
        help="VALUE is an integer of W bytes (1, 2, 3, 4, 8)",
    )
    kind.add_argument(
        "--float",
        dest="float_width",
        type=int,
        metavar="W",
        help="VALUE is a float of W bytes (2, 4, 8)",
    )
    parser.add_argument(
        "--big-endian",
        action="store_true",
        help="integers and floats big-endian (default little, as BLE)",
    )
    parser.add_argument(
        "--signed", action="store_true", help="encode the integer as signed even when positive"
    )
    parser.add_argument(
        "--no-response", action="store_true", help="write without response (a command)"
    )
    parser.set_defaults(func=run, kind=None)


NOTHING_TO_WRITE = "nothing to write: give a value, or `--empty` to send zero bytes on purpose"


def encode(args: argparse.Namespace) -> bytes:
    """VALUE as bytes; an empty VALUE (`""`, or hex that is only separators) is refused:
    a zero-length write is rarely meant, and some devices act on it."""
    from blebench.userinput import Endian, ValueParseError, parse_value

    if args.empty:
        if args.value.strip():
            raise ValueParseError('--empty writes zero bytes: give "" as VALUE with it')
        return b""
    if not args.value.strip():
        raise ValueParseError(NOTHING_TO_WRITE)
    endian: Endian = "big" if args.big_endian else "little"
    if args.int_width is not None:
        return parse_value(
            args.value, "int", width=args.int_width, endian=endian, signed=args.signed or None
        )
    if args.float_width is not None:
        return parse_value(args.value, "float", width=args.float_width, endian=endian)
    data = parse_value(args.value, args.kind or "hex")
    if not data:
        raise ValueParseError(NOTHING_TO_WRITE)
    return data


def run(args: argparse.Namespace) -> int:
    # Before connecting: a typo or an empty value costs no connection (a ValueParseError
    # ends the command in words, --json and exit 2: blebench.cli).
    from blebench.session.models import check_target

    check_target(args.char)
    data = encode(args)
    return run_connected(args, lambda session, conn: _write(args, session, conn, data))


async def _write(
    args: argparse.Namespace, session: SessionApi, conn: ConnectionInfo, data: bytes
) -> int:
    node = await session.write(conn.address, args.char, data, response=not args.no_response)
    if args.json:
        print(
            json.dumps(
                {
                    "address": conn.address,
                    "handle": node.handle,
                    "uuid": node.uuid,
                    "short_uuid": node.short_uuid,
                    "name": node.name,
                    "hex": data.hex(),
                    "length": len(data),
                    "response": not args.no_response,
                    "ok": True,
                }
            )
        )
        return 0
    how = "without response" if args.no_response else "with response"
    print(
        f"wrote {len(data)} bytes to 0x{node.handle:04X} {node.short_uuid} {node.label} ({how}): {data.hex(' ')}"
    )
    return 0

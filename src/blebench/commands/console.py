"""`blebench console DEVICE --write CHAR --notify CHAR`: request/response over two characteristics.

Each request waits for the first notification that matches it (`--match`: a prefix, a
sequence number echoed at an offset, a regex on the hex), with a timeout, while other
notifications keep flowing into the session's stream store: a flooding device (field
note 002) cannot swallow the reply or stall the prompt.

Interactive: type hex (or `text:...`) at the prompt; `:match SPEC`, `:timeout S`,
`:quit`. One-shot for scripts: `--send HEX` (repeatable), exit 0 when every request got
its reply, 1 when one timed out.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any

from blebench.commands.common import add_device_arguments, run_connected
from blebench.commands.radio import MAX_SECONDS, seconds

MAX_REQUEST_LINE = 64 * 1024  # characters of one request line read at a time

if TYPE_CHECKING:
    from blebench.session.api import SessionApi
    from blebench.session.console import ConsoleExchange, ReplyMatcher, RequestConsole
    from blebench.session.models import ConnectionInfo

HELP_LINES = (
    "type a request in hex (55aa0001...) or text:... ; commands:",
    "  :match SPEC [SPEC...]  reply matching (prefix:HEX, seq:OFFSET[:WIDTH[:REQ_OFFSET]], "
    "seq:OFFSET=HEX, re:REGEX; none = any)",
    "  :timeout S             seconds to wait for a reply",
    "  :quit                  leave (Ctrl-D too)",
)


def register(subparsers: Any, radio_parent: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "console",
        parents=[radio_parent],
        help="request/response console: write a request, wait for the matching notification",
        description="Connect to DEVICE, subscribe to --notify and write requests to --write; "
        "each request waits for the first notification that matches it while unrelated "
        "traffic keeps flowing. Interactive without --send.",
    )
    add_device_arguments(parser)
    parser.add_argument(
        "--write", required=True, metavar="CHAR", help="characteristic to write requests to"
    )
    parser.add_argument(
        "--notify", required=True, metavar="CHAR", help="characteristic the replies come from"
    )
    parser.add_argument(
        "--match",
        "--expect",
        dest="match",
        action="append",
        default=[],
        metavar="SPEC",
        help="how a reply is recognised (all must hold): prefix:HEX, seq:OFFSET[:WIDTH[:REQ_OFFSET]] "
        "(the request's sequence number echoed), seq:OFFSET=HEX, re:REGEX on the hex",
    )
    parser.add_argument(
        "--send",
        action="append",
        default=[],
        metavar="HEX",
        help="one-shot: send this request (repeatable) and exit",
    )
    parser.add_argument(
        "--text", action="store_true", help="--send values are text (UTF-8, escapes like \\r\\n)"
    )
    parser.add_argument(
        "--reply-timeout",
        type=seconds,
        default=2.0,
        metavar="S",
        help="seconds to wait for each reply (default 2)",
    )
    parser.add_argument(
        "--no-response", action="store_true", help="write requests without response"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from blebench.session.console import ReplyMatcher
    from blebench.userinput import parse_value

    # Before connecting: a typo costs no connection (a UserInputError ends the command in
    # words, --json and exit 2: blebench.cli).
    matcher = ReplyMatcher.parse(args.match)
    requests = [parse_value(v, "text" if args.text else "hex") for v in args.send]
    return run_connected(
        args, lambda session, conn: _console(args, session, conn, matcher, requests)
    )


async def _console(
    args: argparse.Namespace,
    session: SessionApi,
    conn: ConnectionInfo,
    matcher: ReplyMatcher,
    requests: list[bytes],
) -> int:
    console = await session.open_console(
        conn.address, args.write, args.notify, response=False if args.no_response else None
    )
    try:
        if requests:
            return await _one_shot(args, console, matcher, requests)
        return await _interactive(args, console, matcher)
    finally:
        console.close()


async def _one_shot(
    args: argparse.Namespace, console: RequestConsole, matcher: ReplyMatcher, requests: list[bytes]
) -> int:
    status = 0
    for request in requests:
        exchange = await console.request(request, matcher, timeout=args.reply_timeout)
        _show(exchange, args.json)
        if not exchange.ok:
            status = 1
    return status


def _show(exchange: ConsoleExchange, as_json: bool) -> None:
    if as_json:
        print(json.dumps(exchange.to_json()), flush=True)
        return
    print(f"> {exchange.request.hex(' ')}")
    if exchange.reply is None:
        print(
            f"  no reply matching {exchange.matcher} within {exchange.elapsed_ms / 1000:.2f} s "
            f"({exchange.unrelated} other notification(s) meanwhile)",
            file=sys.stderr,
        )
        print(
            "  next: check the request bytes and the --match rule; a longer --reply-timeout "
            "if the device is slow",
            file=sys.stderr,
        )
    else:
        print(
            f"< {exchange.reply.data.hex(' ')}  ({exchange.elapsed_ms:.1f} ms, "
            f"{exchange.unrelated} other notification(s) skipped)",
            flush=True,
        )


async def _interactive(
    args: argparse.Namespace, console: RequestConsole, matcher: ReplyMatcher
) -> int:
    from blebench.session.console import ReplyMatcher
    from blebench.userinput import parse_value

    loop = asyncio.get_running_loop()
    timeout = args.reply_timeout
    if sys.stdin.isatty():
        for line in HELP_LINES:
            print(line, file=sys.stderr)
    while True:
        if sys.stdin.isatty():
            print(f"[{matcher.describe()}] > ", end="", file=sys.stderr, flush=True)
        # Bounded: a request is at most 512 bytes (about 1.5 KB of hex); stdin from
        # /dev/zero must not be read into one endless line.
        line = await loop.run_in_executor(None, sys.stdin.readline, MAX_REQUEST_LINE)
        if not line:
            return 0
        text = line.strip()
        if not text:
            continue
        try:
            if text in (":quit", ":q", ":exit"):
                return 0
            if text.startswith(":match"):
                matcher = ReplyMatcher.parse(text.split()[1:])
                print(f"matching: {matcher.describe()}", file=sys.stderr)
                continue
            if text.startswith(":timeout"):
                parts = text.split()
                given = parts[1] if len(parts) == 2 else ""
                try:  # the --reply-timeout rule: above 0, a day at most (no nan, no inf)
                    timeout = seconds(given)
                except argparse.ArgumentTypeError:
                    raise ValueError(
                        f":timeout needs a positive number of seconds, at most {MAX_SECONDS:g} "
                        f"(not {given!r})"
                    ) from None
                continue
            if text.startswith(":"):
                raise ValueError(f"unknown command {text.split()[0]!r}; " + HELP_LINES[0])
            if text.startswith("text:"):
                request = parse_value(text[5:], "text")
            else:
                request = parse_value(text, "text" if args.text else "hex")
        except ValueError as exc:  # a typo (UserInputError) or a bad :command: say it, go on
            print(f"error: {exc}", file=sys.stderr)
            continue
        exchange = await console.request(request, matcher, timeout=timeout)
        _show(exchange, args.json)

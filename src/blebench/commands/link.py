"""`blebench link DEVICE`: change the connection's parameters, PHY, data length and ATT MTU,
and say what the controller and the peer settled on (session/link.py).

Values out of the Core spec's range are refused before anything is sent (exit 2); a
refusal by the controller or the peer is said in words with its HCI status (exit 1); on
the OS stack, where bleak exposes none of these controls, each is "not available" with why.

`--peer-requests accept|refuse` says how a peripheral's own requests (L2CAP Connection
Parameter Update) are answered; `--watch S` keeps the link S seconds and prints each request
of the peer, and its outcome, as it comes.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import TYPE_CHECKING, Any

from blebench.commands.common import add_device_arguments, report_error
from blebench.errors import UserInputError

if TYPE_CHECKING:
    from blebench.session.link import LinkReport, LinkRequest
    from blebench.session.manager import SessionManager

_RANGES = """\
ranges (Core spec 5.4):
  --interval-ms   7.5 to 4000 ms in 1.25 ms steps; MIN..MAX lets the controller choose
  --latency       0 to 499 connection events the peripheral may skip
  --timeout-ms    100 to 32000 ms in 10 ms steps, and above (1 + latency) x interval x 2
                  (left out: kept when still valid, else 4 s or the smallest above that)
  --phy           1m, 2m, coded-s2 (500 kb/s), coded-s8 (125 kb/s); TX,RX for two
  --data-length   27 to 251 octets of LL payload (what this side sends; the peer says its own)
  --mtu           23 to 517 (ATT exchanges it once, at connect: asked for then)
  --peer-requests accept (default) or refuse a peripheral's L2CAP Connection Parameter
                  Update Request; a PHY or data length update the peer starts is settled
                  by the controllers (the host is not asked) and shown
  --watch         0 to 3600 s: keep the link and print the peer's requests as they come

examples:
  blebench link --sim "Pulse HRM" --phy 2m --data-length 251 --mtu 247 --interval-ms 15
  blebench link --sim "UART Bridge" --interval-ms 7.5..15 --latency 0 --timeout-ms 2000 --json
  blebench link --sim-devices my.toml "My Tag" --peer-requests refuse --watch 2
"""


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what}: not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{what}: not a number: {text!r}")
    return value


def interval_range(text: str) -> tuple[float, float]:
    """`15` or `7.5..15` (milliseconds)."""
    low, sep, high = text.partition("..")
    first = _number(low.strip(), "--interval-ms")
    second = _number(high.strip(), "--interval-ms") if sep else first
    return first, second


def whole(text: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def phy_pair(text: str) -> tuple[str, str]:
    from blebench.sim.airtime import Phy

    parts = [p.strip() for p in text.split(",")]
    if len(parts) > 2 or not all(parts):
        raise argparse.ArgumentTypeError(f"--phy: one PHY, or TX,RX: {text!r}")
    try:
        phys = [Phy.parse(p).value for p in parts]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return phys[0], phys[-1]


def register(subparsers: Any, radio_parent: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "link",
        parents=[radio_parent],
        help="change the connection interval, latency, timeout, PHY, data length and MTU",
        description="Connect to DEVICE, request each change given and report what the "
        "controller and the peer settled on (Connection Update Complete, PHY Update "
        "Complete, Data Length Change, ATT MTU), refusals in words. With no change "
        "given, the link as it is.",
        epilog=_RANGES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_device_arguments(parser)
    parser.add_argument("--interval-ms", type=interval_range, metavar="MIN[..MAX]")
    parser.add_argument("--latency", type=whole, metavar="N")
    parser.add_argument("--timeout-ms", type=lambda t: _number(t, "--timeout-ms"), metavar="T")
    parser.add_argument("--phy", type=phy_pair, metavar="PHY[,RX]")
    parser.add_argument("--data-length", type=whole, metavar="N")
    parser.add_argument("--mtu", type=whole, metavar="N")
    parser.add_argument(
        "--peer-requests",
        choices=("accept", "refuse"),
        default="accept",
        help="answer a peripheral's connection parameter requests (default: accept)",
    )
    parser.add_argument("--watch", type=watch_seconds, default=0.0, metavar="S")
    parser.set_defaults(func=run)


def watch_seconds(text: str) -> float:
    value = _number(text, "--watch")
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"--watch: 0 to 3600 seconds, not {text!r}")
    return value


def request_of(args: argparse.Namespace) -> LinkRequest:
    from blebench.session.link import LinkRequest

    low, high = args.interval_ms if args.interval_ms else (None, None)
    tx, rx = args.phy if args.phy else (None, None)
    return LinkRequest(
        interval_min_ms=low,
        interval_max_ms=high,
        latency=args.latency,
        timeout_ms=args.timeout_ms,
        tx_phy=tx,
        rx_phy=rx,
        data_length=args.data_length,
        mtu=args.mtu,
    )


def run(args: argparse.Namespace) -> int:
    import asyncio

    from blebench.session.link import check_request

    try:
        request = check_request(request_of(args))  # refused before any radio opens
    except UserInputError as exc:
        return report_error(exc, args.json)
    return asyncio.run(_run(args, request))


async def _run(args: argparse.Namespace, request: LinkRequest) -> int:
    from blebench.commands.radio import in_session

    async def body(session: SessionManager) -> int:
        if request.mtu is not None:
            session.prefer_mtu(request.mtu)
        answered = session.answer_peer_requests(args.peer_requests)
        if not answered and args.peer_requests == "refuse" and not args.json:
            print(
                "peer requests: not available: the OS stack answers a peripheral's requests itself"
            )
        info = await session.connect(args.device, timeout=args.timeout)
        report = await session.change_link(info.address, request)
        name = info.name or info.address
        if not args.json:
            print_report(report, name, link=not args.watch)
        if args.watch:
            report = await _watch(session, info.address, request, report, args)
            if not args.json:
                print(f"{printable(name)}: {_link_line(report.link)}")
        if args.json:
            print(json.dumps(report.to_json()))
        return 0 if report.ok else 1

    return await in_session(args, body)


async def _watch(
    session: SessionManager,
    address: str,
    request: LinkRequest,
    report: LinkReport,
    args: argparse.Namespace,
) -> LinkReport:
    """Keep the link `args.watch` seconds; each peer event printed once, as it comes (the
    ones before the watch were printed with the report)."""
    import asyncio

    loop = asyncio.get_running_loop()
    shown = len(report.peer_events)
    end = loop.time() + args.watch
    while True:
        events = session.peer_link_events(address)
        if not args.json:
            for event in events[shown:]:
                print(f"peer: {event.words}")  # blebench's own words: numbers only
        shown = len(events)
        if loop.time() >= end:
            break
        await asyncio.sleep(min(0.1, max(end - loop.time(), 0.0)))
    report.peer_events = events
    report.link = session.link_state(address) or report.link
    return report


def printable(text: str) -> str:
    from blebench.decode.text import printable as literal

    return literal(text)


def _link_line(link: dict[str, Any]) -> str:
    if "interval_ms" not in link:
        return f"MTU {link.get('mtu')} (the OS stack says no more of the link)"
    return (
        f"interval {link['interval_ms']:g} ms, latency {link['latency']}, timeout "
        f"{link['supervision_timeout_ms']:g} ms, PHY tx {link['tx_phy']} / rx {link['rx_phy']}, "
        f"data length {link['tx_octets']} out / {link['rx_octets']} in, MTU {link['mtu']}"
    )


def print_report(report: LinkReport, name: str, *, link: bool = True) -> None:
    marks = {"settled": "ok", "unchanged": "=", "refused": "REFUSED", "no_answer": "NO ANSWER"}
    # In the order they happened: what the peer did before the changes, then the changes.
    for event in report.peer_events:
        if event.at < report.started:
            print(f"peer: {event.words}")
    for step in report.steps:
        mark = marks.get(step.status, "not available")
        print(f"{step.name.replace('_', ' ')}: {mark}: {step.words}")
    for event in report.peer_events:
        if event.at >= report.started:
            print(f"peer: {event.words}")
    if link:
        print(f"{printable(name)}: {_link_line(report.link)}")

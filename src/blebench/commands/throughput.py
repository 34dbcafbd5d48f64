"""`blebench throughput DEVICE [CHAR]`: load the link and measure what it carries: bytes/s,
values/s, values per connection interval, latency and loss, with the link's parameters and
what the Core spec's timing gives for them beside (session/throughput.py).

The link can be set first with the same options as `blebench link` (interval, latency,
timeout, PHY, data length, MTU), so one command compares two settings.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import TYPE_CHECKING, Any

from blebench.commands.common import add_device_arguments, report_error
from blebench.commands.link import interval_range, phy_pair, print_report, request_of, whole
from blebench.commands.radio import seconds
from blebench.errors import UserInputError

if TYPE_CHECKING:
    from blebench.session.link import LinkRequest
    from blebench.session.manager import SessionManager
    from blebench.session.throughput import ThroughputPlan, ThroughputResult

_EPILOG = """\
examples:
  blebench throughput --sim "UART Bridge" --mode notify --interval-ms 7.5 --phy 2m --data-length 251
  blebench throughput --sim "UART Bridge" --mode notify --interval-ms 50 --phy 1m --data-length 27
  blebench throughput --sim "UART Bridge" --mode write-without-response --mtu 247 --json

Against a UART Bridge (Nordic UART Service) notify turns its chatty mode on at 5,000
frames/s for the test (loss: gaps in the frames' SEQ); the write modes send ECHO frames
(latency: the round trip of each). The spec figure uses the virtual world's central limit
of 6 packets a connection event with --sim, no limit otherwise.
"""


def register(subparsers: Any, radio_parent: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "throughput",
        parents=[radio_parent],
        help="measure what the link carries: bytes/s, values/s, per interval, latency, loss",
        description="Connect to DEVICE, set the link if asked, then load it for --duration "
        "seconds: notifications from CHAR (default: the first that notifies), or writes "
        "without response / writes of --size bytes to CHAR.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_device_arguments(parser)
    parser.add_argument(
        "char", metavar="CHAR", nargs="?", help="the characteristic (UUID or handle)"
    )
    parser.add_argument(
        "--mode", choices=("notify", "write-without-response", "write"), default="notify"
    )
    parser.add_argument("--size", type=whole, metavar="N", help="value bytes for the write modes")
    parser.add_argument("--duration", type=seconds, default=3.0, metavar="S", help="default 3")
    parser.add_argument("--interval-ms", type=interval_range, metavar="MIN[..MAX]")
    parser.add_argument("--latency", type=whole, metavar="N")
    parser.add_argument("--timeout-ms", type=float, metavar="T")
    parser.add_argument("--phy", type=phy_pair, metavar="PHY[,RX]")
    parser.add_argument("--data-length", type=whole, metavar="N")
    parser.add_argument("--mtu", type=whole, metavar="N")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from blebench.session.link import check_request
    from blebench.session.throughput import ThroughputPlan
    from blebench.sim.air_link import DEFAULT_LINK_MODEL

    try:
        request = check_request(request_of(args))
        if args.size is not None and not 1 <= args.size <= 512:
            raise UserInputError(f"--size {args.size}: a value is 1 to 512 bytes")
    except UserInputError as exc:
        return report_error(exc, args.json)
    plan = ThroughputPlan(
        mode=args.mode,
        target=args.char,
        size=args.size,
        duration_s=args.duration,
        packets_per_event=DEFAULT_LINK_MODEL.packets_per_event if args.sim else None,
    )
    return asyncio.run(_run(args, request, plan))


async def _run(args: argparse.Namespace, request: LinkRequest, plan: ThroughputPlan) -> int:
    from blebench.commands.radio import in_session

    async def body(session: SessionManager) -> int:
        if request.mtu is not None:
            session.prefer_mtu(request.mtu)
        info = await session.connect(args.device, timeout=args.timeout)
        link_report = None
        if not request.empty:
            link_report = await session.change_link(info.address, request)
            if not args.json:
                print_report(link_report, info.name or info.address)
        run_plan = plan
        if session.world is not None:  # the world knows both controllers' limits
            found, limit = session.world.link_packets_per_event(info.address)
            if found:
                run_plan = dataclasses.replace(plan, packets_per_event=limit)
        result = await session.throughput(info.address, run_plan)
        if args.json:
            out = result.to_json()
            out["address"] = info.address
            out["link_changes"] = [s.to_json() for s in link_report.steps] if link_report else []
            print(json.dumps(out))
        else:
            print_result(result)
        return 0

    return await in_session(args, body)


def print_result(result: ThroughputResult) -> None:
    link = result.link
    print(
        f"{result.mode} on {result.characteristic}: {result.values_per_s:.1f} values/s, "
        f"{result.bytes_per_s:.0f} bytes/s over {result.duration_s:.2f} s "
        f"({result.values} values, {result.bytes} bytes)"
    )
    per = result.per_interval
    print(
        f"per interval ({per['interval_ms'] or 10:g} ms): mean {per['mean']:g}, max {per['max']}, "
        f"histogram {per['histogram']}"
    )
    if result.latency_ms:
        lat = result.latency_ms
        print(
            f"latency ms: min {lat['min']:g}, median {lat['median']:g}, p95 {lat['p95']:g}, "
            f"max {lat['max']:g} ({result.latency_kind})"
        )
    if result.loss:
        print(f"loss: {result.loss['lost']} of {result.loss['of']} ({result.loss['how']})")
    if "interval_ms" in link:
        print(
            f"link: interval {link['interval_ms']:g} ms, latency {link['latency']}, PHY tx "
            f"{link['tx_phy']} / rx {link['rx_phy']}, data length {link['tx_octets']} out / "
            f"{link['rx_octets']} in, MTU {link['mtu']}"
        )
    if result.spec:
        spec = result.spec
        limit = spec["packets_per_event"]
        print(
            f"spec: {spec['pdus_per_event']} PDUs an event of {spec['pdu_octets']} octets "
            f"({spec['pdu_us']:g} us each, {spec['exchange_us']:g} us an exchange"
            f"{f', at most {limit} an event' if limit else ''}) -> {spec['values_per_s']:g} "
            f"values/s, {spec['bytes_per_s']:g} bytes/s; measured "
            f"{result.values_per_s / float(spec['values_per_s']):.0%} of it"
        )
    for note in result.notes:
        print(f"note: {note}")

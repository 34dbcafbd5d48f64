"""`blebench gatt DEVICE [--read] [--json]`: connect, walk the GATT database, read what is readable.

The helpers every connected subcommand shares (connecting, errors in words and an exit
status, decoded values as lines) are in blebench.commands.common.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from blebench.commands.common import (
    add_device_arguments,
    describe_decoded,
    report_error,
    run_connected,
    summarize,
)
from blebench.decode.text import printable

if TYPE_CHECKING:
    from blebench.session.api import SessionApi
    from blebench.session.models import ConnectionInfo, GattNode, ReadResult

# Moved to commands/common.py; importable from here for one release.
__all__ = ["add_device_arguments", "describe_decoded", "register", "report_error", "run",
           "run_connected", "summarize"]


# -- gatt ----------------------------------------------------------------------------------


def register(subparsers: Any, radio_parent: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "gatt",
        parents=[radio_parent],
        help="connect and show a device's GATT database (with --read, every value)",
        description="Connect to DEVICE (a name or an address) and print its services, "
        "characteristics and descriptors with handles, UUIDs, names and properties. "
        "With --read, every readable value is read and decoded; a value that fails shows "
        "its error in words.",
    )
    add_device_arguments(parser)
    parser.add_argument("--read", action="store_true", help="read and decode every value")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_connected(args, lambda session, conn: _gatt(args, session, conn))


async def _gatt(args: argparse.Namespace, session: SessionApi, conn: ConnectionInfo) -> int:
    from blebench.session.decoding import lost_during

    tree = await session.discover(conn.address)
    results: dict[int, ReadResult] = {}
    lost: ReadResult | None = None
    if args.read:
        walked = await session.read_all(conn.address, keep_partial=True)
        results = {r.handle: r for r in walked}
        lost = lost_during(walked)
    info = session.connection(conn.address) or conn  # as it is now, after the reads
    if args.json:
        out = {
            "address": conn.address,
            "name": conn.name,
            "connection": info.to_json(),
            "mtu": tree.mtu,
            "services": [_node_json(s, results, args.read) for s in tree.services],
        }
        if lost is not None:
            out["connection_lost"] = {"handle": lost.handle, **(lost.error or {})}
        print(json.dumps(out, indent=2))
        return 1 if lost is not None else 0
    head = f"{printable(conn.name or '')} ({conn.address})" if conn.name else conn.address
    print(f"{head}  MTU {info.mtu}  {_link_words(info)}")
    for service in tree.services:
        print(f"service     0x{service.handle:04X}  {service.short_uuid:<8}  {service.label}")
        for char in service.children:
            props = ",".join(char.properties)
            print(f"  char      0x{char.handle:04X}  {char.short_uuid:<8}  {char.label}  [{props}]")
            _print_value(results.get(char.handle), "    ")
            for desc in char.children:
                print(f"    desc    0x{desc.handle:04X}  {desc.short_uuid:<8}  {desc.label}")
                _print_value(results.get(desc.handle), "      ")
    if lost is not None:
        print(
            f"blebench: the link was lost while reading 0x{lost.handle:04X}; "
            "the values after it were not read",
            file=sys.stderr,
        )
        return 1
    return 0


def _link_words(info: Any) -> str:
    parts = []
    if info.tx_phy:
        parts.append(info.tx_phy)
    if info.interval_ms is not None:
        parts.append(f"interval {info.interval_ms:g} ms, latency {info.latency}")
        parts.append(f"supervision timeout {info.supervision_timeout_ms:g} ms")
    if info.encrypted is not None:
        parts.append("encrypted" if info.encrypted else "not encrypted")
    return ", ".join(parts)


def _print_value(result: ReadResult | None, indent: str) -> None:
    if result is None:
        return
    if result.error is not None:
        code = result.error.get("code") or {}
        domain = str(code.get("domain") or "att").upper()
        words = f"{code.get('name')} ({domain} {code.get('hex')})" if code else result.error["message"]
        print(f"{indent}! {words}")
        if result.error.get("next_step"):
            print(f"{indent}  next: {result.error['next_step']}")
        return
    data = result.data or b""
    shown = data[:32].hex(" ") + (" …" if len(data) > 32 else "")
    size = f"{len(data)} byte" + ("" if len(data) == 1 else "s")
    print(f"{indent}= {shown}  ({size})")
    for line in describe_decoded(result.decoded):
        print(f"{indent}  {line}")


def _node_json(node: GattNode, results: Mapping[int, ReadResult], read: bool) -> dict[str, Any]:
    out = node.to_json()
    if node.kind != "service" and read:
        result = results.get(node.handle)
        out["value"] = None if result is None else _value_json(result)
    children = [_node_json(c, results, read) for c in node.children]
    if node.kind == "service":
        out["characteristics"] = children
    elif node.kind == "characteristic":
        out["descriptors"] = children
    return out


def _value_json(result: ReadResult) -> dict[str, Any]:
    full = result.to_json()
    return {k: full[k] for k in ("hex", "length", "decoded", "error")}

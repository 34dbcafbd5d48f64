"""`blebench gatt DEVICE [--read] [--json]`: connect, walk the GATT database, read what is readable.

Also home of what the connected subcommands (gatt, read, write, notify, console, pair)
share: connecting by name or address in the session `radio.in_session` opens, turning
failures into words and an exit status (1: the device or link failed, 2: bad input),
never a traceback, and decoded values shown as lines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from blebench.decode.text import printable

if TYPE_CHECKING:
    from blebench.session.connections import DeviceConnection
    from blebench.session.gatt import GattNode, ReadResult
    from blebench.session.manager import SessionManager

Body = Callable[["SessionManager", "DeviceConnection"], Awaitable[int]]


# -- shared by the connected subcommands -------------------------------------------------


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


def report_error(exc: BaseException, as_json: bool) -> int:
    """Print a failure in words (stderr) and, with --json, as an object (stdout); the exit
    status: 1 for a device or link failure, 2 for bad input."""
    from blebench.session.connections import DeviceError

    if isinstance(exc, DeviceError):
        print(f"blebench: {exc.describe()}", file=sys.stderr)
        if as_json:
            print(json.dumps(exc.to_json()))
        return 1
    message = str(exc)
    print(f"blebench: error: {message}", file=sys.stderr)
    if as_json:
        print(
            json.dumps({"error": "bad_input", "message": message, "code": None, "next_step": None})
        )
    return 2


def run_connected(args: argparse.Namespace, body: Body) -> int:
    """Open the session the radio options name, connect to `args.device`, run `body`."""
    return asyncio.run(_connected(args, body))


async def _connected(args: argparse.Namespace, body: Body) -> int:
    from blebench.commands.pair import report_stale_bond
    from blebench.commands.radio import in_session
    from blebench.session.connections import DeviceError, StaleBondError
    from blebench.session.console import MatchSpecError
    from blebench.session.gatt import TargetError, ValueParseError
    from blebench.session.streams import FilterError

    async def connected(session: SessionManager) -> int:
        try:
            conn = await session.connections.connect(args.device, timeout=args.timeout)
            return await body(session, conn)
        except StaleBondError as exc:  # says what happened and the exact command to re-pair
            return report_stale_bond(exc, args, session)
        except (DeviceError, TargetError, ValueParseError, MatchSpecError, FilterError) as exc:
            return report_error(exc, bool(getattr(args, "json", False)))

    return await in_session(args, connected)


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
    return run_connected(args, lambda session, conn: _gatt(args, conn))


async def _gatt(args: argparse.Namespace, conn: DeviceConnection) -> int:
    from blebench.session import gatt

    tree = await gatt.discover(conn)
    results: dict[int, ReadResult] = {}
    lost: ReadResult | None = None
    if args.read:
        walked = await gatt.read_all(conn, keep_partial=True)
        results = {r.handle: r for r in walked}
        lost = gatt.lost_during(walked)
    if args.json:
        out = {
            "address": conn.address,
            "name": conn.name,
            "connection": conn.info().to_json(),
            "mtu": tree.mtu,
            "services": [_node_json(s, results, args.read) for s in tree.services],
        }
        if lost is not None:
            out["connection_lost"] = {"handle": lost.handle, **(lost.error or {})}
        print(json.dumps(out, indent=2))
        return 1 if lost is not None else 0
    info = conn.info()
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

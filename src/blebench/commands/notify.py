"""`blebench notify DEVICE CHAR...`: subscribe and print one line per notification.

Notifications go into the session's stream store (bounded ring buffers); this command
pulls batches every 50 ms and prints them, so a flood never turns into one print call per
callback and memory stays bounded however long it runs. The decoded fields are the store's,
as in the TUI's Streams log and its exports: a keyboard's input report shows its keys
(blebench.session.hid).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import sys
import time
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

from blebench.commands.common import add_device_arguments, report_error, run_connected, summarize
from blebench.commands.radio import seconds
from blebench.decode.text import printable

if TYPE_CHECKING:
    from blebench.session.api import SessionApi
    from blebench.session.models import ConnectionInfo

PULL_INTERVAL_S = 0.05


def register(subparsers: Any, radio_parent: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "notify",
        parents=[radio_parent],
        help="subscribe to notifications/indications and print them as they come",
        description="Connect to DEVICE, subscribe to each CHAR (UUID, short UUID or handle) "
        "and print one line per notification: timestamp, handle, UUID, hex and decoded "
        "fields. Stops after --count notifications or --duration seconds (else Ctrl-C).",
    )
    add_device_arguments(parser, json_flag=False)
    parser.add_argument("chars", metavar="CHAR", nargs="+", help="characteristics to subscribe to")
    parser.add_argument("--count", type=int, metavar="N", help="stop after N notifications")
    parser.add_argument("--duration", type=seconds, metavar="S", help="stop after S seconds")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="JSON Lines: one object per notification")
    fmt.add_argument("--csv", action="store_true", help="CSV with a header row")
    parser.add_argument("--out", metavar="FILE", help="write the lines to FILE instead of stdout")
    parser.add_argument(
        "--indicate", action="store_true", help="ask for indications where both are offered"
    )
    parser.add_argument(
        "--filter",
        metavar="SPEC",
        help="print only matching notifications: prefix:HEX, re:REGEX or FIELD OP VALUE "
        "(e.g. heart_rate>100)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from blebench.decode.names import normalize_uuid, uuid_name
    from blebench.session.errors import FilterError, TargetError
    from blebench.session.filters import SampleFilter, check_fields
    from blebench.session.models import _as_handle, _could_be_uuid, check_target

    if args.count is not None and args.count < 1:
        return report_error(ValueError("--count must be at least 1"), args.json)
    try:
        for spec in args.chars:  # before connecting: a typo costs no connection
            check_target(spec)
        args.sample_filter = SampleFilter.parse(args.filter) if args.filter else None
        for spec in args.chars:
            if _as_handle(spec) is None and _could_be_uuid(spec):
                name = uuid_name(normalize_uuid(spec))
                check_fields(args.sample_filter, spec, f"{spec} ({name})" if name else spec)
    except (FilterError, TargetError) as exc:
        return report_error(exc, args.json)
    out: IO[str] = sys.stdout
    if args.out:
        # Opened before connecting: a typo in the path costs no connection.
        try:
            out = open(args.out, "w", encoding="utf-8", newline="")  # noqa: SIM115
        except OSError as exc:
            return report_error(
                ValueError(f"--out {args.out}: cannot write: {exc.strerror or exc}"), args.json
            )
    try:
        return run_connected(args, lambda session, info: _notify(args, session, info, out))
    finally:
        if out is not sys.stdout:
            out.close()


async def _notify(
    args: argparse.Namespace, session: SessionApi, info: ConnectionInfo, out: IO[str]
) -> int:
    from blebench.session import export
    from blebench.session.filters import check_fields, known_fields

    address = info.address
    store = session.streams
    cursor = store.cursor_now()
    streams = [
        await session.subscribe(address, spec, indicate=args.indicate) for spec in args.chars
    ]
    for stream in streams:  # a CHAR given by handle: its fields are known now
        label = f"{printable(stream.name or stream.uuid)} (0x{stream.handle:04X})"
        check_fields(args.sample_filter, stream.uuid, label)
    ids = [s.stream_id for s in streams]
    csv_writer = None
    if args.csv:
        # Every field the decoders know gets a column, also one the first frame lacks.
        known = {name for s in streams for name in known_fields(s.uuid) or ()}
        csv_writer = export.CsvSampleWriter(out, known=known)
    printed = 0
    missed = 0
    deadline = time.monotonic() + args.duration if args.duration else None
    if not args.json and not args.csv and sys.stderr.isatty():
        names = ", ".join(f"{printable(s.name or s.uuid)} (0x{s.handle:04X})" for s in streams)
        print(f"subscribed to {names}; Ctrl-C stops", file=sys.stderr)
    try:
        while True:
            batch = session.pull_streams(cursor, stream_ids=ids, sample_filter=args.sample_filter)
            cursor = batch.cursor
            missed += batch.missed_total
            for sample in batch.samples:
                record = export.record(store, sample)
                if args.json:
                    out.write(json.dumps(record, separators=(",", ":")) + "\n")
                elif csv_writer is not None:
                    csv_writer.write(record)
                else:
                    own = store.stream_decoder(sample.stream_id) is not None
                    out.write(_text_line(record, own_decoder=own) + "\n")
                printed += 1
                if args.count is not None and printed >= args.count:
                    break
            out.flush()
            if args.count is not None and printed >= args.count:
                break
            if deadline is not None and time.monotonic() >= deadline:
                break
            session.check_link(address, "the notification stream")
            await asyncio.sleep(PULL_INTERVAL_S)
    finally:
        if csv_writer is not None:
            csv_writer.finish()  # the header, also when nothing came
        for spec in args.chars:
            with contextlib.suppress(Exception):
                await session.unsubscribe(address, spec)
    if missed:
        print(
            f"blebench: {missed} notification(s) were dropped from the buffer before printing",
            file=sys.stderr,
        )
    if args.out:
        print(f"{printed} notification(s) written to {args.out}", file=sys.stderr)
    return 0


@functools.lru_cache(maxsize=1024)
def _summary(uuid: str, data: bytes) -> str:
    """The decoder's one-line summary ("64 bpm, contact, RR 0.971 s"), once per payload."""
    from blebench.session.decoding import decode_fields

    decoded = decode_fields(uuid, data)
    if not isinstance(decoded, dict) or decoded.get("kind") in (None, "generic"):
        return ""
    return printable(str(decoded.get("summary", "")))


def _text_line(record: dict[str, Any], *, own_decoder: bool = False) -> str:
    """`12:00:01.250  0x0010  2a37  0648  72 bpm, contact`. A stream with its own decoder
    (a keyboard's keys) shows its fields, not the UUID decoder's summary."""
    stamp = datetime.fromtimestamp(record["t_wall_ms"] / 1000).strftime("%H:%M:%S.%f")[:-3]
    uuid = record["uuid"]
    short = uuid[4:8] if uuid.endswith("-0000-1000-8000-00805f9b34fb") else uuid
    summary = "" if own_decoder else _summary(uuid, bytes.fromhex(record["hex"]))
    decoded = summary or summarize(record["decoded"])
    fields = record.get("decoded")
    if summary and isinstance(fields, dict) and fields.get("error"):
        # A malformed frame says so beside what could be decoded.
        decoded += f"  ✗ {printable(str(fields['error']), 120)}"
    line = f"{stamp}  0x{record['handle']:04X}  {short}  {record['hex']}"
    return f"{line}  {decoded}" if decoded else line

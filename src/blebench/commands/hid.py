"""`blebench hid`: parse a HID report descriptor (a HID-over-GATT Report Map) and decode
input reports against it."""

from __future__ import annotations

import argparse
import json
import re
import sys

from blebench.decode.hid import (
    HidReport,
    InputReportValue,
    ReportMap,
    decode_input_report,
    flags_text,
    parse_report_map,
)
from blebench.decode.hid_usages import usage_name
from blebench.errors import UserInputError
from blebench.userinput import ValueParseError, read_capped, read_hex, size_text

_EPILOG = """\
input:
  HEX               the descriptor as hex ("05 01 09 06 ...", colons, commas, 0x prefixes allowed)
  --file F          a binary file, or hex text with '#' comments; '-' reads stdin

examples:
  blebench hid 05010906a101...c0
  blebench hid --file report_map.bin --json
  blebench hid --file kbd.hex --report 1:0000040000000000
"""

# A report map is at most 64 KiB (a USB HID descriptor's length is 16 bits; a HID over
# GATT Report Map is far smaller); as commented hex text, a file may be larger.
MAX_REPORT_MAP = 64 * 1024
MAX_FILE = 1024 * 1024

# Hex text: whitespace, ':', ',', '-' separators and 0x prefixes; '#' and '//' comments.
_COMMENT = re.compile(r"(#|//)[^\n]*")
_SEPARATORS = re.compile(r"[\s:,;\-]+")


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    radio_parent: argparse.ArgumentParser,
) -> None:
    # Pure decoding, no radio: radio_parent is deliberately not used.
    parser = subparsers.add_parser(
        "hid",
        help="parse a HID report descriptor (Report Map) and decode input reports",
        description="Parse a HID report descriptor: its items, the input/output/feature "
        "reports it defines (sizes exclude the report-id byte) and their fields.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("hex", nargs="*", metavar="HEX", help="descriptor bytes as hex")
    parser.add_argument("--file", metavar="F", help="binary or hex-text file; '-' for stdin")
    parser.add_argument(
        "--report",
        action="append",
        default=[],
        metavar="ID:HEX",
        help="decode an input report against the map (repeatable); ID is the report id "
        "(decimal or 0x hex) or omitted ('-:HEX' or just HEX) to read it from the first "
        "byte when the map numbers its reports",
    )
    parser.add_argument(
        "--items",
        action="store_true",
        help="with --report, print the item listing and report table too (without "
        "--report they are always printed)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


class InputError(UserInputError):
    pass


def parse_hex_text(text: str) -> bytes:
    """Hex with separators, 0x prefixes and comments; InputError naming the bad token.

    A descriptor dump's grammar on top of the one hex reader (`userinput.read_hex`, per
    token): `#` and `//` comments, `;` separators, and one-digit bytes ("0x5, 0x1") in a
    list of several."""
    cleaned = _COMMENT.sub(" ", text)
    tokens = [t for t in _SEPARATORS.split(cleaned) if t]
    out = bytearray()
    for token in tokens:
        t = token[2:] if token.lower().startswith("0x") else token
        if len(t) == 1 and len(tokens) > 1:
            t = "0" + t
        try:
            out += read_hex(t)
        except ValueParseError:
            raise InputError(f"not hex: {token[:40]!r}") from None
    return bytes(out)


def load_descriptor(args: argparse.Namespace) -> bytes:
    if args.file and args.hex:
        raise InputError("give the descriptor as HEX or with --file, not both")
    if args.file:
        what = (
            f"a report map is at most {size_text(MAX_REPORT_MAP)} "
            f"({size_text(MAX_FILE)} as commented hex text)"
        )
        try:
            raw = read_capped(args.file, MAX_FILE, what)
        except UserInputError as exc:
            raise InputError(str(exc)) from None
        return _capped(_bytes_or_hex(raw), args.file)
    if not args.hex:
        raise InputError("give the descriptor as HEX or with --file F")
    return _capped(parse_hex_text(" ".join(args.hex)), "the descriptor")


def _capped(data: bytes, source: str) -> bytes:
    if len(data) > MAX_REPORT_MAP:
        name = "stdin" if source == "-" else source
        raise InputError(
            f"{name} holds {len(data)} bytes: a report map is at most "
            f"{size_text(MAX_REPORT_MAP)} ({MAX_REPORT_MAP} bytes)"
        )
    return data


def _bytes_or_hex(raw: bytes) -> bytes:
    # A file of hex text is ASCII made only of hex digits, separators and comments; a
    # binary descriptor (it starts with an item prefix like 0x05) is taken as is.
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return raw
    if not text.strip() or any(ord(c) < 9 or 13 < ord(c) < 32 for c in text):
        return raw
    try:
        return parse_hex_text(text)
    except InputError:
        return raw


def parse_report_arg(text: str) -> tuple[int | None, bytes]:
    rid: int | None = None
    body = text
    if ":" in text:
        head, _, rest = text.partition(":")
        head = head.strip()
        if head in ("", "-"):
            body = rest
        else:
            try:
                rid = int(head, 16) if head.lower().startswith("0x") else int(head, 10)
            except ValueError:
                # Colons inside the hex itself ("01:02:03"): no id given.
                rid, body = None, text
            else:
                body = rest
                if not 0 <= rid <= 255:
                    raise InputError(f"report id {rid} is out of range 0..255")
    return rid, parse_hex_text(body)


def run(args: argparse.Namespace) -> int:
    try:
        data = load_descriptor(args)
        reports = [parse_report_arg(r) for r in args.report]
    except InputError as exc:
        print(f"blebench hid: {exc}", file=sys.stderr)
        return 2
    report_map = parse_report_map(data)
    decoded = [decode_input_report(report_map, rid, body) for rid, body in reports]
    if args.json:
        out = report_map.to_json()
        if decoded:
            out["decoded"] = [d.to_json() for d in decoded]
        print(json.dumps(out))
    else:
        if reports and not args.items:
            # Decoding reports one after another: the map's one-line summary, not its
            # whole listing again each time.
            print(f"{len(data)} bytes, {len(report_map.items)} items: {report_map.summary()}"
                  " (--items lists them)")
        else:
            print(render_text(report_map, len(data)))
        for (_, body), value in zip(reports, decoded, strict=True):
            print()
            print(f"report {body.hex(' ')}:")
            print(render_input(value))
    if implausible(report_map):
        print(
            f"blebench hid: this does not look like a HID report descriptor: "
            f"{len(report_map.errors)} of {len(report_map.items)} items are invalid "
            f"(the first at offset {report_map.errors[0].offset}: {report_map.errors[0].message})",
            file=sys.stderr,
        )
        return 1
    return 1 if report_map.errors and not report_map.reports else 0


def implausible(report_map: ReportMap) -> bool:
    """Mostly invalid items: the bytes are something else (a file given by mistake)."""
    errors = len(report_map.errors)
    return errors >= 3 and errors * 4 >= len(report_map.items)


def render_text(report_map: ReportMap, length: int) -> str:
    lines = [f"{length} bytes, {len(report_map.items)} items: {report_map.summary()}", ""]
    for item in report_map.items:
        raw = item.raw.hex(" ")
        text = f" ({item.text})" if item.text else ""
        quiet = item.text or item.value is None or item.tag in ("End Collection", "Push", "Pop")
        value = "" if quiet else f" ({item.value})"
        lines.append(f"{item.offset:5d}  {raw:<15} {'  ' * item.depth}{item.tag}{text}{value}")
    if report_map.errors:
        lines.append("")
        for err in report_map.errors:
            lines.append(f"error at offset {err.offset}: {err.message}")
    lines.append("")
    lines.append(f"{'kind':<8} {'id':>4} {'bits':>6} {'bytes':>6}  fields")
    for report in report_map.reports:
        lines.extend(_report_rows(report))
    return "\n".join(lines)


def _report_rows(report: HidReport) -> list[str]:
    rid = "-" if report.report_id is None else str(report.report_id)
    rows = [f"{report.kind:<8} {rid:>4} {report.size_bits:>6} {report.size_bytes:>6}"]
    for f in report.fields:
        if f.padding:
            what = "padding"
        else:
            names = []
            for page, first, last in f.usage_spans[:6]:
                a = usage_name(page, first) or f"0x{first:02X}"
                if first == last:
                    names.append(a)
                else:
                    b = usage_name(page, last) or f"0x{last:02X}"
                    names.append(f"{a}..{b}")
            if len(f.usage_spans) > 6:
                names.append("...")
            what = ", ".join(names)
        span = f"bit {f.bit_offset}: {f.report_count} x {f.report_size}"
        rng = f"[{f.logical_min}..{f.logical_max}]"
        rows.append(f"{'':<28}{span:<20} {rng:<14} {flags_text(f.flags)}  {what}")
    return rows


def render_input(value: InputReportValue) -> str:
    lines = []
    if value.error:
        lines.append(f"  error: {value.error}")
    for v in value.values + value.selected:
        lines.append(f"  {v.name}: {v.value}")
    if value.keys:
        lines.append(f"  keys: {' + '.join(value.keys)}")
    if value.text:
        lines.append(f"  text: {value.text!r}")
    return "\n".join(lines) if lines else "  (no data)"

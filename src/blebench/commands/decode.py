"""`blebench decode`: advertising payloads (or whole HCI LE Advertising Report events) in,
decoded AD structures and vendor formats out, one line per input line, streaming.

Imports only `blebench.decode` (bleak's and Bumble's tables load on first use): no radio,
no Textual, no Bumble stack.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Iterator
from typing import IO, Any

from blebench.decode.address import address_bytes
from blebench.decode.hci_event import (
    NotAnAdvertisingReport,
    looks_like_event,
    parse_advertising_event,
)
from blebench.decode.payload import (
    DecodedPayload,
    decode_payload,
    decode_payload_uncached,
    vendors_json,
)
from blebench.errors import UserInputError
from blebench.userinput import read_hex, size_text

MAX_ECHO = 200  # characters of a bad input line echoed back in its error


def register(subparsers: Any, radio_parent: argparse.ArgumentParser) -> None:
    # No radio here: radio_parent is deliberately not used.
    parser = subparsers.add_parser(
        "decode",
        help="decode advertising data (hex) or HCI LE Advertising Report events",
        description="Decode advertising payloads given as hex: as arguments, or one per line "
        "on stdin (spaces and colons allowed). A whole HCI LE (Extended) Advertising Report "
        "event (04 3e ...) is accepted and its data extracted. One output line per input, "
        "in order; a line that is not hex gets an error line and the rest still decode.",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument(
        "--bthome-key",
        metavar="HEX",
        type=_bind_key,
        help="BTHome bind key (32 hex digits) to decrypt encrypted BTHome payloads",
    )
    parser.add_argument(
        "--address",
        metavar="ADDR",
        type=_address,
        help="the advertiser's address (AA:BB:CC:DD:EE:FF), needed with --bthome-key "
        "when the input is not an HCI event (which carries the address itself)",
    )
    parser.add_argument("payloads", nargs="*", metavar="HEX", help="payloads; stdin when none")
    parser.set_defaults(func=run)


def _bind_key(text: str) -> bytes:
    try:
        key = read_hex(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if len(key) != 16:
        raise argparse.ArgumentTypeError(f"a bind key is 16 bytes (32 hex digits), got {len(key)}")
    return key


def _address(text: str) -> bytes:
    try:
        return address_bytes(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_hex_line(line: str) -> bytes:
    """The bytes of one input line (`blebench.userinput.read_hex`: separators and a
    leading 0x allowed). Raises ValueError (ValueParseError) with the reason otherwise."""
    return read_hex(line)


def _decode(data: bytes, mac: bytes | None, key: bytes | None) -> DecodedPayload:
    if key is not None:
        return decode_payload_uncached(data, mac=mac, bthome_key=key)
    return decode_payload(data)


def decode_line(line: str, number: int, mac: bytes | None, key: bytes | None) -> dict[str, Any]:
    """The JSON object for one input line (never raises for any text)."""
    try:
        raw = parse_hex_line(line)
    except ValueError as exc:
        return {"input_line": number, "error": str(exc), "input": line.strip()[:MAX_ECHO]}
    if looks_like_event(raw):
        try:
            reports = parse_advertising_event(raw)
        except NotAnAdvertisingReport as exc:
            return {
                "input_line": number,
                "error": f"HCI event: {exc}",
                "input": raw.hex()[:MAX_ECHO],
            }
        items = []
        for report in reports:
            decoded = _decode(report.data, mac or report.address, key)
            items.append(
                {
                    "event": report.event,
                    "adv": decoded.to_json(),
                    "vendors": vendors_json(decoded, None),
                }
            )
        out: dict[str, Any] = {"input_line": number, **items[0]}
        if len(items) > 1:
            out["reports"] = items
        return out
    decoded = _decode(raw, mac, key)
    return {"input_line": number, "adv": decoded.to_json(), "vendors": vendors_json(decoded, None)}


def safe_text(text: str) -> str:
    """Text from the air made safe for a terminal: control, format (bidi overrides) and
    line-separator characters are shown as escapes."""
    if text.isprintable():
        return text
    return "".join(
        c
        if c.isprintable() or c == " "
        else f"\\u{ord(c):04x}"
        if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Co", "Cn", "Cs")
        else c
        for c in text
    )


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return '"' + safe_text(value).replace('"', '\\"') + '"'
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_value_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value_text(v) for v in value) + "]"
    if value is None:
        return "-"
    return str(value)


def _fields_text(obj: dict[str, Any], skip: tuple[str, ...]) -> str:
    return " ".join(f"{k}={_value_text(v)}" for k, v in obj.items() if k not in skip)


def render_text(result: dict[str, Any]) -> str:
    """One readable line (no markup: plain text with escaped untrusted strings)."""
    head = f"#{result['input_line']}"
    if "error" in result:
        return f"{head} error: {safe_text(result['error'])} (input {_value_text(result['input'])})"
    parts = [head]
    event = result.get("event")
    if event is not None:
        parts.append(f"event: {_fields_text(event, ())}")
    adv = result["adv"]
    if not adv["structures"]:
        parts.append("no AD structures")
    for s in adv["structures"]:
        where = f"@{s['offset']}"
        if "type" in s:
            where += f" {s['type_name']} (0x{s['type']:02x})"
        text = _fields_text(s, ("type", "type_name", "offset", "data", "error"))
        if "error" in s:
            parts.append(f"{where} ERROR {safe_text(s['error'])} data={s['data']}")
        else:
            parts.append(f"{where} {text or 'data=' + s['data']}".rstrip())
    for v in result["vendors"]:
        parts.append(f"[{v['format']}] {_fields_text(v, ('format', 'source'))}")
    return " | ".join(parts)


def _inputs(args: argparse.Namespace, stdin: IO[bytes]) -> Iterator[str]:
    if args.payloads:
        yield from args.payloads
        return
    # Bytes, decoded leniently: a stray non-UTF-8 byte on stdin is an error for its line
    # only, never a crash of the whole run.
    for number, raw_line in enumerate(iter(lambda: stdin.readline(MAX_LINE + 1), b""), 1):
        if len(raw_line) > MAX_LINE:  # /dev/zero has no newline: never read it whole
            raise UserInputError(
                f"line {number} of stdin is longer than {size_text(MAX_LINE)}: "
                f"a payload line is at most {size_text(MAX_LINE)}"
            )
        yield raw_line.decode("utf-8", "replace")


# A payload line is short (an extended report's hex is under 4 KiB); a long one is allowed,
# an endless one (stdin from /dev/zero) is not.
MAX_LINE = 16 * 1024 * 1024


def run(args: argparse.Namespace) -> int:
    out = sys.stdout
    key: bytes | None = args.bthome_key
    mac: bytes | None = args.address
    if not args.payloads and sys.stdin.isatty():
        print("blebench decode: reading payloads from stdin, one hex line each "
              "(Ctrl-D ends; or give them as arguments)", file=sys.stderr)
    decoded = 0
    for number, line in enumerate(_inputs(args, sys.stdin.buffer), start=1):
        decoded += 1  # a blank line is an empty payload: one output line per input line
        result = decode_line(line, number, mac, key)
        if args.json:
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
        else:
            out.write(render_text(result) + "\n")
        out.flush()
    if not decoded:
        print(
            "blebench decode: nothing to decode: give HEX payloads as arguments, "
            "or one per line on stdin (e.g. blebench decode 0201061aff4c000215...)",
            file=sys.stderr,
        )
        return 2
    return 0

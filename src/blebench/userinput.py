"""What a user types, read into bytes: one reader for hex, one grammar for text with
escapes, integers and floats of a chosen width and order. Pure (no stack, no Textual).

Every face reads typed values here: `blebench write` / `console` (`--text` included), the
TUI's value editor and request console, the session's `--match` specs, device files. A
typo is an error in words (`ValueParseError`, a `UserInputError`), never a guess.
"""

from __future__ import annotations

import math
import string
import struct
from typing import IO, Literal

from blebench.errors import UserInputError

__all__ = [
    "FLOAT_WIDTHS",
    "HEX_SEPARATORS",
    "INT_WIDTHS",
    "MAX_ATTRIBUTE_LEN",
    "Endian",
    "ValueKind",
    "ValueParseError",
    "parse_text",
    "parse_value",
    "read_capped",
    "read_hex",
    "size_text",
]

ValueKind = Literal["hex", "text", "int", "float"]
Endian = Literal["little", "big"]

MAX_ATTRIBUTE_LEN = 512  # ATT: no attribute value is longer
# Dropped between hex digits: whitespace and these (as dumps and tools print bytes).
HEX_SEPARATORS = frozenset(string.whitespace + ":-_,")
_HEX_DIGITS = frozenset(string.hexdigits)


class ValueParseError(UserInputError):
    """A value typed for a write that cannot be encoded (the message says why)."""


def read_hex(text: str, *, hint: str = "") -> bytes:
    """The one hex reader: a leading 0x, whitespace and separators (`: - _ ,`) dropped,
    then `bytes.fromhex`. "" is b"". `hint` follows the message when a letter that is not
    a hex digit suggests text was meant."""
    cleaned = text.strip()
    skipped = len(text) - len(text.lstrip())
    if cleaned[:2] in ("0x", "0X"):
        cleaned = cleaned[2:]
        skipped += 2
    digits = []
    for i, ch in enumerate(cleaned):
        if ch in _HEX_DIGITS:
            digits.append(ch)
        elif ch not in HEX_SEPARATORS:
            more = hint if ch.isalpha() else ""
            raise ValueParseError(
                f"not hex: {ch!r} at position {skipped + i + 1} is not a hex digit{more}"
            )
    if len(digits) % 2:
        raise ValueParseError(
            f"not hex: {len(digits)} hex digits, an odd number of digits "
            "(bytes take two each: add a leading 0?)"
        )
    return bytes.fromhex("".join(digits))


INT_WIDTHS = (1, 2, 3, 4, 8)
FLOAT_WIDTHS = {2: "e", 4: "f", 8: "d"}
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\", "'": "'", '"': '"'}


def parse_value(
    text: str,
    kind: ValueKind = "hex",
    *,
    width: int | None = None,
    endian: Endian = "little",
    signed: bool | None = None,
) -> bytes:
    """Encode what a user typed.

    - hex: "0a1b", "0A 1B", "0a:1b", "0x0a1b" (empty is a zero-length value);
    - text: UTF-8, with escapes \\n \\r \\t \\0 \\\\ \\xHH;
    - int: decimal, 0x.., 0b.., with `width` bytes (1, 2, 3, 4, 8; default 1), signed when
      negative (or `signed=True`), in `endian` order (BLE is little-endian);
    - float: `width` 2 (half), 4 (default) or 8 bytes, IEEE 754.
    """
    if kind == "hex":
        return _parse_hex(text)
    if kind == "text":
        return parse_text(text)
    if kind == "int":
        return _parse_int(text, 1 if width is None else width, endian, signed)
    if kind == "float":
        return _parse_float(text, 4 if width is None else width, endian)
    raise ValueParseError(f"unknown value kind {kind!r}: hex, text, int or float")


def _parse_hex(text: str) -> bytes:
    data = read_hex(text, hint=" (use --text for text)")
    _check_len(data)
    return data


def parse_text(text: str) -> bytes:
    """Text as UTF-8 with the escapes \\n \\r \\t \\0 \\\\ \\' \\" and \\xHH (a byte); any
    other backslash is an error (a typo is not sent as typed)."""
    out = bytearray()
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "\\":
            try:
                out += ch.encode("utf-8")
            except UnicodeEncodeError:
                # A byte that was not UTF-8 where the text came from (argv, a file).
                byte = ord(ch) - 0xDC00 if "\udc80" <= ch <= "\udcff" else None
                what = f"byte 0x{byte:02X}" if byte is not None else f"U+{ord(ch):04X}"
                escape = f" (write \\x{byte:02x} to send that byte)" if byte is not None else ""
                raise ValueParseError(
                    f"not UTF-8 text: {what} at position {i + 1} cannot be encoded{escape}"
                ) from None
            i += 1
            continue
        if i + 1 >= len(text):
            raise ValueParseError(f"{text!r} ends with a lone backslash (write \\\\ for one)")
        nxt = text[i + 1]
        if nxt in _ESCAPES:
            out += _ESCAPES[nxt].encode("utf-8")
            i += 2
        elif nxt == "x":
            pair = text[i + 2 : i + 4]
            if len(pair) != 2 or any(c not in "0123456789abcdefABCDEF" for c in pair):
                raise ValueParseError(f"{text!r}: \\x at position {i + 1} needs two hex digits")
            out.append(int(pair, 16))  # \xHH is a byte, not a character
            i += 4
        else:
            raise ValueParseError(
                f"{text!r}: unknown escape \\{nxt} at position {i + 1} "
                "(known: \\n \\r \\t \\0 \\\\ \\xHH)"
            )
    data = bytes(out)
    _check_len(data)
    return data


def _parse_int(text: str, width: int, endian: Endian, signed: bool | None) -> bytes:
    if width not in INT_WIDTHS:
        raise ValueParseError(f"integer width {width} is not one of {INT_WIDTHS} bytes")
    cleaned = text.strip().replace("_", "")
    try:
        value = int(cleaned, 0)
    except ValueError:
        try:
            value = int(cleaned, 10)  # "007": decimal with leading zeros, which base 0 refuses
        except ValueError:
            raise ValueParseError(
                f"{text!r} is not an integer (decimal, 0x.. hex or 0b.. binary)"
            ) from None
    bits = width * 8
    use_signed = value < 0 if signed is None else signed
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if use_signed else (0, (1 << bits) - 1)
    if not lo <= value <= hi:
        raise ValueParseError(
            f"{value} does not fit in {width} byte{'s' if width > 1 else ''} "
            f"({0}..{(1 << bits) - 1} unsigned, {-(1 << (bits - 1))}..{(1 << (bits - 1)) - 1} signed)"
        )
    return value.to_bytes(width, endian, signed=use_signed)


def _parse_float(text: str, width: int, endian: Endian) -> bytes:
    code = FLOAT_WIDTHS.get(width)
    if code is None:
        raise ValueParseError(f"float width {width} is not one of 2, 4, 8 bytes")
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueParseError(f"{text!r} is not a number (e.g. 21.5, -3e-2, nan)") from None
    try:
        packed = struct.pack(("<" if endian == "little" else ">") + code, value)
    except (OverflowError, struct.error):
        raise ValueParseError(f"{text} is too large for a {width}-byte float") from None
    if (
        math.isfinite(value)
        and value != 0
        and struct.unpack(("<" if endian == "little" else ">") + code, packed)[0] == 0
    ):
        raise ValueParseError(f"{text} is too small for a {width}-byte float (it would be 0)")
    return packed


def _check_len(data: bytes) -> None:
    if len(data) > MAX_ATTRIBUTE_LEN:
        raise ValueParseError(
            f"{len(data)} bytes is longer than any attribute value can be ({MAX_ATTRIBUTE_LEN})"
        )


def size_text(size: int) -> str:
    """A byte count as a cap is said: "64 KiB", "16 MiB", "512 bytes"."""
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} bytes"


def read_capped(source: str | IO[bytes], limit: int, what: str) -> bytes:
    """The bytes of a file (a path, "-" for stdin, or a binary stream), `limit` at most.

    Reads `limit` + 1 bytes, never more: /dev/zero, /dev/urandom or a huge file end at once
    in a `UserInputError` naming the source, the cap and `what` ("a report map is at
    most 64 KiB").
    A path that cannot be read is said with the system's reason."""
    import sys

    name = "stdin" if source == "-" else source if isinstance(source, str) else "input"
    try:
        if isinstance(source, str):
            if source == "-":
                data = sys.stdin.buffer.read(limit + 1)
            else:
                with open(source, "rb") as handle:
                    data = handle.read(limit + 1)
        else:
            data = source.read(limit + 1)
    except OSError as exc:
        raise UserInputError(f"cannot read {name}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise UserInputError(f"{name} is longer than {size_text(limit)}: {what}")
    return data

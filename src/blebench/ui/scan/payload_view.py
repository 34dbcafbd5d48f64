"""One advertising payload drawn as a table: each AD structure decoded, its raw hex beside it.

Malformed structures (a length running past the end, a value of the wrong size) are drawn
in the error colour with the reason; the valid ones before and after them still show.
Every string in a decoded field may come from the air and goes through `safe_text`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from blebench.ui.safe_text import safe_text

MAX_FIELD_DEPTH = 4
MAX_LIST_ITEMS = 16
HEX_BYTES_PER_LINE = 8
HEX_WIDTH = HEX_BYTES_PER_LINE * 3 - 1  # "02 01 06 ..." for one line of bytes
ONE_LINE_ITEM = 40  # a flat mapping in a list longer than this gets a line per key


class StructureLike(Protocol):
    """What the decoding core gives for one AD structure (blebench.decode.ad.AdStructure)."""

    @property
    def offset(self) -> int: ...
    @property
    def type(self) -> int: ...
    @property
    def type_name(self) -> str: ...
    @property
    def data(self) -> bytes: ...
    @property
    def fields(self) -> Mapping[str, Any]: ...
    @property
    def error(self) -> str | None: ...


def hex_lines(data: bytes, per_line: int = HEX_BYTES_PER_LINE) -> str:
    """`02 01 06 ...`, broken into lines of `per_line` bytes."""
    return "\n".join(
        data[start : start + per_line].hex(" ") for start in range(0, len(data), per_line)
    )


def _scalar(value: object) -> Text:
    if isinstance(value, str):
        return safe_text(value, max_len=200)
    if isinstance(value, bool):
        return Text("yes" if value else "no")
    if isinstance(value, bytes | bytearray):
        return Text(bytes(value).hex(" "))
    if isinstance(value, float):
        return Text(f"{value:g}")
    if value is None:
        return Text("—", style="dim")
    return Text(str(value))


def _field_lines(fields: Mapping[str, Any], indent: int, depth: int, out: Text) -> None:
    pad = "  " * indent
    for key, value in fields.items():
        if out.plain:
            out.append("\n")
        out.append(pad)
        out.append_text(safe_text(str(key), max_len=40, style="bold"))
        out.append(": ")
        _value(value, indent, depth, out)


def _value(value: object, indent: int, depth: int, out: Text) -> None:
    if depth >= MAX_FIELD_DEPTH:
        out.append("…", style="dim")
        return
    if isinstance(value, Mapping):
        _field_lines(value, indent + 1, depth + 1, out)
        return
    if isinstance(value, list | tuple):
        if all(not isinstance(item, Mapping | list | tuple) for item in value):
            shown = value[:MAX_LIST_ITEMS]
            for index, item in enumerate(shown):
                if index:
                    out.append(", ")
                out.append_text(_scalar(item))
            if len(value) > MAX_LIST_ITEMS:
                out.append(f", … ({len(value)} in all)", style="dim")
            return
        for item in value[:MAX_LIST_ITEMS]:
            out.append("\n" + "  " * (indent + 1) + "- ")
            if isinstance(item, Mapping) and all(
                not isinstance(v, Mapping | list | tuple) for v in item.values()
            ):
                # A flat mapping in a list (a UUID and its name): one line per item, or
                # one line per key when that would wrap (a 128-bit UUID and its name).
                parts = [
                    safe_text(str(key), max_len=40, style="dim") + " " + _scalar(item_value)
                    for key, item_value in item.items()
                ]
                long = sum(len(part) + 2 for part in parts) > ONE_LINE_ITEM
                separator = "\n" + "  " * (indent + 2) if long else ", "
                for index, part in enumerate(parts):
                    if index:
                        out.append(separator)
                    out.append_text(part)
            elif isinstance(item, Mapping):
                _field_lines(item, indent + 2, depth + 1, out)
            else:
                _value(item, indent + 1, depth + 1, out)
        if len(value) > MAX_LIST_ITEMS:
            out.append("\n" + "  " * (indent + 1) + f"… ({len(value)} in all)", style="dim")
        return
    out.append_text(_scalar(value))


def fields_text(fields: Mapping[str, Any]) -> Text:
    """Decoded fields as `key: value` lines, nested mappings indented."""
    out = Text()
    _field_lines(fields, 0, 0, out)
    return out


def structure_title(structure: StructureLike) -> Text:
    if structure.type < 0:
        return Text("(no type)", style="bold")
    title = Text(f"0x{structure.type:02X} ", style="dim")
    title.append_text(safe_text(structure.type_name, max_len=48, style="bold"))
    return title


def payload_table(
    raw: bytes | None,
    structures: Sequence[StructureLike] | None,
    *,
    absent: str,
) -> RenderableType:
    """The structures of one payload; `absent` explains why there is none."""
    if raw is None:
        return Text(absent, style="italic dim")
    if not raw:
        return Text("empty (0 bytes)", style="italic dim")
    table = Table(
        box=None,
        expand=True,
        show_edge=False,
        pad_edge=False,
        header_style="bold",
        padding=(0, 1, 1, 0),
    )
    table.add_column("@", justify="right", width=3, no_wrap=True)
    table.add_column("structure", ratio=3)
    table.add_column("raw", width=HEX_WIDTH, no_wrap=True)
    for structure in structures or ():
        cell = structure_title(structure)
        if structure.error is not None:
            cell.stylize("bold red")
            cell.append("\n✗ ", style="bold red")
            cell.append_text(safe_text(structure.error, max_len=160, style="red"))
        decoded = fields_text(structure.fields)
        if decoded.plain:
            cell.append("\n")
            cell.append_text(decoded)
        body = structure.data
        raw_text = Text(hex_lines(body) if body else "(no data)", style="dim" if not body else "")
        table.add_row(Text(str(structure.offset), style="dim"), cell, raw_text)
    header = Text(f"{len(raw)} bytes  ", style="dim")
    header.append(raw.hex(" ")[:3 * 31 - 1], style="dim")
    if len(raw) > 31:
        header.append(" …", style="dim")
    return Group(header, Text(""), table)


def vendor_text(vendors: Iterable[tuple[str, Mapping[str, Any]]]) -> Text:
    """Recognised vendor formats (iBeacon, Eddystone, BTHome, ...) with their fields."""
    out = Text()
    for name, fields in vendors:
        if out.plain:
            out.append("\n\n")
        out.append_text(safe_text(name, max_len=40, style="bold"))
        body = fields_text(fields)
        if body.plain:
            out.append("\n")
            out.append_text(body)
    return out

"""How a value read from (or notified by) a characteristic is drawn: raw hex beside its
decoding, the HID report map as reports and usages, keyboard input reports as keys.

Decoded values are the session's plain data (`blebench.session.gatt.ReadResult.decoded`):
mappings, lists, numbers and strings; every string may come from the air.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from blebench.ui.safe_text import safe_text
from blebench.ui.scan.payload_view import fields_text, hex_lines

MAX_VALUE_BYTES_SHOWN = 512  # an ATT value is never longer


def hex_text(data: bytes) -> Text:
    shown = data[:MAX_VALUE_BYTES_SHOWN]
    return Text(hex_lines(shown, per_line=16) if shown else "(empty value)", style="")


def ascii_text(data: bytes) -> Text:
    """The bytes as printable ASCII, a dot for anything else (a classic hex-dump column)."""
    return Text("".join(chr(b) if 0x20 <= b < 0x7F else "·" for b in data[:64]), style="dim")


def _usage_list(field: Mapping[str, Any]) -> str:
    for key in ("usages", "usage_names", "usage"):
        value = field.get(key)
        if isinstance(value, list | tuple) and value:
            names = [str(v) for v in value[:8]]
            more = f" … ({len(value)} in all)" if len(value) > 8 else ""
            return ", ".join(names) + more
        if isinstance(value, str) and value:
            return value
    low, high = field.get("usage_min"), field.get("usage_max")
    if low is not None and high is not None:
        return f"{low} … {high}"
    return ""


def report_map_view(decoded: Mapping[str, Any]) -> RenderableType:
    """A Report Map decoded into its reports (kind, id, size) and each report's fields."""
    reports = decoded.get("reports")
    if not isinstance(reports, list):
        return fields_text(decoded)
    table = Table(box=None, expand=True, header_style="bold", pad_edge=False, padding=(0, 1))
    table.add_column("report", no_wrap=True)
    table.add_column("bits", justify="right", no_wrap=True)
    table.add_column("fields (usage page: usages)")
    for report in reports:
        if not isinstance(report, Mapping):
            continue
        rid = report.get("id")
        label = f"{report.get('kind', '?')} {'#' + str(rid) if rid is not None else ''}".strip()
        lines = Text()
        for field in report.get("fields", []) or []:
            if not isinstance(field, Mapping):
                continue
            if lines.plain:
                lines.append("\n")
            page = field.get("usage_page_name") or field.get("usage_page") or ""
            usages = _usage_list(field)
            count, size = field.get("report_count"), field.get("report_size")
            flags = field.get("flags") or ""
            lines.append_text(safe_text(str(page), max_len=40, style="bold"))
            if usages:
                lines.append(": ")
                lines.append_text(safe_text(usages, max_len=200))
            if count is not None and size is not None:
                lines.append(f"  {count}×{size} bit", style="dim")
            if flags:
                lines.append(f"  {flags if isinstance(flags, str) else ', '.join(map(str, flags))}",
                             style="dim italic")
        table.add_row(Text(label, style="bold"), Text(str(report.get("size_bits", "?"))), lines)
    return table


def keys_view(decoded: Mapping[str, Any]) -> Text | None:
    """Keyboard input report: the keys pressed (by name) and the text typed, when decoded."""
    keys = decoded.get("keys") or decoded.get("pressed")
    text = decoded.get("text")
    modifiers = decoded.get("modifiers")
    if keys is None and text is None:
        return None
    out = Text("⌨ ", style="bold")
    if modifiers:
        names = modifiers if isinstance(modifiers, list | tuple) else [modifiers]
        out.append_text(safe_text(" + ".join(map(str, names)), max_len=80, style="italic"))
        out.append(" + ")
    if isinstance(keys, list | tuple):
        out.append_text(safe_text(", ".join(map(str, keys)) or "(no key)", max_len=120, style="bold"))
    if isinstance(text, str) and text:
        out.append("   typed: ")
        out.append_text(safe_text(text, max_len=80, style="reverse"))
    return out


def value_view(data: bytes | None, decoded: Any, error: Mapping[str, Any] | None) -> RenderableType:
    """Everything known about one value, for the GATT pane's value box."""
    parts: list[RenderableType] = []
    if error is not None:
        message = Text("✗ ", style="bold red")
        message.append_text(safe_text(str(error.get("message", "")), max_len=400, style="red"))
        parts.append(message)
        next_step = error.get("next_step")
        if next_step:
            parts.append(Text("Next: ").append_text(safe_text(str(next_step), max_len=400)))
        return Group(*parts)
    if data is None:
        return Text("No value yet: read it (r) or subscribe (n).", style="dim")
    header = Text(f"{len(data)} byte{'s' if len(data) != 1 else ''}", style="dim")
    parts += [header, hex_text(data), ascii_text(data), Text("")]
    if isinstance(decoded, Mapping):
        keys = keys_view(decoded)
        if keys is not None:
            parts += [keys, Text("")]
        if "reports" in decoded:
            parts.append(report_map_view(decoded))
        else:
            parts.append(fields_text(decoded))
    elif isinstance(decoded, Sequence) and not isinstance(decoded, str | bytes):
        parts.append(fields_text({"values": list(decoded)}))
    elif decoded is not None:
        parts.append(safe_text(str(decoded), max_len=400))
    return Group(*parts)

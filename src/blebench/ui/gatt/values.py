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

from blebench.ui.gatt.keys import shown_text
from blebench.ui.safe_text import safe_text
from blebench.ui.scan.payload_view import fields_text, hex_lines

MAX_VALUE_BYTES_SHOWN = 512  # an ATT value is never longer


def hex_text(data: bytes) -> Text:
    shown = data[:MAX_VALUE_BYTES_SHOWN]
    return Text(hex_lines(shown, per_line=16) if shown else "(empty value)", style="")


def ascii_text(data: bytes) -> Text:
    """The bytes as printable ASCII, a dot for anything else (a classic hex-dump column)."""
    return Text("".join(chr(b) if 0x20 <= b < 0x7F else "·" for b in data[:64]), style="dim")


def _usage_name(usage: object) -> str:
    if isinstance(usage, Mapping):
        return str(usage.get("name") or f"0x{usage.get('id', 0):02X}")
    return str(usage)


def _usage_list(field: Mapping[str, Any]) -> str:
    """The decoding core's usages ({page, id, name}) and ranges ({min_name, max_name})."""
    parts: list[str] = []
    usages = field.get("usages")
    if isinstance(usages, list | tuple):
        parts += [_usage_name(u) for u in usages[:8]]
        if len(usages) > 8:
            parts.append(f"… ({len(usages)} in all)")
    ranges = field.get("usage_ranges")
    if isinstance(ranges, list | tuple):
        for span in ranges[:4]:
            if isinstance(span, Mapping):
                low = span.get("min_name") or span.get("min")
                high = span.get("max_name") or span.get("max")
                parts.append(f"{low} … {high}")
    return ", ".join(parts)


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
            if field.get("padding"):
                lines.append(f"padding  {field.get('size_bits', '?')} bit", style="dim")
                continue
            flags = field.get("flags_text") or ""
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
    """Keyboard input report: the keys held (by name, modifiers first) and the text typed
    so far, when decoded."""
    if "keys" not in decoded or "selected" not in decoded:
        return None  # not `blebench.decode.hid.InputReportValue.to_json()`
    keys, text = decoded.get("keys"), decoded.get("text")
    out = Text("⌨ keys: ", style="bold")
    names = keys if isinstance(keys, list | tuple) else []
    out.append_text(safe_text(" + ".join(map(str, names)) or "none", max_len=120, style="bold"))
    if isinstance(text, str) and text:
        out.append("   typed: ")
        out.append_text(safe_text(shown_text(text)[-120:], max_len=121, style="reverse"))
    rid = decoded.get("report_id")
    if rid is not None:
        out.append(f"   report #{rid}", style="dim")
    problem = decoded.get("error")
    if problem:
        out.append("\n⚠ ", style="yellow")
        out.append_text(safe_text(str(problem), max_len=200, style="yellow"))
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
    if isinstance(decoded, Mapping) and isinstance(decoded.get("report_map"), Mapping):
        # A Report Map: the summary, then every report with its fields and usages.
        summary = safe_text(str(decoded.get("summary") or ""), max_len=200, style="bold")
        parts += [summary, Text(""), report_map_view(decoded["report_map"])]
        return Group(*parts)
    if isinstance(decoded, Mapping) and "summary" in decoded and "kind" in decoded:
        # The decoding core's DecodedValue: its summary first, then its fields.
        summary = safe_text(str(decoded.get("summary") or ""), max_len=200, style="bold")
        if summary.plain:
            parts += [summary, Text("")]
        problem = decoded.get("error")
        if problem:
            parts.append(Text("⚠ ", style="yellow").append_text(
                safe_text(str(problem), max_len=300, style="yellow")))
        inner = decoded.get("fields")
        decoded = inner if isinstance(inner, Mapping) else {}
    if isinstance(decoded, Mapping):
        keys = keys_view(decoded)
        if keys is not None:
            # The keys say it all; the report's every bit as fields would bury them.
            parts.append(keys)
        elif "reports" in decoded:
            parts.append(report_map_view(decoded))
        else:
            parts.append(fields_text(decoded))
    elif isinstance(decoded, Sequence) and not isinstance(decoded, str | bytes):
        parts.append(fields_text({"values": list(decoded)}))
    elif decoded is not None:
        parts.append(safe_text(str(decoded), max_len=400))
    return Group(*parts)


def inline_value(data: bytes | None, decoded: Any, error: Mapping[str, Any] | None) -> str | None:
    """The value as the tree shows it beside its node: the decoder's summary (`72 bpm`),
    else the first bytes in hex; `✗` for a read that failed. Plain text (the tree passes it
    through safe_text); None when nothing was read."""
    if error is not None:
        return "✗ " + str(error.get("message", "failed"))
    if data is None:
        return None
    summary = decoded.get("summary") if isinstance(decoded, Mapping) else None
    if isinstance(decoded, Mapping) and "keys" in decoded and "selected" in decoded:
        keys = decoded.get("keys")
        summary = "keys: " + (" + ".join(map(str, keys)) if isinstance(keys, list) and keys else "none")
    if isinstance(summary, str) and summary:
        problem = decoded.get("error") if isinstance(decoded, Mapping) else None
        return f"{summary} ✗" if problem else summary
    return data[:12].hex(" ") + (" …" if len(data) > 12 else "") if data else "(empty)"

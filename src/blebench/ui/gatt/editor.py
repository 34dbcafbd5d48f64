"""The typed value editor of the GATT pane: hex, text, int (signed or not) or float, with
width and endianness. Encoding is the session's `parse_value`, the same the CLI's
`blebench write` uses, so a typo gets the same words in both."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Select

from blebench.userinput import FLOAT_WIDTHS, INT_WIDTHS, Endian, parse_value

FORMATS = (("hex", "hex"), ("text", "text"), ("int", "int"), ("uint", "uint"), ("float", "float"))


def encode(text: str, fmt: str, width: int, endian: str) -> bytes:
    """The bytes for what was typed; raises the session's ValueParseError in words."""
    order: Endian = "big" if endian == "big" else "little"
    if fmt in ("int", "uint"):
        return parse_value(text, "int", width=width, endian=order, signed=fmt == "int")
    if fmt == "float":
        return parse_value(text, "float", width=width, endian=order)
    return parse_value(text, "text" if fmt == "text" else "hex")


class ValueEditor(Horizontal):
    """Value, format, width, endianness; `value()` gives the bytes or raises."""

    def compose(self) -> ComposeResult:
        yield Input(placeholder="value to write: 01 ff, text, 42, 3.5", id="editor-value")
        yield Select(FORMATS, value="hex", allow_blank=False, id="editor-format")
        widths = sorted(set(INT_WIDTHS) | set(FLOAT_WIDTHS))
        yield Select(
            [(f"{w} byte{'s' if w > 1 else ''}", w) for w in widths],
            value=1,
            allow_blank=False,
            id="editor-width",
        )
        yield Select(
            [("little", "little"), ("big", "big")],
            value="little",
            allow_blank=False,
            id="editor-endian",
        )

    def on_mount(self) -> None:
        self._sync()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "editor-format":
            self._sync()

    def _sync(self) -> None:
        fmt = self.query_one("#editor-format", Select).value
        numeric = fmt in ("int", "uint", "float")
        width: Select[int] = self.query_one("#editor-width", Select)
        width.disabled = not numeric
        self.query_one("#editor-endian", Select).disabled = not numeric
        if fmt == "float" and width.value not in FLOAT_WIDTHS:
            width.value = 4
        elif fmt in ("int", "uint") and width.value not in INT_WIDTHS:
            width.value = 1

    def value(self) -> bytes:
        fmt = self.query_one("#editor-format", Select).value
        width = self.query_one("#editor-width", Select).value
        endian = self.query_one("#editor-endian", Select).value
        return encode(
            self.query_one("#editor-value", Input).value,
            fmt if isinstance(fmt, str) else "hex",
            width if isinstance(width, int) else 1,
            endian if isinstance(endian, str) else "little",
        )

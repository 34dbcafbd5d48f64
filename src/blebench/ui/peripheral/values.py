"""The value editor's formats: what is typed becomes bytes by the GATT pane's rule
(`ui/gatt/editor.encode`, the CLI's `parse_value`), little-endian as GATT numbers are."""

from __future__ import annotations

from blebench.ui.gatt.editor import encode

# (label, format, width): one drop-down instead of the GATT pane's three, for 80 columns.
FORMATS: tuple[tuple[str, str, int], ...] = (
    ("hex", "hex", 1),
    ("text", "text", 1),
    ("uint8", "uint", 1),
    ("uint16", "uint", 2),
    ("uint32", "uint", 4),
    ("sint8", "int", 1),
    ("sint16", "int", 2),
    ("sint32", "int", 4),
    ("float32", "float", 4),
)
_BY_LABEL = {label: (fmt, width) for label, fmt, width in FORMATS}


def encode_as(text: str, label: str) -> bytes:
    """The bytes for `text` in the format `label`; ValueParseError in words."""
    fmt, width = _BY_LABEL.get(label, ("hex", 1))
    return encode(text, fmt, width, "little")

"""Shared helpers for the GATT / HID / error-code decoder tests."""

from __future__ import annotations

import re
from pathlib import Path

HID_DATA = Path(__file__).resolve().parents[2] / "data" / "hid"


def load_hex(name: str) -> bytes:
    """A descriptor from tests/data/hid (hex text with '#' comments)."""
    text = re.sub(r"#[^\n]*", "", (HID_DATA / name).read_text())
    return bytes.fromhex("".join(text.split()))

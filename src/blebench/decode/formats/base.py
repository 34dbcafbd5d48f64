"""What a vendor format declares (`Format`: id, label, where it rides, decoder) and the
result of a decoding (`VendorDecoding`).

A format rides in one kind of AD structure (`MANUFACTURER_DATA`: keyed by company id;
`SERVICE_DATA_16`: keyed by 16-bit service UUID), optionally only under one key and only
when the body starts with a prefix. The package (`formats/__init__.py`) builds the
dispatch from its list of modules, each of which declares its `FORMATS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

from blebench.decode.ad import slotted_maker
from blebench.decode.names import uuid_text as uuid_text  # beacons: big-endian, the default

# The AD types a format can ride in (Core Supplement, Part A, 1.4 and 1.11).
MANUFACTURER_DATA = 0xFF
SERVICE_DATA_16 = 0x16


class Context(NamedTuple):
    """What a decoder gets besides the body: `key` is the company id or the 16-bit UUID
    the structure carries; `mac` (6 bytes as written) and `bthome_key` decrypt BTHome."""

    key: int
    mac: bytes | None = None
    bthome_key: bytes | None = None


@dataclass(frozen=True, slots=True)
class VendorDecoding:
    """`format` is a `Format.id`; `fields` are JSON-ready and read-only; `note` says
    what was odd about the frame (short, encrypted, reserved values) when anything was."""

    format: str
    fields: Mapping[str, Any]
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": self.format}
        out.update(self.fields)
        if self.note is not None:
            out["note"] = self.note
        return out


Decoder = Callable[[bytes, Context], VendorDecoding | None]


@dataclass(frozen=True, slots=True)
class Format:
    """One vendor format. `id` is the "format" of its decodings (a public JSON value:
    never renamed); `label` is what the Scan pane shows; the format is tried on a
    structure of type `ad_type` whose key is `key` (None: any key) and whose body (after
    the key) starts with `prefix`; `decoder` gets that body and returns None when the
    bytes are not this format after all (the next matching format is tried then)."""

    id: str
    label: str
    ad_type: int
    key: int | None
    decoder: Decoder
    prefix: bytes = b""


_make_vendor = slotted_maker(VendorDecoding)


def vendor(kind: str, fields: dict[str, Any], note: str | None = None) -> VendorDecoding:
    """A decoding whose fields are a read-only view of `fields` (which the caller must not
    change afterwards); built without the dataclass's slower frozen __init__."""
    return _make_vendor(kind, MappingProxyType(fields), note)


def int8(value: int) -> int:
    return value - 256 if value > 127 else value

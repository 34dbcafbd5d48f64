"""Splitting advertising data into AD structures (Core spec Vol 3 Part C 11).

`split_structures` is total: any bytes give a tuple of `AdStructure`, the valid ones in
order and each bad one as an entry with `error` set and its offset. The per-type field
decoders live in `ad_types`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from blebench.decode.ad_types import AD_TYPES, AdDataError, unknown_type_name

# An AD structure whose type byte is missing (a lone length byte at the end).
TYPE_MISSING = -1

EMPTY_FIELDS: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class AdStructure:
    """One length-type-data structure. `offset` is the position of its length byte in the
    payload; `fields` holds the decoded values, JSON-ready and read-only."""

    offset: int
    type: int
    type_name: str
    data: bytes
    fields: Mapping[str, Any]
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.type != TYPE_MISSING:
            out["type"] = self.type
            out["type_name"] = self.type_name
        out["offset"] = self.offset
        out["data"] = self.data.hex()
        out.update(self.fields)
        if self.error is not None:
            out["error"] = self.error
        return out


def _error(offset: int, ad_type: int, data: bytes, message: str) -> AdStructure:
    if ad_type == TYPE_MISSING:
        name = ""
    else:
        entry = AD_TYPES.get(ad_type)
        name = entry[0] if entry is not None else unknown_type_name(ad_type)
    return AdStructure(offset, ad_type, name, data, EMPTY_FIELDS, message)


def split_structures(data: bytes) -> tuple[AdStructure, ...]:
    """Every AD structure of `data`, decoded; never raises for any bytes."""
    out: list[AdStructure] = []
    append = out.append
    table = AD_TYPES
    end = len(data)
    offset = 0
    while offset < end:
        length = data[offset]
        if length == 0:
            # A zero length ends the significant part (early termination); zeros up to the
            # end are padding. Anything after them is reported, then decoded anyway: it is
            # often a scan response pasted after a padded advertisement.
            start = offset
            while offset < end and data[offset] == 0:
                offset += 1
            if offset < end:
                append(
                    _error(
                        start,
                        TYPE_MISSING,
                        b"",
                        f"zero length at offset {start} ends the data, "
                        f"but {end - offset} more bytes follow at offset {offset}",
                    )
                )
            continue
        if offset + 1 >= end:
            append(
                _error(offset, TYPE_MISSING, b"", f"length {length} with no type byte: truncated")
            )
            break
        ad_type = data[offset + 1]
        stop = offset + 1 + length
        if stop > end:
            append(
                _error(
                    offset,
                    ad_type,
                    data[offset + 2 : end],
                    f"length {length} runs past the end: "
                    f"{end - offset - 1} bytes left after the length byte",
                )
            )
            break
        body = data[offset + 2 : stop]
        entry = table.get(ad_type)
        if entry is None:
            append(AdStructure(offset, ad_type, unknown_type_name(ad_type), body, EMPTY_FIELDS))
        else:
            name, decoder = entry
            try:
                fields = decoder(body)
            except AdDataError as exc:
                append(AdStructure(offset, ad_type, name, body, EMPTY_FIELDS, str(exc)))
            except Exception as exc:  # noqa: BLE001 - the air is hostile; report, never raise
                append(
                    AdStructure(offset, ad_type, name, body, EMPTY_FIELDS, f"undecodable: {exc!r}")
                )
            else:
                append(AdStructure(offset, ad_type, name, body, MappingProxyType(fields)))
        offset = stop
    return tuple(out)

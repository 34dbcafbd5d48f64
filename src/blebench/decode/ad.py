"""Splitting advertising data into AD structures (Core spec Vol 3 Part C 11).

`split_structures` is total: any bytes give a tuple of `AdStructure`, the valid ones in
order and each bad one as an entry with `error` set and its offset. The per-type field
decoders and length rules live in `ad_types`. `payload` walks the bytes the same way in
its framing pass, to count the errors without building structures: keep the two in step
(the fuzz tests check that they agree).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from types import MappingProxyType
from typing import Any, TypeVar

from blebench.decode.ad_types import AD_TYPES, unknown_type_name

# An AD structure whose type byte is missing (a lone length byte at the end).
TYPE_MISSING = -1

T = TypeVar("T")

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


def slotted_maker(cls: type[T]) -> Callable[..., T]:
    """A positional constructor for a frozen slotted dataclass; this is the hot path of
    every scan. A frozen dataclass's own __init__ (or setting each slot through its
    descriptor) costs a slow call per field, about three times plain attribute stores.
    So the instance is filled as an unfrozen twin class with the same slots, then given
    its real class: the same layout, so CPython allows the switch, and the caller gets an
    ordinary frozen instance. The body is generated unrolled, as dataclasses itself
    generates __init__."""
    names = [f.name for f in dataclass_fields(cls)]  # type: ignore[arg-type]
    if tuple(names) != tuple(vars(cls).get("__slots__", ())):
        raise TypeError(f"{cls.__name__}: slotted_maker needs exactly one slot per field")
    twin = type(f"_Unfrozen{cls.__name__}", (), {"__slots__": tuple(names)})
    probe: Any = object.__new__(twin)
    probe.__class__ = cls  # fails here, at import, if the layouts ever differ
    namespace: dict[str, Any] = {"_new": object.__new__, "_twin": twin, "_cls": cls}
    lines = [f"def make({', '.join(f'v{i}' for i in range(len(names)))}):", "    o = _new(_twin)"]
    lines += [f"    o.{name} = v{i}" for i, name in enumerate(names)]
    lines += ["    o.__class__ = _cls", "    return o"]
    exec("\n".join(lines), namespace)  # noqa: S102 - generated from field names only
    maker: Callable[..., T] = namespace["make"]
    return maker


make_structure = slotted_maker(AdStructure)


def _padding_error(start: int, resume: int, end: int) -> str:
    return (
        f"zero length at offset {start} ends the data, "
        f"but {end - resume} more bytes follow at offset {resume}"
    )


def _overrun_error(offset: int, length: int, end: int) -> str:
    if offset + 1 >= end:
        return f"length {length} with no type byte: truncated"
    return f"length {length} runs past the end: {end - offset - 1} bytes left after the length byte"


def _error(offset: int, ad_type: int, data: bytes, message: str) -> AdStructure:
    if ad_type == TYPE_MISSING:
        name = ""
    else:
        entry = AD_TYPES.get(ad_type)
        name = entry[0] if entry is not None else unknown_type_name(ad_type)
    return make_structure(offset, ad_type, name, data, EMPTY_FIELDS, message)


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
                append(_error(start, TYPE_MISSING, b"", _padding_error(start, offset, end)))
            continue
        stop = offset + 1 + length
        if stop > end:
            # Also a lone length byte at the very end: it has no type byte.
            ad_type = data[offset + 1] if offset + 1 < end else TYPE_MISSING
            append(
                _error(offset, ad_type, data[offset + 2 : end], _overrun_error(offset, length, end))
            )
            break
        ad_type = data[offset + 1]
        body = data[offset + 2 : stop]
        entry = table.get(ad_type)
        if entry is None:
            append(
                make_structure(
                    offset, ad_type, unknown_type_name(ad_type), body, EMPTY_FIELDS, None
                )
            )
        else:
            name, decoder, size = entry
            if length - 1 not in size.allowed:
                error = size.error.format(n=length - 1)
                append(make_structure(offset, ad_type, name, body, EMPTY_FIELDS, error))
                offset = stop
                continue
            try:
                fields = decoder(body)
            except Exception as exc:  # noqa: BLE001 - the air is hostile; report, never raise
                append(
                    make_structure(
                        offset, ad_type, name, body, EMPTY_FIELDS, f"undecodable: {exc!r}"
                    )
                )
            else:
                append(make_structure(offset, ad_type, name, body, MappingProxyType(fields), None))
        offset = stop
    return tuple(out)

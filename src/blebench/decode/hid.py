"""HID report descriptors (the HID-over-GATT Report Map, characteristic 0x2A4B): items,
the reports they define, and input reports decoded against them.

Follows the Device Class Definition for HID 1.11, section 6.2.2: short and long items,
global state with Push/Pop, local state cleared by every main item, nested collections,
Usage Minimum/Maximum, extended (32-bit) usages, Report ID switching, Unit and Unit
Exponent. When Report Count exceeds the number of usages of a variable item, the last
usage applies to the remaining fields (6.2.2.8).

Total: any bytes give a ReportMap; a malformed descriptor gives `errors` entries with
their offset and keeps everything parsed before (and, when it can, after) the fault.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from blebench.decode import hid_usages as hu

# -- item tables (HID 1.11, 6.2.2.4 - 6.2.2.8) --------------------------------------------

ITEM_TYPES = ("main", "global", "local", "reserved")
MAIN_TAGS = {0x8: "Input", 0x9: "Output", 0xB: "Feature", 0xA: "Collection", 0xC: "End Collection"}
GLOBAL_TAGS = {
    0x0: "Usage Page",
    0x1: "Logical Minimum",
    0x2: "Logical Maximum",
    0x3: "Physical Minimum",
    0x4: "Physical Maximum",
    0x5: "Unit Exponent",
    0x6: "Unit",
    0x7: "Report Size",
    0x8: "Report ID",
    0x9: "Report Count",
    0xA: "Push",
    0xB: "Pop",
}
LOCAL_TAGS = {
    0x0: "Usage",
    0x1: "Usage Minimum",
    0x2: "Usage Maximum",
    0x3: "Designator Index",
    0x4: "Designator Minimum",
    0x5: "Designator Maximum",
    0x7: "String Index",
    0x8: "String Minimum",
    0x9: "String Maximum",
    0xA: "Delimiter",
}
COLLECTION_TYPES = {
    0x00: "Physical",
    0x01: "Application",
    0x02: "Logical",
    0x03: "Report",
    0x04: "Named Array",
    0x05: "Usage Switch",
    0x06: "Usage Modifier",
}
REPORT_KINDS = {0x8: "input", 0x9: "output", 0xB: "feature"}

# Main item data bits (6.2.2.5): (bit, name when set, name when clear).
_FLAG_BITS = (
    (0, "Const", "Data"),
    (1, "Var", "Array"),
    (2, "Rel", "Abs"),
    (3, "Wrap", None),
    (4, "NonLinear", None),
    (5, "NoPreferred", None),
    (6, "Null", None),
    (7, "Volatile", None),
    (8, "Buffered", None),
)

# Stops a hostile descriptor from making us build huge tuples; real report maps are far
# below (HID over GATT caps the Report Map at 512 bytes).
MAX_PUSH_DEPTH = 64


def flags_text(flags: int) -> str:
    """ "Data,Var,Abs" as HID descriptor tools print main item flags."""
    words = []
    for bit, on, off in _FLAG_BITS:
        if flags & (1 << bit):
            words.append(on)
        elif off is not None:
            words.append(off)
    return ",".join(words)


# Unit (6.2.2.7): nibble 0 is the system, nibbles 1..6 the exponents of length, mass,
# time, temperature, current, luminous intensity.
_UNIT_SYSTEMS = {1: "SI Linear", 2: "SI Rotation", 3: "English Linear", 4: "English Rotation"}
_UNIT_NAMES = {
    1: ("cm", "g", "s", "K", "A", "cd"),
    2: ("rad", "g", "s", "K", "A", "cd"),
    3: ("in", "slug", "s", "°F", "A", "cd"),
    4: ("deg", "slug", "s", "°F", "A", "cd"),
}


def unit_text(unit: int) -> str:
    """ "SI Linear: cm" for 0x11, "None" for 0, the raw number for vendor systems."""
    if unit == 0:
        return "None"
    system = unit & 0xF
    if system not in _UNIT_SYSTEMS:
        return f"0x{unit:X}"
    parts = []
    for i, name in enumerate(_UNIT_NAMES[system]):
        nibble = (unit >> (4 * (i + 1))) & 0xF
        if nibble:
            exp = nibble - 16 if nibble >= 8 else nibble
            parts.append(name if exp == 1 else f"{name}^{exp}")
    return f"{_UNIT_SYSTEMS[system]}: {'·'.join(parts) if parts else '(none)'}"


# -- models ----------------------------------------------------------------------------------



SUMMARY_REPORTS = 8  # a one-line summary names this many reports, then counts the rest

@dataclass(frozen=True, slots=True)
class HidItem:
    offset: int
    raw: bytes
    type: str  # main, global, local, reserved
    tag: str
    value: int | None  # signed where the item is signed; None for long items / no data
    depth: int  # collection nesting at this item
    text: str  # the value in words: "Generic Desktop", "Data,Var,Abs", "-127"

    def to_json(self) -> dict[str, object]:
        return {
            "offset": self.offset,
            "raw": self.raw.hex(),
            "type": self.type,
            "tag": self.tag,
            "value": self.value,
            "depth": self.depth,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class HidField:
    """One Input/Output/Feature main item: `report_count` elements of `report_size` bits
    at `bit_offset` in the report (the report-id byte not counted)."""

    kind: str
    report_id: int | None
    bit_offset: int
    report_size: int
    report_count: int
    flags: int
    usage_page: int
    # Usages in declaration order: (page, first, last); a single usage has first == last.
    usage_spans: tuple[tuple[int, int, int], ...]
    logical_min: int
    logical_max: int
    physical_min: int | None
    physical_max: int | None
    unit: int
    unit_exponent: int
    collection: tuple[str, ...]  # e.g. ("Application: Keyboard",)
    item_offset: int  # offset of the main item in the descriptor

    @property
    def size_bits(self) -> int:
        return self.report_size * self.report_count

    @property
    def constant(self) -> bool:
        return bool(self.flags & 0x01)

    @property
    def variable(self) -> bool:
        return bool(self.flags & 0x02)

    @property
    def relative(self) -> bool:
        return bool(self.flags & 0x04)

    @property
    def padding(self) -> bool:
        return self.constant or not self.usage_spans

    @property
    def usage_count(self) -> int:
        return sum(last - first + 1 for _, first, last in self.usage_spans)

    def usage_at(self, index: int) -> tuple[int, int] | None:
        """The (page, id) of the index-th usage; for variable items past the end, the last
        usage (6.2.2.8)."""
        if not self.usage_spans or index < 0:
            return None
        for page, first, last in self.usage_spans:
            n = last - first + 1
            if index < n:
                return page, first + index
            index -= n
        if self.variable:
            page, _, last = self.usage_spans[-1]
            return page, last
        return None

    def to_json(self) -> dict[str, object]:
        usages = [
            {"page": p, "id": a, "name": hu.usage_name(p, a)}
            for p, a, b in self.usage_spans
            if a == b
        ]
        ranges = [
            {
                "page": p,
                "min": a,
                "max": b,
                "min_name": hu.usage_name(p, a),
                "max_name": hu.usage_name(p, b),
            }
            for p, a, b in self.usage_spans
            if a != b
        ]
        return {
            "bit_offset": self.bit_offset,
            "report_size": self.report_size,
            "report_count": self.report_count,
            "size_bits": self.size_bits,
            "usage_page": self.usage_page,
            "usage_page_name": hu.usage_page_name(self.usage_page),
            "usages": usages,
            "usage_ranges": ranges,
            "logical_min": self.logical_min,
            "logical_max": self.logical_max,
            "physical_min": self.physical_min,
            "physical_max": self.physical_max,
            "unit": self.unit,
            "unit_text": unit_text(self.unit),
            "unit_exponent": self.unit_exponent,
            "flags": self.flags,
            "flags_text": flags_text(self.flags),
            "constant": self.constant,
            "variable": self.variable,
            "relative": self.relative,
            "padding": self.padding,
            "collection": list(self.collection),
        }


@dataclass(frozen=True, slots=True)
class HidReport:
    kind: str  # input, output, feature
    report_id: int | None
    size_bits: int  # excluding the report-id byte
    fields: tuple[HidField, ...]

    @property
    def size_bytes(self) -> int:
        """Bytes on the wire, the report-id byte included when there is one."""
        return (self.size_bits + 7) // 8 + (1 if self.report_id is not None else 0)

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "id": self.report_id,
            "size_bits": self.size_bits,
            "size_bytes": self.size_bytes,
            "fields": [f.to_json() for f in self.fields],
        }


@dataclass(frozen=True, slots=True)
class HidError:
    offset: int
    message: str

    def to_json(self) -> dict[str, object]:
        return {"offset": self.offset, "message": self.message}


@dataclass(frozen=True, slots=True)
class ReportMap:
    items: tuple[HidItem, ...]
    reports: tuple[HidReport, ...]
    errors: tuple[HidError, ...]
    applications: tuple[str, ...]  # usages of the top-level collections, e.g. ("Keyboard",)

    @property
    def uses_report_ids(self) -> bool:
        return any(r.report_id is not None for r in self.reports)

    def report(self, kind: str, report_id: int | None) -> HidReport | None:
        for r in self.reports:
            if r.kind == kind and r.report_id == report_id:
                return r
        return None

    def summary(self) -> str:
        """One line: "Keyboard: input 64 bits, output 8 bits"."""
        parts = [
            f"{r.kind}{'' if r.report_id is None else f' #{r.report_id}'} {r.size_bits} bits"
            for r in self.reports[:SUMMARY_REPORTS]
        ]
        if len(self.reports) > SUMMARY_REPORTS:
            parts.append(f"+{len(self.reports) - SUMMARY_REPORTS} more")
        head = ", ".join(self.applications) if self.applications else "report map"
        text = f"{head}: {'; '.join(parts) if parts else 'no reports'}"
        if self.errors:
            text += f" ({len(self.errors)} error{'s' if len(self.errors) > 1 else ''})"
        return text

    def to_json(self) -> dict[str, object]:
        return {
            "reports": [r.to_json() for r in self.reports],
            "items": [i.to_json() for i in self.items],
            "errors": [e.to_json() for e in self.errors],
            "applications": list(self.applications),
        }


# -- parser ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Globals:
    usage_page: int = 0
    logical_min: int = 0
    logical_max_raw: tuple[int, int] = (0, 0)  # (unsigned value, size): sign fixed at use
    physical_min: int | None = None
    physical_max_raw: tuple[int, int] | None = None
    unit_exponent: int = 0
    unit: int = 0
    report_size: int | None = None
    report_id: int | None = None
    report_count: int | None = None

    def copy(self) -> _Globals:
        return _Globals(
            self.usage_page,
            self.logical_min,
            self.logical_max_raw,
            self.physical_min,
            self.physical_max_raw,
            self.unit_exponent,
            self.unit,
            self.report_size,
            self.report_id,
            self.report_count,
        )


@dataclass(slots=True)
class _Locals:
    spans: list[tuple[int, int, int]] = field(default_factory=list)
    usage_min: tuple[int | None, int] | None = None  # (page or None, id)
    usage_max: tuple[int | None, int] | None = None


def _signed(value: int, size: int) -> int:
    if size == 0:
        return 0
    bits = 8 * size
    return value - (1 << bits) if value & (1 << (bits - 1)) else value


def _max_value(raw: tuple[int, int], minimum: int | None) -> int:
    # Like Linux hid-core: a maximum is signed only when its minimum is negative, so
    # Logical Maximum (255) written as one byte 0xFF means 255 for a 0-based range.
    value, size = raw
    return _signed(value, size) if minimum is not None and minimum < 0 else value


def _usage_value(value: int, size: int, page: int) -> tuple[int, int]:
    # A 4-byte usage carries its own page in the high 16 bits (6.2.2.8).
    if size == 4:
        return value >> 16, value & 0xFFFF
    return page, value


class _Parser:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.items: list[HidItem] = []
        self.errors: list[HidError] = []
        self.g = _Globals()
        self.stack: list[_Globals] = []
        self.local = _Locals()
        self.collections: list[tuple[int, str]] = []  # (offset, label)
        self.applications: list[str] = []
        # (kind, report id) -> [bit offset, fields]; insertion order = first appearance.
        self.reports: dict[tuple[str, int | None], tuple[list[int], list[HidField]]] = {}
        self.saw_unnumbered = False

    def error(self, offset: int, message: str) -> None:
        self.errors.append(HidError(offset, message))

    def run(self) -> ReportMap:
        data, n, pos = self.data, len(self.data), 0
        while pos < n:
            prefix = data[pos]
            if prefix == 0xFE:  # long item: size, tag, data
                if pos + 3 > n:
                    self.error(pos, "long item header runs past the end of the descriptor")
                    break
                size, tag = data[pos + 1], data[pos + 2]
                end = pos + 3 + size
                if end > n:
                    self.error(pos, f"long item needs {size} data bytes, only {n - pos - 3} left")
                    break
                self.items.append(
                    HidItem(
                        pos,
                        bytes(data[pos:end]),
                        "reserved",
                        "Long Item",
                        None,
                        len(self.collections),
                        f"tag 0x{tag:02X}, {size} bytes",
                    )
                )
                self.error(pos, f"long item (tag 0x{tag:02X}) has no defined meaning; skipped")
                pos = end
                continue
            size = (1, 2, 4)[(prefix & 3) - 1] if prefix & 3 else 0
            end = pos + 1 + size
            if end > n:
                self.error(
                    pos, f"item 0x{prefix:02X} needs {size} data bytes, only {n - pos - 1} left"
                )
                break
            value = int.from_bytes(data[pos + 1 : end], "little")
            self.item(pos, bytes(data[pos:end]), (prefix >> 2) & 3, prefix >> 4, value, size)
            pos = end
        for offset, label in reversed(self.collections):
            self.error(offset, f"collection {label!r} is never closed")
        reports = tuple(
            HidReport(kind, rid, bits[0], tuple(fields))
            for (kind, rid), (bits, fields) in self.reports.items()
        )
        return ReportMap(tuple(self.items), reports, tuple(self.errors), tuple(self.applications))

    # -- one item -------------------------------------------------------------------------

    def item(self, pos: int, raw: bytes, typ: int, tag: int, value: int, size: int) -> None:
        depth = len(self.collections)
        if typ == 0:
            name = MAIN_TAGS.get(tag)
            if name is None:
                self.add(pos, raw, "main", f"Reserved main 0x{tag:X}", value, depth, "")
                self.error(pos, f"reserved main item tag 0x{tag:X}")
                self.local = _Locals()
                return
            text = self.main(pos, tag, value)
            if tag == 0xC:
                depth = len(self.collections)
            self.add(pos, raw, "main", name, value, depth, text)
        elif typ == 1:
            name = GLOBAL_TAGS.get(tag)
            if name is None:
                self.add(pos, raw, "global", f"Reserved global 0x{tag:X}", value, depth, "")
                self.error(pos, f"reserved global item tag 0x{tag:X}")
                return
            shown, text = self.global_item(pos, tag, value, size)
            self.add(pos, raw, "global", name, shown, depth, text)
        elif typ == 2:
            name = LOCAL_TAGS.get(tag)
            if name is None:
                self.add(pos, raw, "local", f"Reserved local 0x{tag:X}", value, depth, "")
                self.error(pos, f"reserved local item tag 0x{tag:X}")
                return
            text = self.local_item(pos, tag, value, size)
            self.add(pos, raw, "local", name, value, depth, text)
        else:
            self.add(pos, raw, "reserved", f"Reserved 0x{tag:X}", value, depth, "")
            self.error(pos, f"reserved item type (prefix 0x{raw[0]:02X})")

    def add(
        self, pos: int, raw: bytes, typ: str, tag: str, value: int | None, depth: int, text: str
    ) -> None:
        self.items.append(HidItem(pos, raw, typ, tag, value, depth, text))

    def main(self, pos: int, tag: int, value: int) -> str:
        local, self.local = self.local, _Locals()
        self.close_range(pos, local)
        if tag == 0xA:  # Collection
            ctype = COLLECTION_TYPES.get(value) or (
                f"Vendor 0x{value:02X}" if value >= 0x80 else f"Reserved 0x{value:02X}"
            )
            usage = None
            if local.spans:
                page, first, _ = local.spans[0]
                usage = hu.usage_label(page, first)
            label = f"{ctype}: {usage}" if usage else ctype
            if not self.collections and value == 0x01 and usage:
                self.applications.append(usage)
            self.collections.append((pos, label))
            return ctype + (f" ({usage})" if usage else "")
        if tag == 0xC:  # End Collection
            if not self.collections:
                self.error(pos, "End Collection without a matching Collection")
            else:
                self.collections.pop()
            return ""
        kind = REPORT_KINDS[tag]
        g = self.g
        if g.report_size is None or g.report_count is None:
            missing = "Report Size" if g.report_size is None else "Report Count"
            self.error(pos, f"{kind.capitalize()} item before any {missing}; taken as 0")
        report_size = g.report_size or 0
        report_count = g.report_count or 0
        key = (kind, g.report_id)
        if g.report_id is None:
            self.saw_unnumbered = True
        bits, fields = self.reports.setdefault(key, ([0], []))
        logical_max = _max_value(g.logical_max_raw, g.logical_min)
        physical_max = (
            _max_value(g.physical_max_raw, g.physical_min)
            if g.physical_max_raw is not None
            else None
        )
        fields.append(
            HidField(
                kind,
                g.report_id,
                bits[0],
                report_size,
                report_count,
                value,
                g.usage_page,
                tuple(local.spans),
                g.logical_min,
                logical_max,
                g.physical_min,
                physical_max,
                g.unit,
                g.unit_exponent,
                tuple(label for _, label in self.collections),
                pos,
            )
        )
        bits[0] += report_size * report_count
        return flags_text(value)

    def close_range(self, pos: int, local: _Locals) -> None:
        if local.usage_min is not None and local.usage_max is None:
            self.error(pos, "Usage Minimum without a Usage Maximum; ignored")
        elif local.usage_max is not None and local.usage_min is None:
            self.error(pos, "Usage Maximum without a Usage Minimum; ignored")

    def global_item(self, pos: int, tag: int, value: int, size: int) -> tuple[int, str]:
        g = self.g
        signed = _signed(value, size)
        if tag == 0x0:
            g.usage_page = value
            return value, hu.usage_page_name(value)
        if tag == 0x1:
            g.logical_min = signed
            return signed, str(signed)
        if tag == 0x2:
            g.logical_max_raw = (value, size)
            shown = _max_value((value, size), g.logical_min)
            return shown, str(shown)
        if tag == 0x3:
            g.physical_min = signed
            return signed, str(signed)
        if tag == 0x4:
            g.physical_max_raw = (value, size)
            shown = _max_value((value, size), g.physical_min)
            return shown, str(shown)
        if tag == 0x5:
            # Commonly written as a 4-bit two's complement (0x0E = -2), as Linux reads it.
            exp = (value - 16 if value >= 8 else value) if value <= 0xF else signed
            g.unit_exponent = exp
            return exp, str(exp)
        if tag == 0x6:
            g.unit = value
            return value, unit_text(value)
        if tag == 0x7:
            g.report_size = value
            return value, str(value)
        if tag == 0x8:
            if value == 0:
                self.error(pos, "Report ID 0 is reserved")
            if self.saw_unnumbered and g.report_id is None:
                self.error(
                    pos,
                    "Report ID after reports without one: the earlier reports have no id",
                )
            g.report_id = value
            return value, str(value)
        if tag == 0x9:
            g.report_count = value
            return value, str(value)
        if tag == 0xA:
            if len(self.stack) >= MAX_PUSH_DEPTH:
                self.error(pos, f"Push nested deeper than {MAX_PUSH_DEPTH}; ignored")
            else:
                self.stack.append(g.copy())
            return value, ""
        # Pop
        if not self.stack:
            self.error(pos, "Pop without a matching Push")
        else:
            self.g = self.stack.pop()
        return value, ""

    def local_item(self, pos: int, tag: int, value: int, size: int) -> str:
        local, page = self.local, self.g.usage_page
        if tag == 0x0:
            upage, uid = _usage_value(value, size, page)
            local.spans.append((upage, uid, uid))
            return hu.usage_label(upage, uid)
        if tag in (0x1, 0x2):
            upage, uid = _usage_value(value, size, page)
            explicit = upage if size == 4 else None
            if tag == 0x1:
                local.usage_min = (explicit, uid)
            else:
                local.usage_max = (explicit, uid)
            if local.usage_min is not None and local.usage_max is not None:
                (pmin, lo), (pmax, hi) = local.usage_min, local.usage_max
                range_page = pmin if pmin is not None else pmax if pmax is not None else page
                local.usage_min = local.usage_max = None
                if lo > hi:
                    self.error(pos, f"Usage Minimum {lo} is above Usage Maximum {hi}; ignored")
                else:
                    local.spans.append((range_page, lo, hi))
            return hu.usage_label(upage, uid)
        return str(value)


def _parse_report_map_uncached(data: bytes) -> ReportMap:
    """The parser without the cache: for the fuzzer and the benchmarks."""
    return _Parser(bytes(data)).run()


@lru_cache(maxsize=256)
def _parse_cached(data: bytes) -> ReportMap:
    return _Parser(data).run()


def parse_report_map(data: bytes | bytearray | memoryview) -> ReportMap:
    """Parse a HID report descriptor. Never raises; see ReportMap.errors."""
    return _parse_cached(bytes(data))


# -- input reports ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldValue:
    page: int
    usage: int | None
    name: str
    value: int

    def to_json(self) -> dict[str, object]:
        return {"page": self.page, "usage": self.usage, "name": self.name, "value": self.value}


@dataclass(frozen=True, slots=True)
class InputReportValue:
    report_id: int | None
    values: tuple[FieldValue, ...]  # variable elements (data, not padding)
    selected: tuple[FieldValue, ...]  # array elements that name a usage (keys, buttons)
    keys: tuple[str, ...]  # keyboard keys held, modifiers first
    modifiers: tuple[str, ...]
    key_codes: tuple[int, ...]  # keyboard usage ids held, modifiers included
    text: str  # what these keys type on a US layout ("" for shortcuts)
    error: str | None

    def to_json(self) -> dict[str, object]:
        return {
            "report_id": self.report_id,
            "values": [v.to_json() for v in self.values],
            "selected": [v.to_json() for v in self.selected],
            "keys": list(self.keys),
            "modifiers": list(self.modifiers),
            "text": self.text,
            "error": self.error,
        }


def _extract(bits: int, offset: int, size: int) -> int:
    return (bits >> offset) & ((1 << size) - 1)


def decode_input_report(
    report_map: ReportMap, report_id: int | None, data: bytes | bytearray
) -> InputReportValue:
    """Field values of one input report. `data` excludes the report-id byte when
    `report_id` is given (as a HID-over-GATT Report characteristic carries it); with
    `report_id` None and a map that numbers its reports, the first byte is the id."""
    data = bytes(data)
    rid = report_id
    if rid is None and report_map.uses_report_ids:
        if not data:
            return _empty(None, "empty report: expected a report-id byte first")
        rid, data = data[0], data[1:]
    report = report_map.report("input", rid)
    if report is None:
        known = [r.report_id for r in report_map.reports if r.kind == "input"]
        where = "no input report" if not known else f"no input report with id {rid}"
        return _empty(rid, f"{where} in the report map (input ids: {known})")
    error = None
    have = len(data) * 8
    if have < report.size_bits:
        error = f"report is {len(data)} bytes, the map defines {(report.size_bits + 7) // 8}"
    bits = int.from_bytes(data, "little")
    values: list[FieldValue] = []
    selected: list[FieldValue] = []
    for f in report.fields:
        if f.padding or f.report_size == 0:
            continue
        signed = f.logical_min < 0
        usages = _iter_usages(f) if f.variable else None
        for i in range(f.report_count):
            off = f.bit_offset + i * f.report_size
            if off + f.report_size > have:
                break
            raw = _extract(bits, off, f.report_size)
            if signed:
                raw = raw - (1 << f.report_size) if raw >> (f.report_size - 1) else raw
            if usages is not None:
                page, uid = next(usages)
                name = hu.usage_label(page, uid)
                values.append(FieldValue(page, uid, name, raw))
            else:
                if not f.logical_min <= raw <= f.logical_max:
                    continue  # out of range: "no usage" in an array (6.2.2.5)
                usage = f.usage_at(raw - f.logical_min)
                if usage is None or usage[1] == 0:
                    continue  # usage 0 is "no event"
                selected.append(FieldValue(usage[0], usage[1], hu.usage_label(*usage), raw))
    return _with_keys(rid, tuple(values), tuple(selected), error)


def _iter_usages(f: HidField) -> Iterator[tuple[int, int]]:
    """The usage of each element of a variable field, in order; the last one repeats for
    elements beyond the usages (6.2.2.8). Linear in the elements decoded."""
    page, last = f.usage_page, 0
    for page, first, last in f.usage_spans:
        yield from ((page, u) for u in range(first, last + 1))
    while True:
        yield page, last


def _empty(rid: int | None, error: str) -> InputReportValue:
    return InputReportValue(rid, (), (), (), (), (), "", error)


def _with_keys(
    rid: int | None,
    values: tuple[FieldValue, ...],
    selected: tuple[FieldValue, ...],
    error: str | None,
) -> InputReportValue:
    codes: list[int] = []
    for v in values:
        if v.page == hu.PAGE_KEYBOARD and v.usage is not None and v.value:
            codes.append(v.usage)
    for v in selected:
        if v.page == hu.PAGE_KEYBOARD and v.usage is not None:
            codes.append(v.usage)
    mods = [c for c in codes if hu.is_modifier(c)]
    keys = [c for c in codes if not hu.is_modifier(c) and c > 0x03]
    ordered = tuple(sorted(set(mods))) + tuple(dict.fromkeys(keys))
    text = keys_text(mods, keys) if 0x01 not in codes else ""
    return InputReportValue(
        rid,
        values,
        selected,
        tuple(hu.key_name(c) for c in ordered),
        tuple(hu.key_name(c) for c in sorted(set(mods))),
        ordered,
        text,
        error,
    )


# Typed control characters drawn as what a keyboard shows for them.
SHOWN_AS = {"\n": "⏎", "\t": "⇥"}


def shown_text(text: str) -> str:
    """Typed text with Enter and Tab as the signs a keyboard shows for them."""
    return "".join(SHOWN_AS.get(ch, ch) for ch in text)


def keys_text(modifiers: Iterable[int], keys: Iterable[int], caps_lock: bool = False) -> str:
    """What these keys type together on a US layout: shift applied, nothing for
    Control/Alt/GUI shortcuts."""
    mods = set(modifiers)
    if mods & hu.SHORTCUT_MODIFIERS:
        return ""
    shift = bool(mods & hu.SHIFT_KEYS)
    out = []
    for k in keys:
        upper = shift != caps_lock if hu.is_letter(k) else shift
        out.append(hu.key_text(k, upper))
    return "".join(out)


# -- boot protocol and typed text ---------------------------------------------------------

# HID 1.11 Appendix B.1 (boot keyboard) and B.2 (boot mouse): what HID-over-GATT's Boot
# Keyboard Input Report (0x2A22) and Boot Mouse Input Report (0x2A33) carry.
BOOT_KEYBOARD_DESCRIPTOR = bytes.fromhex(
    "05 01 09 06 a1 01 05 07 19 e0 29 e7 15 00 25 01 75 01 95 08 81 02 95 01 75 08 81 01"
    " 95 05 75 01 05 08 19 01 29 05 91 02 95 01 75 03 91 01 95 06 75 08 15 00 25 65 05 07"
    " 19 00 29 65 81 00 c0"
)
BOOT_MOUSE_DESCRIPTOR = bytes.fromhex(
    "05 01 09 02 a1 01 09 01 a1 00 05 09 19 01 29 03 15 00 25 01 95 03 75 01 81 02 95 01"
    " 75 05 81 01 05 01 09 30 09 31 15 81 25 7f 75 08 95 02 81 06 c0 c0"
)


def boot_keyboard_map() -> ReportMap:
    return parse_report_map(BOOT_KEYBOARD_DESCRIPTOR)


def boot_mouse_map() -> ReportMap:
    return parse_report_map(BOOT_MOUSE_DESCRIPTOR)


class KeyboardTextAccumulator:
    """Turns a stream of keyboard input reports into typed text, counting each key once
    when it goes down (reports repeat held keys). Backspace removes the last character;
    Caps Lock toggles. Without a report map the reports are boot-protocol (8 bytes)."""

    def __init__(
        self,
        report_map: ReportMap | None = None,
        report_id: int | None = None,
        max_chars: int = 100_000,
    ) -> None:
        self.report_map = report_map if report_map is not None else boot_keyboard_map()
        self.report_id = report_id
        self.max_chars = max_chars
        self._held: frozenset[int] = frozenset()
        self._chars: list[str] = []
        self.caps_lock = False

    @property
    def text(self) -> str:
        return "".join(self._chars)

    def reset(self) -> None:
        self._held = frozenset()
        self._chars.clear()
        self.caps_lock = False

    def feed(self, data: bytes | bytearray) -> str:
        """Decode one report; returns the characters its new key presses typed ("\\b"
        for a Backspace)."""
        value = decode_input_report(self.report_map, self.report_id, data)
        codes = value.key_codes
        if 0x01 in {v.usage for v in value.selected if v.page == hu.PAGE_KEYBOARD}:
            return ""  # ErrorRollOver: too many keys; keep the previous state
        held = frozenset(codes)
        pressed = [c for c in codes if c not in self._held and not hu.is_modifier(c)]
        self._held = held
        mods = [c for c in codes if hu.is_modifier(c)]
        typed = []
        for key in pressed:
            if key == hu.KEY_CAPS_LOCK:
                self.caps_lock = not self.caps_lock
                continue
            ch = keys_text(mods, [key], self.caps_lock)
            if not ch:
                continue
            typed.append(ch)
            if ch == "\b":
                if self._chars:
                    self._chars.pop()
            else:
                self._chars.append(ch)
        if len(self._chars) > self.max_chars:
            del self._chars[: len(self._chars) - self.max_chars]
        return "".join(typed)

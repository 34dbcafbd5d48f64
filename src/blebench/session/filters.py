"""Which stream samples a reader wants: a hex prefix, a regex on the hex, or a condition on
the decoded fields (`heart_rate > 100`). Pure: used by the stream store's `pull`, the Streams
pane's log filter (ui/streams/log_view.py) and `blebench notify --filter`.

A filter that cannot be understood raises `FilterError` (blebench.session.errors, a
`UserInputError`: exit 2, JSON `bad_input`) saying why.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from blebench.session.errors import FilterError

__all__ = [
    "FieldCondition",
    "FilterError",
    "SampleFilter",
    "check_fields",
    "known_fields",
    "normalize_hex",
]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "~": lambda a, b: str(b).lower() in str(a).lower(),
}
_CONDITION = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(==|!=|<=|>=|<|>|~|=)\s*(.+?)\s*$")


def normalize_hex(text: str) -> str:
    """Hex digits of `text` in lowercase, without separators (space : - _ and 0x).

    Raises FilterError naming the first bad character."""
    cleaned = text.strip().lower()
    if cleaned.startswith("0x"):
        cleaned = cleaned[2:]
    out = []
    for i, ch in enumerate(cleaned):
        if ch in "0123456789abcdef":
            out.append(ch)
        elif ch in " :-_":
            continue
        else:
            raise FilterError(f"{text!r} is not hex: {ch!r} at position {i + 1}")
    return "".join(out)


@dataclass(slots=True, frozen=True)
class FieldCondition:
    """`field op value` on decoded fields, e.g. `heart_rate > 100` or `sensor_contact == true`.

    A dotted name reaches into nested mappings (`flags.contact`). Numbers compare as numbers,
    `true`/`false` as booleans, `~` is "contains" (case-insensitive text)."""

    name: str
    op: str
    value: Any

    @classmethod
    def parse(cls, text: str) -> FieldCondition:
        m = _CONDITION.match(text)
        if m is None:
            raise FilterError(
                f"{text!r} is not a field condition: write FIELD OP VALUE, "
                "OP one of == != < <= > >= ~ (e.g. heart_rate>100)"
            )
        name, op, raw = m.groups()
        if raw[0] in "<>=!~":
            # `heart_rate>>100`, `bpm=>60`: a mistyped operator, not a value starting with ">".
            raise FilterError(
                f"{text!r}: {op + raw[0]!r} is not an operator: "
                "OP is one of == != < <= > >= ~ (e.g. heart_rate>100)"
            )
        op = "==" if op == "=" else op
        value = _literal(raw)
        if op in ("<", "<=", ">", ">=") and (
            isinstance(value, bool) or not isinstance(value, int | float)
        ):
            raise FilterError(
                f"{text!r}: {op} compares numbers, and {raw!r} is not one "
                "(use == or ~ for text)"
            )
        return cls(name, op, value)

    def matches(self, fields: Mapping[str, Any] | None) -> bool:
        if fields is None:
            return False
        value: Any = fields
        for part in self.name.split("."):
            if not isinstance(value, Mapping) or part not in value:
                return False
            value = value[part]
        if isinstance(value, Mapping) and "value" in value:
            value = value["value"]  # a {"value": .., "unit": ..} field
        try:
            return _OPS[self.op](value, self.value)
        except TypeError:
            return False  # e.g. text compared with a number: simply no match


def _literal(raw: str) -> Any:
    low = raw.lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        return int(raw, 0)
    except ValueError:
        pass
    try:
        return float(raw)
    except ValueError:
        pass
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1]
    return raw


@dataclass(slots=True, frozen=True)
class SampleFilter:
    """Which samples a reader wants. All given parts must match.

    - `hex_prefix`: the payload starts with these bytes (lowercase hex, no separators);
    - `regex`: a regular expression searched in the payload's lowercase hex (no separators);
    - `condition`: a `FieldCondition` on the decoded fields (needs a decoder).
    """

    hex_prefix: str | None = None
    regex: re.Pattern[str] | None = None
    condition: FieldCondition | None = None

    @classmethod
    def parse(cls, spec: str) -> SampleFilter:
        """`prefix:55AA` (or `hex:`), `re:^55aa..03`, or a field condition `heart_rate>100`."""
        spec = spec.strip()
        kind, sep, rest = spec.partition(":")
        kind = kind.lower()
        if sep and kind in ("prefix", "hex"):
            prefix = normalize_hex(rest)
            if len(prefix) % 2:
                raise FilterError(f"hex prefix {rest!r} has an odd number of digits")
            return cls(hex_prefix=prefix)
        if sep and kind in ("re", "regex"):
            try:
                return cls(regex=re.compile(rest))
            except re.error as exc:
                raise FilterError(f"regex {rest!r}: {exc}") from None
        return cls(condition=FieldCondition.parse(spec))

    def matches(self, data: bytes, decoded: Callable[[], Mapping[str, Any] | None]) -> bool:
        if self.hex_prefix is not None or self.regex is not None:
            hx = data.hex()
            if self.hex_prefix is not None and not hx.startswith(self.hex_prefix):
                return False
            if self.regex is not None and self.regex.search(hx) is None:
                return False
        if self.condition is not None:
            return self.condition.matches(decoded())
        return True


# UUIDs whose values the session decodes per stream (blebench.session.hid: a keyboard's
# input report as keys and text), not by the decoding core: their fields are not known
# before subscribing.
_DECODED_PER_STREAM = frozenset({"00002a4d-0000-1000-8000-00805f9b34fb"})


def known_fields(uuid: str) -> frozenset[str] | None:
    """The decoded field names a condition can test on values of `uuid` (None: not known
    before values come, e.g. a HID report; empty: its values are not decoded into fields)."""
    from blebench.decode.gatt_values import field_names
    from blebench.decode.names import normalize_uuid

    try:
        full = normalize_uuid(uuid)
    except ValueError:
        return None
    if full in _DECODED_PER_STREAM:
        return None
    return field_names(full) or frozenset()


def check_fields(sample_filter: SampleFilter | None, uuid: str, label: str = "") -> None:
    """Raise FilterError at once when `sample_filter`'s condition names a field that values
    of `uuid` never have (a typo such as `heart_rate_bmp` would otherwise wait forever),
    listing the fields they do have."""
    condition = sample_filter.condition if sample_filter is not None else None
    if condition is None:
        return
    names = known_fields(uuid)
    if names is None:
        return
    what = label or uuid
    if not names:
        raise FilterError(
            f"{what}: its values are not decoded into fields, so {condition.name!r} never "
            "matches; filter on its bytes instead: prefix:HEX or re:REGEX"
        )
    if condition.name in names:
        return
    prefix = condition.name + "."
    if any(name.startswith(prefix) for name in names):
        return
    close = difflib.get_close_matches(condition.name, sorted(names), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise FilterError(
        f"{what} has no field {condition.name!r}{hint}; its fields: {', '.join(sorted(names))}"
    )

"""Names for numbers: UUIDs, company identifiers, appearance values.

The tables are the ones bleak, Bumble and bluetooth-sig ship (bleak.uuids;
the Bluetooth SIG's own company_identifiers.yaml as bluetooth-sig packages it, with
bumble.company_ids for the ids the SIG has since withdrawn; bumble.core.Appearance),
never copied here. They load on first use so that importing
`blebench.decode` stays cheap; after that every lookup is a dict access.
"""

from __future__ import annotations

import re
from functools import lru_cache

SIG_BASE_SUFFIX = "-0000-1000-8000-00805f9b34fb"
_HEX = frozenset("0123456789abcdef")


# -- UUIDs -----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _uuid_tables() -> tuple[dict[int, str], dict[str, str]]:
    from bleak.uuids import uuid16_dict, uuid128_dict

    return uuid16_dict, uuid128_dict


def uuid_text(raw: bytes, *, little_endian: bool = False) -> str:
    """16 bytes as a lowercase dashed UUID, `str(uuid.UUID(bytes=raw))` (a test holds the
    two equal); `little_endian` for the order AD structures and ATT carry them in (beacons
    send theirs big-endian). The one place blebench dashes a UUID: sliced from the hex
    text, three times faster than building a `uuid.UUID` on a scan's cache misses."""
    return _dashed((raw[::-1] if little_endian else raw).hex())


def _dashed(hex32: str) -> str:
    return f"{hex32[0:8]}-{hex32[8:12]}-{hex32[12:16]}-{hex32[16:20]}-{hex32[20:32]}"


@lru_cache(maxsize=4096)
def normalize_uuid(uuid: str | int) -> str:
    """The 128-bit lowercase dashed form of a 16-, 32- or 128-bit UUID.

    Accepts ints and strings such as "2a37", "0x2A37", "0000180d", a 32-digit hex string
    or the dashed 128-bit form (braces allowed). Raises ValueError for anything else.
    """
    if isinstance(uuid, bool):
        raise ValueError(f"not a UUID: {uuid!r}")
    if isinstance(uuid, int):
        if uuid < 0 or uuid >= 1 << 128:
            raise ValueError(f"not a UUID: {uuid!r}")
        if uuid <= 0xFFFFFFFF:
            return f"{uuid:08x}{SIG_BASE_SUFFIX}"
        return _dashed(f"{uuid:032x}")
    if not isinstance(uuid, str):
        raise ValueError(f"not a UUID: {uuid!r}")
    text = uuid.strip().lower()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    if text.startswith("0x"):
        text = text[2:]
    compact = text.replace("-", "") if len(text) == 36 else text
    if len(text) == 36 and [len(p) for p in text.split("-")] != [8, 4, 4, 4, 12]:
        raise ValueError(f"not a UUID: {uuid!r}")
    if not compact or not _HEX.issuperset(compact):
        raise ValueError(f"not a UUID: {uuid!r}")
    if len(compact) == 4:
        return f"0000{compact}{SIG_BASE_SUFFIX}"
    if len(compact) == 8:
        return f"{compact}{SIG_BASE_SUFFIX}"
    if len(compact) == 32:
        return _dashed(compact)
    raise ValueError(f"not a UUID: {uuid!r}")


def short_uuid(uuid: str | int) -> str:
    """ "2a37" for a UUID on the Bluetooth SIG base ("0000fe2c..." -> "fe2c", a 32-bit
    one gives 8 digits), else the full 128-bit form. Raises ValueError like
    `normalize_uuid`."""
    full = normalize_uuid(uuid)
    if full.endswith(SIG_BASE_SUFFIX):
        head = full[:8]
        return head[4:] if head.startswith("0000") else head
    return full


@lru_cache(maxsize=4096)
def uuid_name(uuid: str | int) -> str | None:
    """The assigned (or well-known vendor) name of a UUID, or None when unknown or not a
    UUID at all."""
    try:
        full = normalize_uuid(uuid)
    except ValueError:
        return None
    table16, table128 = _uuid_tables()
    name = table128.get(full)
    if name is not None:
        return name
    if full.endswith(SIG_BASE_SUFFIX) and full.startswith("0000"):
        return table16.get(int(full[4:8], 16))
    return None


# -- companies ---------------------------------------------------------------------------


# The SIG's assigned-numbers file inside the bluetooth-sig package (a copy of the SIG's
# own repository; bumble.company_ids stops at 0x0CFF). Read as a data file: importing the
# package itself would load its whole characteristic library (about 0.3 s).
_SIG_COMPANIES = "bluetooth_sig/assigned_numbers/company_identifiers/company_identifiers.yaml"


# One entry of that file as the SIG writes it: `- value: 0x0D53` then `name: '...'` (a
# quote doubled inside) or `name: "..."`. Read line-wise (5 ms, against 150 ms for PyYAML);
# any entry not in that shape makes the whole file go through PyYAML instead.
_ENTRY = re.compile(
    r"^\s*- value: (0x[0-9A-Fa-f]+)\n\s*name: (?:'((?:[^']|'')*)'|\"([^\"\\\\]*)\")\s*$", re.M
)


def _sig_companies() -> dict[int, str]:
    """{company id: name} from bluetooth-sig's copy of the SIG's list; {} without it."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("bluetooth_sig")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations)), _SIG_COMPANIES)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}
    found = {
        int(value, 16): single.replace("''", "'") if single else double
        for value, single, double in _ENTRY.findall(text)
    }
    if len(found) == text.count("- value:"):
        return found
    return _sig_companies_yaml(text)


def _sig_companies_yaml(text: str) -> dict[int, str]:
    try:
        import yaml
    except ImportError:
        return {}
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        entries = yaml.load(text, Loader=loader)["company_identifiers"]
        return {int(e["value"]): str(e["name"]) for e in entries}
    except (KeyError, TypeError, ValueError, yaml.YAMLError):
        return {}


@lru_cache(maxsize=1)
def _companies() -> dict[int, str]:
    from bumble.company_ids import COMPANY_IDENTIFIERS

    table = dict(COMPANY_IDENTIFIERS)
    table.update(_sig_companies())
    return table


def company_name(company_id: int) -> str | None:
    """The Bluetooth SIG company identifier's name, or None: the SIG's current list
    (bluetooth-sig's copy), else Bumble's (bumble.company_ids) for a withdrawn id."""
    return _companies().get(company_id)


# -- appearance --------------------------------------------------------------------------

# Enum member names are SCREAMING_CASE; these words keep their own spelling in titles.
_WORD_SPELLING = {
    "AV": "AV",
    "CD": "CD",
    "DVD": "DVD",
    "HID": "HID",
    "HVAC": "HVAC",
    "IOT": "IoT",
    "LED": "LED",
    "PC": "PC",
    "PDA": "PDA",
    "AND": "and",
    "OR": "or",
    "IN": "in",
    "ON": "on",
    "WITH": "with",
}


def _title(enum_name: str) -> str:
    words = enum_name.split("_")
    out = []
    for i, word in enumerate(words):
        spelled = _WORD_SPELLING.get(word)
        if spelled is None or (i == 0 and spelled.islower()):
            spelled = word.capitalize()
        out.append(spelled)
    return " ".join(out)


@lru_cache(maxsize=1)
def _appearance_table() -> dict[int, tuple[str, dict[int, str]]]:
    from bumble.core import Appearance

    table: dict[int, tuple[str, dict[int, str]]] = {}
    for category in Appearance.Category:
        sub_class = Appearance.SUBCATEGORY_CLASSES.get(category)
        subs = {int(m): _title(m.name) for m in sub_class} if sub_class else {}
        table[int(category)] = (_title(category.name), subs)
    return table


def appearance_name(value: int) -> tuple[str, str | None]:
    """(category, subcategory) names of a GAP Appearance value (10-bit category, 6-bit
    subcategory). An unassigned category gives ("Unknown (0x....)", None) with the whole
    value; an unassigned subcategory of a known category gives "Unknown (0x..)"."""
    value &= 0xFFFF
    category, sub = value >> 6, value & 0x3F
    entry = _appearance_table().get(category)
    if entry is None:
        return f"Unknown (0x{value:04x})", None
    category_name, subs = entry
    if category == 0:
        return category_name, None
    sub_name = subs.get(sub)
    return category_name, sub_name if sub_name is not None else f"Unknown (0x{sub:02x})"

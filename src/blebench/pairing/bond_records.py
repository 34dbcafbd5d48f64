"""What one record of a bond file may hold, checked before it becomes a `Bond`.

A bond file is ours, but it lives on a disk: an editor, a sync tool or bad luck can leave a
number too big for any float (`1e999`), a string where a flag was, a key of the wrong length.
`bond_from_record` refuses such a record with one sentence naming the field, so the store
keeps the readable bonds and says which one it could not use (`BadRecord`).
"""

from __future__ import annotations

from typing import Any

from blebench.pairing.models import KEY_NAMES, KEY_SIZE_MAX, KEY_SIZE_MIN, Bond

KEY_BYTES = 16  # LTK, IRK, CSRK and link key are all 128-bit (Vol 3 Part H 2.4)
RAND_BYTES = 8  # legacy LTK's Rand (Vol 3 Part H 3.6.3)
EDIV_MAX = 0xFFFF
FORMAT = "blebench-bonds"
VERSION = 1


class BadRecord(ValueError):
    """One record cannot be used; the message names the field and what it holds."""


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def normalise_address(address: str) -> str:
    """`aa-bb-cc-dd-ee-ff` / `aabbccddeeff` / `AA:BB:..` -> `AA:BB:CC:DD:EE:FF`. Raises ValueError."""
    text = address.strip().upper().removesuffix("/P").replace("-", ":")
    if ":" not in text and len(text) == 12:
        text = ":".join(text[i:i + 2] for i in range(0, 12, 2))
    parts = text.split(":")
    if len(parts) != 6 or not all(len(p) == 2 and all(c in "0123456789ABCDEF" for c in p) for p in parts):
        raise ValueError(f"not a Bluetooth address: {address!r} (expected AA:BB:CC:DD:EE:FF)")
    return text


def _address(record: dict[str, Any], name: str, *, required: bool = False) -> None:
    value = record.get(name)
    if value is None and not required:
        return
    if not isinstance(value, str):
        raise BadRecord(f"{name} is {_shown(value)}, not an address")
    try:
        normalise_address(value)
    except ValueError:
        raise BadRecord(f"{name} {_shown(value)} is not a Bluetooth address") from None


def _flag(record: dict[str, Any], name: str) -> None:
    value = record.get(name, False)
    if not isinstance(value, bool):
        raise BadRecord(f"{name} is {_shown(value)}, not true or false")


def _text(record: dict[str, Any], name: str, *, optional: bool = False) -> None:
    value = record.get(name, None if optional else "")
    if not (isinstance(value, str) or (optional and value is None)):
        raise BadRecord(f"{name} is {_shown(value)}, not text")


def _whole(record: dict[str, Any], name: str, low: int, high: int, what: str,
           where: str = "") -> None:
    value = record[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadRecord(f"{where}{name} is {_shown(value)}, not {what} ({low}..{high})")


def _hex(record: dict[str, Any], name: str, size: int, where: str) -> None:
    value = record.get(name)
    try:
        if not isinstance(value, str) or len(bytes.fromhex(value)) != size:
            raise ValueError
    except ValueError:
        raise BadRecord(f"{where}{name} is {_shown(value)}, not {size} bytes in hex") from None


def _keys(keys: object) -> None:
    if not isinstance(keys, dict):
        raise BadRecord(f"keys is {_shown(keys)}, not an object")
    if keys.get("address_type") is not None:
        _whole(keys, "address_type", 0, 3, "an HCI address type", "keys.")
    for name in KEY_NAMES:
        key = keys.get(name)
        if key is None:
            continue
        if not isinstance(key, dict):
            raise BadRecord(f"keys.{name} is {_shown(key)}, not an object")
        _hex(key, "value", KEY_BYTES, f"keys.{name}.")
        _flag(key, "authenticated")
        if key.get("ediv") is not None:
            _whole(key, "ediv", 0, EDIV_MAX, "an EDIV", f"keys.{name}.")
        if key.get("rand") is not None:
            _hex(key, "rand", RAND_BYTES, f"keys.{name}.")


def bond_from_record(record: object) -> Bond:
    """The `Bond` a bond-file record holds. Raises `BadRecord` (a ValueError) in words."""
    if not isinstance(record, dict):
        raise BadRecord(f"is {_shown(record)}, not an object")
    _address(record, "address", required=True)
    if record.get("address_type", "random") not in ("public", "random"):
        raise BadRecord(f"address_type is {_shown(record.get('address_type'))}, "
                        "not 'public' or 'random'")
    _address(record, "identity_address")
    _address(record, "local_address")
    _text(record, "name", optional=True)
    _text(record, "created")
    _text(record, "last_used")
    for name in ("authenticated", "sc"):
        _flag(record, name)
    if "key_size" in record:
        _whole(record, "key_size", KEY_SIZE_MIN, KEY_SIZE_MAX, "a key size in bytes")
    _keys(record.get("keys") or {})
    options = record.get("options")
    if options is not None and not isinstance(options, dict):
        raise BadRecord(f"options is {_shown(options)}, not an object")
    try:
        bond = Bond.from_record(record)
    except (KeyError, TypeError, ValueError, OverflowError) as err:
        raise BadRecord(f"cannot be read ({err})") from None
    return bond


def describe_record(index: int, record: object) -> str:
    """`bond 3 (C0:11:..)`: which record, for a sentence about it."""
    from blebench.decode.text import printable

    address = record.get("address") if isinstance(record, dict) else None
    return f"bond {index + 1}" + (f" ({printable(address, 40)})" if isinstance(address, str) else "")


def bonds_of_document(document: object) -> tuple[list[Bond], list[str]]:
    """The bonds of a parsed bond file and, per record refused, one sentence why.
    Raises `BadRecord` when the document is not a bond file at all."""
    records = document.get("bonds") if isinstance(document, dict) else None
    if not isinstance(records, list):
        raise BadRecord("has no list of bonds")
    bonds: list[Bond] = []
    refused: list[str] = []
    for index, record in enumerate(records):
        try:
            bonds.append(bond_from_record(record))
        except BadRecord as err:
            refused.append(f"{describe_record(index, record)}: {err}")
    return bonds, refused

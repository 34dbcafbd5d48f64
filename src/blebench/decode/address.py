"""Device address kinds and resolvable private address resolution (Core spec Vol 6
Part B 1.3; the `ah` function of Vol 3 Part H 2.2.2)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

_HEX = frozenset("0123456789abcdefABCDEF")


def address_bytes(address: str) -> bytes:
    """The 6 bytes of "AA:BB:CC:DD:EE:FF" (also "-" separated or bare), most significant
    first. Raises ValueError for anything that is not 6 octets of hex."""
    text = address.strip().replace(":", "").replace("-", "")
    if len(text) != 12 or not _HEX.issuperset(text):
        raise ValueError(f"not a device address: {address!r}")
    return bytes.fromhex(text)


def classify_address(address: str, is_random: bool) -> str:
    """ "public" | "random-static" | "resolvable-private" | "non-resolvable-private".

    The two most significant bits of a random address give its sub-type: 11 static,
    01 resolvable private, 00 non-resolvable private (10 is reserved: reported as
    non-resolvable, since nothing can resolve it). Raises ValueError for a malformed
    address."""
    top = address_bytes(address)[0] >> 6
    if not is_random:
        return "public"
    if top == 0b11:
        return "random-static"
    if top == 0b01:
        return "resolvable-private"
    return "non-resolvable-private"


@lru_cache(maxsize=256)
def _cipher(irk: bytes) -> Any:
    """AES-128 with this IRK, built once per IRK (as bluetooth-data-tools' privacy module
    does): resolving a scan's addresses against the bonds runs `ah` for each pair."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    return Cipher(algorithms.AES(irk), modes.ECB())


def ah(irk: bytes, prand: bytes) -> bytes:
    """The random address hash: the 24 least significant bits of e(irk, 0^104 || prand),
    as 3 bytes, most significant first (like prand). The same function as
    `bumble.crypto.ah`, which takes and gives the bytes reversed (a test holds the two
    together); this one keeps `decode` free of Bumble and the cipher per IRK."""
    if len(irk) != 16 or len(prand) != 3:
        raise ValueError("ah needs a 16-byte IRK and a 3-byte prand")
    encryptor = _cipher(bytes(irk)).encryptor()
    block = encryptor.update(bytes(13) + prand) + encryptor.finalize()
    return bytes(block[13:16])


def resolve_rpa(address: str, irks: Iterable[bytes]) -> bytes | None:
    """The IRK (of `irks`) that generated this resolvable private address, or None.

    None too when the address is not an RPA (its top bits are not 01); a malformed
    address raises ValueError."""
    raw = address_bytes(address)
    if raw[0] >> 6 != 0b01:
        return None
    prand, hash_ = raw[:3], raw[3:]
    for irk in irks:
        if len(irk) == 16 and ah(irk, prand) == hash_:
            return irk
    return None

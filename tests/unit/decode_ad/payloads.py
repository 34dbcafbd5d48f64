"""Random and structure-shaped payloads for fuzzing (seeded, reproducible)."""

from __future__ import annotations

import random

from blebench.decode.ad_types import AD_TYPES

_TYPES = sorted(AD_TYPES) + [0x00, 0x0B, 0x33, 0xEE]
_VENDOR_HEADS = (
    b"\xff\x4c\x00\x02\x15",  # iBeacon prefix
    b"\xff\x4c\x00\x10\x05",  # Apple continuity
    b"\xff\x18\x01\xbe\xac",  # AltBeacon
    b"\xff\x06\x00\x01\x09",  # Microsoft CDP
    b"\x16\xaa\xfe\x00",  # Eddystone UID
    b"\x16\xaa\xfe\x10",  # Eddystone URL
    b"\x16\xaa\xfe\x20\x00",  # Eddystone TLM
    b"\x16\xaa\xfe\x30",  # Eddystone EID
    b"\x16\xd2\xfc\x40",  # BTHome v2
    b"\x16\xd2\xfc\x41",  # BTHome v2 encrypted
    b"\x16\x2c\xfe",  # Fast Pair
)


def random_payload(rnd: random.Random) -> bytes:
    """Pure noise half the time; otherwise a run of plausible structures, some of them
    broken (a length off by a few, a truncated tail)."""
    if rnd.random() < 0.3:
        return rnd.randbytes(rnd.randrange(0, 64))
    out = bytearray()
    for _ in range(rnd.randrange(1, 7)):
        if rnd.random() < 0.4:
            head = rnd.choice(_VENDOR_HEADS)
            body = head[1:] + rnd.randbytes(rnd.randrange(0, 26))
            ad_type = head[0]
        else:
            ad_type = rnd.choice(_TYPES)
            body = rnd.randbytes(rnd.randrange(0, 20))
        length = len(body) + 1
        if rnd.random() < 0.1:
            length = (length + rnd.randrange(-3, 4)) & 0xFF
        out += bytes([length, ad_type]) + body
    if rnd.random() < 0.15 and out:
        del out[rnd.randrange(len(out)) :]
    return bytes(out)

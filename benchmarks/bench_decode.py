"""Advertising decode figures (issue 4): unique and cached payload rates, and our
uncached decode time against bluetooth-data-tools' uncached parser on the same payloads.

- adv_unique_per_s: decode_payload (a cache miss every time: all payloads distinct) plus
  a registry-dict update, as the session layer does per advertisement.
- adv_cached_per_s: the same on payloads that repeat (what a scan mostly sees).
- adv_ratio_vs_bdt: decode_payload_uncached time / bluetooth_data_tools.gap's
  _uncached_parse_advertisement_bytes time (the installed, compiled build). Ours gives the
  list values (name, UUIDs, company ids, TX power, appearance, flags) and the error count,
  as theirs gives its own; the per-structure fields and vendor formats wait for first use.
- adv_full_us: decode_payload_uncached, then every structure's fields and the vendor
  formats read: all the decoding a payload can need (what --json prints).
- adv_ratio_vs_bdt_py: the same against bluetooth-data-tools' pure-Python gap.py, loaded
  from its source file: an interpreter-to-interpreter comparison.
- scanner_fields_us: the Bumble scanner's bleak fields (name, UUIDs, manufacturer and
  service data dicts) of a payload it has not seen, decode included: its cost per new
  payload.
"""

from __future__ import annotations

import importlib.util
import os
import random
import sys
import time
from collections.abc import Callable
from typing import Any

from blebench.decode.payload import DecodedPayload, decode_payload, decode_payload_uncached


def make_payloads(count: int, seed: int = 7) -> list[bytes]:
    """Distinct, realistic payloads: flags, a name, service UUIDs, manufacturer data, and
    now and then an iBeacon, Eddystone TLM or BTHome frame."""
    rnd = random.Random(seed)
    out = []
    for i in range(count):
        name = b"Sensor-%06d" % i
        parts = [b"\x02\x01\x06", bytes([len(name) + 1, 0x09]) + name]
        kind = i % 4
        if kind == 0:
            parts.append(b"\x05\x03\x0d\x18\x0f\x18")
            parts.append(b"\x07\xff\x59\x00" + rnd.randbytes(4))
        elif kind == 1:
            parts = [b"\x02\x01\x06", b"\x1a\xff\x4c\x00\x02\x15" + rnd.randbytes(20) + b"\xc5"]
        elif kind == 2:
            parts.append(b"\x03\x03\xaa\xfe")
            parts.append(b"\x11\x16\xaa\xfe\x20\x00" + rnd.randbytes(12))
        else:
            # BTHome v2: packet id, temperature, humidity (12 bytes after the length).
            parts.append(
                b"\x0c\x16\xd2\xfc\x40\x00"
                + bytes([i & 0xFF])
                + b"\x02"
                + rnd.randbytes(2)
                + b"\x03"
                + rnd.randbytes(2)
            )
            parts.append(b"\x02\x0a\xf4")
        out.append(b"".join(parts))
    return out


def _bdt_pure() -> Callable[[bytes], Any]:
    import bluetooth_data_tools

    path = os.path.join(os.path.dirname(bluetooth_data_tools.__file__), "gap.py")
    spec = importlib.util.spec_from_file_location("bluetooth_data_tools._bench_gap_py", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    parse: Callable[[bytes], Any] = module._uncached_parse_advertisement_bytes
    return parse


def _decode_fully(data: bytes) -> DecodedPayload:
    decoded = decode_payload_uncached(data)
    for structure in decoded.structures:
        structure.fields  # noqa: B018 - read, as a consumer of the fields does
    decoded.vendors  # noqa: B018
    return decoded


def _time_each(fn: Callable[[bytes], Any], payloads: list[bytes], rounds: int) -> float:
    """Best of `rounds` passes, seconds per payload."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for p in payloads:
            fn(p)
        best = min(best, time.perf_counter() - started)
    return best / len(payloads)


def run(quick: bool) -> dict[str, object]:
    from bluetooth_data_tools.gap import _uncached_parse_advertisement_bytes as bdt_parse

    n = 20_000 if quick else 100_000
    rounds = 2 if quick else 3
    payloads = make_payloads(n)
    addresses = [
        f"AA:BB:CC:{i >> 16 & 0xFF:02X}:{i >> 8 & 0xFF:02X}:{i & 0xFF:02X}" for i in range(n)
    ]

    registry: dict[str, tuple[Any, float]] = {}

    def unique_pass() -> float:
        decode_payload.cache_clear()
        started = time.perf_counter()
        for address, p in zip(addresses, payloads, strict=True):
            registry[address] = (decode_payload(p), started)
        return time.perf_counter() - started

    unique = min(unique_pass() for _ in range(rounds))

    repeated = payloads[:256] * (n // 256)
    decode_payload.cache_clear()
    for p in payloads[:256]:
        decode_payload(p)

    def cached_pass() -> float:
        started = time.perf_counter()
        for address, p in zip(addresses, repeated, strict=False):
            registry[address] = (decode_payload(p), started)
        return time.perf_counter() - started

    cached = min(cached_pass() for _ in range(rounds))

    sample = payloads[: n // 2]
    ours = _time_each(decode_payload_uncached, sample, rounds)
    full = _time_each(_decode_fully, sample, rounds)
    theirs = _time_each(bdt_parse, sample, rounds)
    theirs_py = _time_each(_bdt_pure(), sample, rounds)
    scanner = _time_scanner_fields(sample, rounds)
    return {
        "adv_unique_per_s": round(n / unique),
        "adv_cached_per_s": round(len(repeated) / cached),
        "adv_uncached_us": round(ours * 1e6, 2),
        "adv_full_us": round(full * 1e6, 2),
        "adv_bdt_uncached_us": round(theirs * 1e6, 2),
        "adv_ratio_vs_bdt": round(ours / theirs, 1),
        "adv_ratio_vs_bdt_py": round(ours / theirs_py, 1),
        "scanner_fields_us": round(scanner * 1e6, 2),
    }


def _time_scanner_fields(payloads: list[bytes], rounds: int) -> float:
    """Best of `rounds`, seconds per payload, every payload new to the decode cache."""
    from blebench.backends.bumble.scanner import _bleak_fields

    best = float("inf")
    for _ in range(rounds):
        decode_payload.cache_clear()
        started = time.perf_counter()
        for p in payloads:
            _bleak_fields(p, None)
        best = min(best, time.perf_counter() - started)
    return best / len(payloads)


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    for key, value in run(quick).items():
        print(f"{key}: {value}")

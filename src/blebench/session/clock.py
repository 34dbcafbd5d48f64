"""`SessionClock`: the clocks one session reads, given once when it is built.

Everything that stamps or ages data in a session reads these three callables: the device
registry ("last seen" ages, report rates), the stream store (sample times, rates, log
lines) and the link RSSI sampler (its points plot beside the advertisements' RSSI). By
default they are the system's. A session fed from somewhere else (the snapshot tests' fixed
world, a capture being replayed) passes its own to `SessionManager.open(clock=...)`, so
every part agrees on what "now" is without anyone reaching into the parts afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["SYSTEM_CLOCK", "SessionClock"]


@dataclass(frozen=True, slots=True)
class SessionClock:
    """`monotonic` in seconds (ages and intervals), `monotonic_ns` the same clock in
    nanoseconds (stream samples), `time_ns` the wall clock in Unix nanoseconds (what a
    log line or an export shows). The two monotonic callables must be one clock."""

    monotonic: Callable[[], float] = time.monotonic
    monotonic_ns: Callable[[], int] = time.monotonic_ns
    time_ns: Callable[[], int] = time.time_ns


SYSTEM_CLOCK = SessionClock()

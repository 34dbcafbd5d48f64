"""Bounded memory on a busy air (issue 17, item 5): however many distinct advertisers go
by, what the process keeps per address stays within the registry's cap: the registry,
the Bumble scanner's peers and bleak's `seen_devices`, and Bumble's own
`Device.advertisement_accumulators` (one per address until a scan restarts, unless
trimmed). Structures are asserted, not timings; `benchmarks/bench_memory.py` gives the
RSS of 100,000 advertisers."""

from __future__ import annotations

import pytest

from blebench.backends.bumble.scanner import MAX_PEERS, BumbleScanner
from blebench.session.manager import SessionManager, SessionSettings
from blebench.session.registry import MAX_DEVICES
from blebench.sim.crowd import Crowd
from tests.integration.rig import wait_until

# Five times the cap: every bounded structure has wrapped several times over.
ADVERTISERS = 5 * MAX_DEVICES


def _backend(session: SessionManager) -> BumbleScanner:
    scanner = session._scanner
    assert scanner is not None
    backend = scanner._backend
    assert isinstance(backend, BumbleScanner)
    return backend


@pytest.mark.slow
async def test_distinct_advertisers_keep_every_per_address_structure_bounded() -> None:
    settings = SessionSettings(sim=True, peripherals=(), user_devices=False)
    async with await SessionManager.open(settings) as session:
        await session.start_scan(active=False)
        assert session.world is not None
        crowd = Crowd(session.world.link)
        await crowd.advertise(ADVERTISERS)
        await wait_until(lambda: session.registry.reports >= ADVERTISERS, timeout=60)
        # Every report arrived (none dropped to stay bounded) ...
        assert session.registry.reports == ADVERTISERS
        # ... the newest are there, heard by name, the oldest evicted.
        newest = session.registry.get(crowd.address(ADVERTISERS - 1).to_string(False))
        assert newest is not None and newest.name == f"crowd {ADVERTISERS - 1}"
        assert session.registry.get(crowd.address(0).to_string(False)) is None
        assert len(session.registry) == MAX_DEVICES
        assert session.registry.evicted == ADVERTISERS - MAX_DEVICES
        backend = _backend(session)
        assert MAX_PEERS <= MAX_DEVICES
        assert len(backend._peers) <= MAX_PEERS
        assert len(backend.seen_devices) <= MAX_PEERS
        accumulators = session.radio.device.advertisement_accumulators  # type: ignore[attr-defined]
        assert len(accumulators) <= MAX_PEERS


async def test_a_forgotten_address_leaves_nothing_in_bumble() -> None:
    settings = SessionSettings(sim=True, peripherals=(), user_devices=False)
    async with await SessionManager.open(settings) as session:
        await session.start_scan(active=False)
        assert session.world is not None
        crowd = Crowd(session.world.link)
        await crowd.advertise(3)
        await wait_until(lambda: session.registry.reports >= 3)
        device = session.radio.device  # type: ignore[attr-defined]
        key = crowd.address(1).to_string(False)
        assert crowd.address(1) in device.advertisement_accumulators
        backend = _backend(session)
        backend.forget(key)
        assert crowd.address(1) not in device.advertisement_accumulators
        assert key not in backend.seen_devices
        # Heard again: known again, from its next report on.
        assert len(device.advertisement_accumulators) == 2

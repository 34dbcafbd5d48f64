"""Fixtures of the integration tests: virtual worlds, with a Bumble central or a session."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import pytest

from blebench.session.manager import SessionManager
from blebench.sim.catalogue.base import VirtualPeripheral
from tests.integration.rig import Rig, RigFactory, sim_session


@pytest.fixture
async def world() -> AsyncIterator[RigFactory]:
    """`await world(peripheral, ...)` starts a virtual world with them and a central."""
    rigs: list[Rig] = []

    async def start(*peripherals: VirtualPeripheral, seed: int = 0) -> Rig:
        rig = await Rig.start(*peripherals, seed=seed)
        rigs.append(rig)
        return rig

    yield start
    for rig in rigs:
        await rig.close()


@pytest.fixture
def session_world() -> Callable[..., AbstractAsyncContextManager[SessionManager]]:
    """`async with session_world(peripheral, ...) as session:` a SessionManager on a
    virtual world of exactly these peripherals: what a user of blebench drives."""
    return sim_session

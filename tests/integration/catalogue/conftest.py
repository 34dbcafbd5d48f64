from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest

from blebench.session.manager import SessionManager, SessionSettings
from blebench.sim.catalogue.base import VirtualPeripheral
from tests.integration.catalogue._rig import Rig, RigFactory


@pytest.fixture
async def world() -> AsyncIterator[RigFactory]:
    """`await world(peripheral, ...)` starts a virtual world with them and a central."""
    rigs: list[Rig] = []

    async def start(*peripherals: VirtualPeripheral) -> Rig:
        rig = await Rig.start(*peripherals)
        rigs.append(rig)
        return rig

    yield start
    for rig in rigs:
        await rig.close()


@pytest.fixture
def session_world() -> Callable[..., AbstractAsyncContextManager[SessionManager]]:
    """`async with session_world(peripheral, ...) as session:` a SessionManager on a
    virtual world of exactly these peripherals: what a user of blebench drives."""

    @asynccontextmanager
    async def open_session(*peripherals: VirtualPeripheral) -> AsyncIterator[SessionManager]:
        settings = SessionSettings(sim=True, peripherals=tuple(peripherals), user_devices=False)
        session = await SessionManager.open(settings)
        try:
            yield session
        finally:
            await session.close()

    return open_session

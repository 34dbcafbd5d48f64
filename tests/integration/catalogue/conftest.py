from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

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

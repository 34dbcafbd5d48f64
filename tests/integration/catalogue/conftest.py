from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.integration.catalogue._rig import Rig


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    world = await Rig.create()
    yield world
    await world.close()

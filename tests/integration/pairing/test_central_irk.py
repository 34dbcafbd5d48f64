"""The IRK blebench's central distributes is its own, not Bumble's all-zero default.

Regression: every blebench radio (and every Bumble device left at its defaults) gave
peers the IRK 00..00, so a peer would take any resolvable private address made with that
key for blebench. The peer's bond (here the virtual Privacy Tag's flash) holds our IRK.
"""

from __future__ import annotations

import pytest

from blebench.pairing.delegate import ScriptedDelegate
from blebench.pairing.models import IoCapability, PairingOptions
from blebench.session.manager import SessionManager, SessionSettings
from blebench.sim.catalogue.privacy_tag import PrivacyTag

pytestmark = pytest.mark.slow

JUST_WORKS = PairingOptions(io=IoCapability.NO_INPUT_NO_OUTPUT, sc=True, bonding=True)


async def irk_the_tag_keeps_for_us(seed: int) -> bytes:
    settings = SessionSettings(sim=True, peripherals=(PrivacyTag(),), user_devices=False, seed=seed)
    async with await SessionManager.open(settings) as session:
        outcome = await session.pair("Privacy Tag", JUST_WORKS, ScriptedDelegate())
        assert outcome.ok and outcome.bonded, outcome
        assert session.world is not None
        store = session.world.bond_store
        assert store is not None
        ours = store.get(session.radio.identity, local_address=PrivacyTag.address.upper())
        assert ours is not None and ours.keys.irk is not None
        return bytes(ours.keys.irk.value)


async def test_peers_get_an_irk_of_our_own() -> None:
    first = await irk_the_tag_keeps_for_us(seed=1)
    assert first != bytes(16)
    assert await irk_the_tag_keeps_for_us(seed=1) == first  # the same radio: the same IRK
    assert await irk_the_tag_keeps_for_us(seed=2) not in (first, bytes(16))  # another one

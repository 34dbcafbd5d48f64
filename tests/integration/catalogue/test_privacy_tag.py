"""Privacy Tag: its rotating addresses resolve with the IRK it hands out when bonding."""

from __future__ import annotations

import pytest
from bumble import core as bumble_core
from bumble import hci
from bumble.smp import AddressResolver

from blebench.decode.address import resolve_rpa
from blebench.sim.catalogue.privacy_tag import PrivacyTag
from tests.integration.rig import IoCapability, RigFactory, wait_until


async def test_rpa_resolves_with_the_irk_after_bonding(world: RigFactory) -> None:
    tag = PrivacyTag(rpa_rotate_s=0.3)
    tag.adv_interval_ms = 20.0  # several advertising events per address, for a quick test
    rig = await world(tag)
    first = rig.air_address(tag)
    assert first.is_resolvable and not first.is_static
    await wait_until(lambda: rig.air_address(tag) != first)  # it rotates
    rpa = rig.air_address(tag)

    rig.pairing(io=IoCapability.NO_OUTPUT_NO_INPUT, mitm=False)
    for _attempt in range(3):  # the address may rotate while we are connecting
        try:
            connection, _ = await rig.connect(tag, timeout=0.5)
            break
        except bumble_core.TimeoutError:
            continue
    else:
        raise AssertionError("could not connect to the tag")
    assert connection.peer_address.is_resolvable
    await connection.pair()
    keys = await rig.central_keys(connection)
    assert keys is not None and keys.irk is not None
    assert keys.irk.value == tag.irk
    identity = hci.Address(tag.address, hci.Address.RANDOM_DEVICE_ADDRESS)
    assert connection.peer_address == identity  # Bumble switched to the identity address

    resolver = AddressResolver([(keys.irk.value, identity)])
    for address in (first, rpa):
        resolved = resolver.resolve(address)
        assert resolved is not None and str(resolved) == str(identity)
        # blebench's own resolver agrees (it takes the key most significant byte first;
        # SMP carries it least significant first).
        msb_first = keys.irk.value[::-1]
        assert resolve_rpa(str(address), [bytes(16), msb_first]) == msb_first
    # Someone else's IRK resolves nothing.
    assert AddressResolver([(bytes(16), identity)]).resolve(rpa) is None


def test_rotation_period_is_configurable() -> None:
    assert PrivacyTag().rpa_rotate_s == 180.0
    assert PrivacyTag(rpa_rotate_s=60).rpa_rotate_s == 60
    with pytest.raises(ValueError):
        PrivacyTag(rpa_rotate_s=0)
    assert PrivacyTag(seed=1).irk != PrivacyTag(seed=2).irk
    assert PrivacyTag(seed=3).irk == PrivacyTag(seed=3).irk

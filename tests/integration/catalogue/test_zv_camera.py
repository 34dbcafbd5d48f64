"""ZV Camera: the pairing story of field note 000."""

from __future__ import annotations

import asyncio

import pytest
from bumble.core import UUID, ProtocolError

from blebench.decode.payload import decode_payload
from blebench.sim.catalogue.zv_camera import SHUTTER_PRESS, ZvCamera
from tests.integration.rig import IoCapability, RigFactory, wait_until

INSUFFICIENT_ENCRYPTION = 0x0F


async def test_advertises_sony_manufacturer_data() -> None:
    camera = ZvCamera()
    decoded = decode_payload(camera.advertising_data())
    assert decoded.company_ids == (0x012D,)
    assert decoded.errors == 0
    assert decode_payload(camera.scan_response_data()).local_name == "ZV Camera"


async def test_write_before_pairing_needs_encryption(world: RigFactory) -> None:
    camera = ZvCamera()
    rig = await world(camera)
    _, peer = await rig.connect(camera)
    [command] = peer.get_characteristics_by_uuid(UUID.from_16_bits(0xFF01))
    with pytest.raises(ProtocolError) as error:
        await command.write_value(SHUTTER_PRESS.to_bytes(2, "big"), with_response=True)
    assert error.value.error_code == INSUFFICIENT_ENCRYPTION
    assert camera.photos_taken == 0


async def test_legacy_just_works_bonding_then_shutter(world: RigFactory) -> None:
    camera = ZvCamera()
    rig = await world(camera)
    rig.pairing(io=IoCapability.NO_OUTPUT_NO_INPUT, sc=False, mitm=False)
    connection, peer = await rig.connect(camera)
    await connection.pair()
    assert connection.is_encrypted and not connection.sc
    keys = await rig.central_keys(connection)
    assert keys is not None and keys.ltk_peripheral is not None  # legacy: the camera's LTK
    [status] = peer.get_characteristics_by_uuid(UUID.from_16_bits(0xFF02))
    [command] = peer.get_characteristics_by_uuid(UUID.from_16_bits(0xFF01))
    notified: asyncio.Queue[bytes] = asyncio.Queue()
    await peer.subscribe(status, notified.put_nowait)
    await command.write_value(SHUTTER_PRESS.to_bytes(2, "big"), with_response=True)
    assert await asyncio.wait_for(notified.get(), 2.0) == bytes([0x02, 0xA0, 0x20])
    assert camera.photos_taken == 1


async def test_secure_connections_request_gets_no_answer(world: RigFactory) -> None:
    camera = ZvCamera()
    rig = await world(camera)
    rig.pairing(io=IoCapability.NO_OUTPUT_NO_INPUT, sc=True, mitm=False)
    connection, _ = await rig.connect(camera)
    # A short SMP timeout stands in for the spec's 30 s.
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(connection.pair(), 0.3)
    assert camera.security is not None
    await wait_until(lambda: camera.security is not None and camera.security.ignored_requests == 1)
    assert not connection.is_encrypted

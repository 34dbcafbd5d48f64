"""HID Keyboard: refuses its reports before bonding, types once bonded and subscribed."""

from __future__ import annotations

import asyncio

import pytest
from bumble import gatt
from bumble.core import ProtocolError
from bumble.device import Peer
from bumble.gatt_client import CharacteristicProxy

from blebench.sim.catalogue.hid_keyboard import KEYMAP, HidKeyboard, key_reports
from tests.integration.rig import IoCapability, RigFactory

INSUFFICIENT_AUTHENTICATION = 0x05
INSUFFICIENT_ENCRYPTION = 0x0F


async def report_by_reference(peer: Peer, reference: bytes) -> CharacteristicProxy[bytes]:
    for report in peer.get_characteristics_by_uuid(gatt.GATT_REPORT_CHARACTERISTIC):
        descriptor = report.get_descriptor(gatt.GATT_REPORT_REFERENCE_DESCRIPTOR)
        assert descriptor is not None
        if await descriptor.read_value() == reference:
            return report
    raise AssertionError(f"no report with reference {reference.hex()}")


def decode_text(reports: list[bytes]) -> str:
    by_key = {value: char for char, value in KEYMAP.items()}
    return "".join(by_key[(r[0], r[2])] for r in reports if r[2])


async def test_reports_refused_before_pairing(world: RigFactory) -> None:
    keyboard = HidKeyboard()
    rig = await world(keyboard)
    _, peer = await rig.connect(keyboard)
    report = await report_by_reference(peer, b"\x01\x01")
    with pytest.raises(ProtocolError) as read_error:
        await report.read_value()
    assert read_error.value.error_code == INSUFFICIENT_ENCRYPTION
    with pytest.raises(ProtocolError) as subscribe_error:
        await peer.subscribe(report, lambda _value: None)
    assert subscribe_error.value.error_code == INSUFFICIENT_ENCRYPTION
    # The report map stays readable: a real keyboard descriptor with report ids.
    [report_map] = peer.get_characteristics_by_uuid(gatt.GATT_REPORT_MAP_CHARACTERISTIC)
    value = await report_map.read_value()
    assert value[:4] == bytes([0x05, 0x01, 0x09, 0x06]) and b"\x85\x01" in value


async def test_pairing_without_bonding_is_not_enough(world: RigFactory) -> None:
    keyboard = HidKeyboard()
    rig = await world(keyboard)
    rig.pairing(io=IoCapability.NO_OUTPUT_NO_INPUT, mitm=False, bonding=False)
    connection, peer = await rig.connect(keyboard)
    await connection.pair()
    report = await report_by_reference(peer, b"\x01\x01")
    with pytest.raises(ProtocolError) as error:
        await report.read_value()
    assert error.value.error_code == INSUFFICIENT_AUTHENTICATION


async def test_types_greeting_after_bonding(world: RigFactory) -> None:
    keyboard = HidKeyboard(greeting="hello blebench\n", key_interval_s=0.001)
    rig = await world(keyboard)
    rig.pairing(io=IoCapability.NO_OUTPUT_NO_INPUT, mitm=False)
    connection, peer = await rig.connect(keyboard)
    await connection.pair()
    assert connection.is_encrypted
    report = await report_by_reference(peer, b"\x01\x01")
    received: asyncio.Queue[bytes] = asyncio.Queue()
    await peer.subscribe(report, received.put_nowait)
    reports = [await asyncio.wait_for(received.get(), 2.0) for _ in range(2 * 15)]
    assert all(len(r) == 8 for r in reports)
    assert reports[1::2] == [bytes(8)] * 15  # every key is released
    assert decode_text(reports) == "hello blebench\n"

    await keyboard.type_text("Hi!")
    more = [await asyncio.wait_for(received.get(), 2.0) for _ in range(6)]
    assert decode_text(more) == "Hi!"
    assert more[0][0] == 0x02  # left shift for the capital


def test_untypeable_text_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="position 2"):
        key_reports("ab\u00e9")

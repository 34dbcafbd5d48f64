"""bleak's documented API through `blebench.bleak_backend` on the virtual world: what a
user's own bleak code sees (the deviations issue 10 lists, each checked)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakDeviceNotFoundError, BleakError

from blebench.bleak_backend import (
    BumbleClient,
    BumblePairingError,
    BumbleScanner,
    IoCapability,
    PairingOptions,
    ScriptedDelegate,
    open_radio,
)
from blebench.pairing.bonds import BondStore

PULSE_HRM = "A0:9E:1A:5C:31:07"  # a public address
THERMO_PROBE = "C5:7D:3E:90:1B:48"  # a random static one
SMART_LOCK = "C7:42:9B:D0:66:1E"  # SC + MITM only, shows passkey 123456
CCCD = "00002902-0000-1000-8000-00805f9b34fb"
HEART_RATE = "00002a37-0000-1000-8000-00805f9b34fb"


async def test_address_strings_are_found_as_bleak_finds_them(tmp_path: Path) -> None:
    async with open_radio("sim", bonds=tmp_path / "bonds.json") as radio:
        for address, name in ((PULSE_HRM, "Pulse HRM"), (THERMO_PROBE, "Thermo Probe")):
            async with BleakClient(address, backend=BumbleClient, radio=radio) as client:
                assert client.is_connected
                assert client.address == address
                assert client.name == name  # not "A0-9E-1A-..."
                assert client.services.get_service("180a") is not None
        with pytest.raises(BleakDeviceNotFoundError):
            await BleakClient(
                "11:22:33:44:55:66", backend=BumbleClient, radio=radio, timeout=0.5
            ).connect()


async def test_a_scanned_device_keeps_its_name(tmp_path: Path) -> None:
    async with open_radio("sim", bonds=tmp_path / "bonds.json") as radio:
        # bleak types find_device_by_name's keywords (a TypedDict): a backend's own
        # keyword such as radio= is fine at run time, mypy wants it said.
        device = await BleakScanner.find_device_by_name(
            "Pulse HRM", timeout=5, backend=BumbleScanner, radio=radio  # type: ignore[call-arg]
        )
        assert device is not None and device.address == PULSE_HRM
        async with BleakClient(device, backend=BumbleClient, radio=radio) as client:
            assert client.name == "Pulse HRM"


async def test_disconnected_callback_fires_on_our_own_disconnect(tmp_path: Path) -> None:
    calls: list[BleakClient] = []
    async with open_radio("sim", bonds=tmp_path / "bonds.json") as radio:
        client = BleakClient(PULSE_HRM, calls.append, backend=BumbleClient, radio=radio)
        await client.connect()
        assert calls == []
        await client.disconnect()
        assert calls == [client]
        assert not client.is_connected
        await client.disconnect()  # a second disconnect says nothing more
        assert calls == [client]


async def test_pair_without_arguments_bonds_with_just_works(tmp_path: Path) -> None:
    bonds = tmp_path / "bonds.json"
    async with open_radio("sim", bonds=bonds) as radio:
        async with BleakClient(PULSE_HRM, backend=BumbleClient, radio=radio) as client:
            await client.pair()  # bleak's signature: no options, no prompts
    bond = BondStore(bonds).get(PULSE_HRM)
    assert bond is not None
    assert bond.sc and not bond.authenticated  # SC Just Works, this side NoInputNoOutput


async def test_pair_true_pairs_on_connect(tmp_path: Path) -> None:
    bonds = tmp_path / "bonds.json"
    async with open_radio("sim", bonds=bonds) as radio:
        async with BleakClient(THERMO_PROBE, backend=BumbleClient, radio=radio, pair=True):
            pass
    assert BondStore(bonds).get(THERMO_PROBE) is not None


async def test_a_refused_pairing_raises_with_the_smp_reason(tmp_path: Path) -> None:
    async with open_radio("sim", bonds=tmp_path / "bonds.json") as radio:
        async with BleakClient(SMART_LOCK, backend=BumbleClient, radio=radio) as client:
            with pytest.raises(BleakError) as caught:
                await client.pair()
    error = caught.value
    assert isinstance(error, BumblePairingError)
    assert error.reason == 0x03  # Authentication Requirements: the lock wants MITM
    assert "0x03" in str(error)
    assert BondStore(tmp_path / "bonds.json").get(SMART_LOCK) is None


async def test_the_radios_pairing_options_and_delegate_are_used(tmp_path: Path) -> None:
    prompts = ScriptedDelegate(passkey=123456)  # typed from the lock's label
    options = PairingOptions(io=IoCapability.KEYBOARD_ONLY, mitm=True, sc=True, bonding=True)
    bonds = tmp_path / "bonds.json"
    async with open_radio(
        "sim", bonds=bonds, pairing=options, pairing_delegate=prompts
    ) as radio:
        async with BleakClient(SMART_LOCK, backend=BumbleClient, radio=radio) as client:
            await client.pair()
    assert prompts.asked("request_passkey") == [123456]
    bond = BondStore(bonds).get(SMART_LOCK)
    assert bond is not None and bond.authenticated


async def test_use_cached_descriptor_reads_are_not_sent(tmp_path: Path) -> None:
    async with open_radio("sim", bonds=tmp_path / "bonds.json") as radio:
        async with BleakClient(PULSE_HRM, backend=BumbleClient, radio=radio) as client:
            char = client.services.get_characteristic(HEART_RATE)
            assert char is not None
            cccd = char.get_descriptor(CCCD)
            assert cccd is not None
            assert await client.read_gatt_descriptor(cccd) == b"\x00\x00"
            got: asyncio.Queue[bytes] = asyncio.Queue()
            seen: list[bytes] = []

            def on_value(_char: object, data: bytearray) -> None:
                seen.append(bytes(data))
                got.put_nowait(bytes(data))

            await client.start_notify(char, on_value)
            await asyncio.wait_for(got.get(), 5)
            # The device's CCCD now says "notify"; the cache still has the first read.
            assert await client.read_gatt_descriptor(cccd, use_cached=True) == b"\x00\x00"
            assert await client.read_gatt_descriptor(cccd) == b"\x01\x00"
            assert await client.read_gatt_descriptor(cccd, use_cached=True) == b"\x01\x00"
            # A cached characteristic read gives the last value notified.
            await client.stop_notify(char)
            assert await client.read_gatt_char(char, use_cached=True) == seen[-1]


async def test_open_radio_names_a_bad_spec() -> None:
    with pytest.raises(ValueError, match="sim:SEED"):
        async with open_radio("sim:abc"):
            pass

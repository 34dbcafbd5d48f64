"""The modelled radio: what a scanner sees, what a central can connect to (real Bumble stacks)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from bumble import core, hci, smp
from bumble.device import Peer

from blebench.decode.address import classify_address, resolve_rpa
from blebench.sim.radio import AirAdvertisement, ModelledController
from blebench.sim.world import VirtualWorld
from tests.integration.world.conftest import Air
from tests.integration.world.peripherals import (
    BEACON_ADV,
    HRM_ADV,
    NAME_SR,
    SCANNABLE_ADV,
    TAG_IRK,
    Beacon,
    PublicHrm,
)

ADV_IND, ADV_SCAN_IND, ADV_NONCONN_IND = 0x13, 0x12, 0x10  # extended report, legacy bit set
SCAN_RSP_TO_ADV_IND, SCAN_RSP_TO_ADV_SCAN_IND = 0x1B, 0x1A


HRM, BEACON, SCANNABLE = "00:1B:DC:01:02:03", "C1:22:33:44:55:66", "C2:22:33:44:55:66"


async def scan(
    air: Air, *, active: bool, until: Callable[[], bool], legacy: bool = False
) -> None:
    """Scan until `until()` holds (what the test then asserts on; bounded, 15 s), so a
    loaded machine only makes it slower."""
    await air.central.start_scanning(active=active, legacy=legacy)
    try:
        async with asyncio.timeout(15):
            while not until():
                await asyncio.sleep(0.01)
    finally:
        await air.central.stop_scanning(legacy=legacy)


def times(air: Air, address: str, kind: int | None = None, at_least: int = 2) -> Callable[[], bool]:
    """`address` heard `at_least` times (with event type `kind` if given)."""
    return lambda: sum(kind is None or r.event_type == kind for r in air.of(address)) >= at_least


async def test_active_scan_gets_adv_and_scan_response_apart(air: Air) -> None:
    await scan(air, active=True, until=times(air, HRM, SCAN_RSP_TO_ADV_IND))
    hrm = air.of("00:1B:DC:01:02:03")
    advs = [r for r in hrm if r.event_type == ADV_IND]
    responses = [r for r in hrm if r.event_type == SCAN_RSP_TO_ADV_IND]
    assert advs and responses
    assert {r.data for r in advs} == {HRM_ADV}
    assert {r.data for r in responses} == {NAME_SR}
    assert all(r.address.is_public for r in hrm)


async def test_passive_scan_gets_no_scan_response(air: Air) -> None:
    # Each scannable device heard three times: an active scan has its responses by then.
    await scan(air, active=False, until=lambda: times(air, HRM, at_least=3)()
               and times(air, SCANNABLE, at_least=3)())
    assert air.reports
    assert not [r for r in air.reports if r.event_type & 0x08]
    assert {r.data for r in air.of("00:1B:DC:01:02:03")} == {HRM_ADV}


async def test_event_types_follow_the_advertising_type(air: Air) -> None:
    await scan(air, active=True, until=lambda: times(air, BEACON)()
               and times(air, SCANNABLE, SCAN_RSP_TO_ADV_SCAN_IND)())
    assert {r.event_type for r in air.of("C1:22:33:44:55:66")} == {ADV_NONCONN_IND}
    assert {r.data for r in air.of("C1:22:33:44:55:66")} == {BEACON_ADV}
    scannable = air.of("C2:22:33:44:55:66")
    assert {r.event_type for r in scannable} == {ADV_SCAN_IND, SCAN_RSP_TO_ADV_SCAN_IND}
    assert {r.data for r in scannable if r.event_type == ADV_SCAN_IND} == {SCANNABLE_ADV}


async def test_legacy_scanning_gets_legacy_reports(air: Air) -> None:
    def legacy_kinds() -> set[tuple[str, int]]:
        return {(str(r.address).split("/")[0], r.event_type) for r in air.reports
                if isinstance(r, hci.HCI_LE_Advertising_Report_Event.Report)}

    wanted = {(HRM, 0), (HRM, 4), (BEACON, 3), (SCANNABLE, 2)}
    await scan(air, active=True, legacy=True, until=lambda: wanted <= legacy_kinds())
    kinds = {
        (str(r.address).split("/")[0], r.event_type)
        for r in air.reports
        if isinstance(r, hci.HCI_LE_Advertising_Report_Event.Report)
    }
    assert ("00:1B:DC:01:02:03", 0) in kinds  # ADV_IND
    assert ("00:1B:DC:01:02:03", 4) in kinds  # SCAN_RSP
    assert ("C1:22:33:44:55:66", 3) in kinds  # ADV_NONCONN_IND
    assert ("C2:22:33:44:55:66", 2) in kinds  # ADV_SCAN_IND
    assert all(isinstance(r, hci.HCI_LE_Advertising_Report_Event.Report) for r in air.reports)


async def test_non_connectable_advertiser_refuses_a_connection(air: Air) -> None:
    beacon = air.world.member("Test Beacon").air_address
    with pytest.raises(core.TimeoutError):
        await air.central.connect(beacon, timeout=0.2)
    assert not air.central.connections
    assert not air.world.member("Test Beacon").device.connections


async def test_public_address_peripheral_serves_gatt_and_advertises_again(air: Air) -> None:
    member = air.world.member("Test HRM")
    connection = await air.central.connect(member.air_address, timeout=2.0)
    peer = Peer(connection)
    await peer.discover_services()
    services = [s.uuid for s in peer.services]
    assert core.UUID("180D") in services
    [hr] = peer.get_services_by_uuid(core.UUID("180D"))
    await hr.discover_characteristics()
    [location] = hr.get_characteristics_by_uuid(core.UUID("2A38"))
    assert await location.read_value() == bytes([1])  # ACL from a public address arrives
    await connection.disconnect()
    for _ in range(50):
        if member.advertising:
            break
        await asyncio.sleep(0.01)
    air.reports.clear()
    await scan(air, active=False, until=lambda: bool(air.of(member.air_address)))
    assert air.of(member.air_address), "advertising restarts after the disconnection"


async def test_resolvable_private_address_rotates_and_resolves_with_the_irk(air: Air) -> None:
    def tag_addresses() -> set[str]:
        return {
            str(r.address).split("/")[0] for r in air.reports if r.data == bytes.fromhex("020106")
        } - {HRM}

    await scan(air, active=False, until=lambda: len(tag_addresses()) >= 2)
    tag = tag_addresses()
    assert len(tag) >= 2, "the address changed during the scan"
    for address in tag:
        assert classify_address(address, True) == "resolvable-private"
        # Bumble keeps IRKs as SMP sends them (little-endian); decode wants them MSB first.
        resolver = smp.AddressResolver([(TAG_IRK, hci.Address("D1:22:33:44:55:67"))])
        assert resolver.resolve(hci.Address(address)) == hci.Address("D1:22:33:44:55:67")
        assert resolve_rpa(address, [TAG_IRK[::-1]]) == TAG_IRK[::-1]


async def test_runtime_advertising_data_change_is_transmitted(air: Air) -> None:
    member = air.world.member("Test Beacon")
    new = bytes.fromhex("020104") + bytes.fromhex("05ff4c00aabb")
    await member.device.send_sync_command(
        hci.HCI_LE_Set_Advertising_Data_Command(advertising_data=new)
    )
    await scan(air, active=False, until=times(air, BEACON, at_least=2))
    assert {r.data for r in air.of("C1:22:33:44:55:66")} == {new}


async def test_legacy_data_over_31_bytes_is_refused_by_the_controller(air: Air) -> None:
    member = air.world.member("Test Beacon")
    with pytest.raises(hci.HCI_Error):
        await member.device.send_sync_command(
            hci.HCI_LE_Set_Advertising_Data_Command(advertising_data=bytes(40))
        )


async def test_rssi_is_lower_far_away_and_varies(air: Air) -> None:
    await scan(air, active=False, until=lambda: times(air, BEACON, at_least=10)()
               and times(air, SCANNABLE, at_least=10)())
    far = [r.rssi for r in air.of("C1:22:33:44:55:66")]  # 20 m
    near = [r.rssi for r in air.of("C2:22:33:44:55:66")]  # 0.5 m
    assert sum(near) / len(near) > sum(far) / len(far) + 15
    assert len(set(far)) > 1, "noise: not the same value every time"
    assert all(-127 <= value <= 20 for value in far + near)


async def test_extended_data_beyond_one_hci_event_arrives_in_fragments(air: Air) -> None:
    sender = ModelledController("long", link=air.world.link)
    await air.central.start_scanning(active=False)
    data = bytes(range(256)) + bytes(144)  # 400 bytes: more than one event holds
    address = hci.Address("C3:00:00:00:00:01")
    sender.send_advertising_pdu(
        AirAdvertisement(address, None, data, b"", sender, connectable=False)
    )
    async with asyncio.timeout(15):
        while len(air.of(address)) < 2:
            await asyncio.sleep(0.01)
    await air.central.stop_scanning()
    air.world.close_central(sender)
    parts = air.of(address)
    assert len(parts) == 2
    assert (parts[0].event_type >> 5) & 3 == 1  # incomplete, more to come
    assert (parts[1].event_type >> 5) & 3 == 0
    assert parts[0].data + parts[1].data == data


async def test_same_seed_same_addresses() -> None:
    from tests.integration.world.peripherals import PrivacyTag

    addresses = []
    for _ in range(2):
        world = VirtualWorld([PrivacyTag(), Beacon(), PublicHrm()], seed=3)
        await world.start()
        addresses.append([str(m.air_address) for m in world.members])
        await world.stop()
    assert addresses[0] == addresses[1]
    other = VirtualWorld([PrivacyTag()], seed=4)
    await other.start()
    assert str(other.members[0].air_address) != addresses[0][0]
    await other.stop()

"""A connection on the modelled air (sim/air_link.py): the link layer's procedures as a
Bluetooth controller runs them, and the capacity the Core spec's timing gives."""

from __future__ import annotations

import asyncio
import time

import pytest
from bumble import hci
from bumble.core import UUID
from bumble.device import Connection

from blebench.sim import airtime
from blebench.sim.air_link import LinkModel
from blebench.sim.airtime import Phy
from blebench.sim.catalogue.uart_bridge import NUS_TX, UartBridge
from tests.integration.rig import RigFactory
from tests.integration.world.peripherals import PublicHrm


class OldSensor(PublicHrm):
    """A Bluetooth 4.1 sensor: 1M only, 27-octet PDUs, intervals of 30 ms and more."""

    name = "Old Sensor"
    address = "00:1B:DC:06:41:07"
    link_model = LinkModel(
        phys=frozenset({Phy.LE_1M}), phy_update=False, max_data_length=27, interval_min_ms=30
    )


async def _phy_update(connection: Connection, tx: hci.Phy) -> object:
    done: asyncio.Future[object] = asyncio.get_running_loop().create_future()
    connection.once(connection.EVENT_CONNECTION_PHY_UPDATE, done.set_result)
    connection.once(connection.EVENT_CONNECTION_PHY_UPDATE_FAILURE, done.set_result)
    await connection.set_phy([tx], [tx])
    return await asyncio.wait_for(done, 2)


async def test_procedures_settle_and_refuse_as_a_controller_does(world: RigFactory) -> None:
    hrm = PublicHrm()
    rig = await world(hrm)
    connection = await rig.central.connect(rig.air_address(hrm), timeout=3)
    peripheral = next(iter(rig.device(hrm).connections.values()))
    # The peripheral's host hears the connection's real parameters (the stock one: 10, 0, 10).
    assert peripheral.parameters.connection_interval == connection.parameters.connection_interval

    await connection.update_parameters(7.5, 7.5, 0, 4000)
    assert connection.parameters.connection_interval == 7.5
    assert connection.parameters.supervision_timeout == 4000
    await asyncio.sleep(0.05)
    assert peripheral.parameters.connection_interval == 7.5  # both ends heard the update

    for bad in ((5.0, 5.0, 0, 4000.0), (50.0, 50.0, 0, 100.0), (15.0, 15.0, 500, 32000.0)):
        with pytest.raises(hci.HCI_Error) as refused:
            await connection.update_parameters(*bad)
        assert refused.value.error_code == hci.HCI_ErrorCode.INVALID_COMMAND_PARAMETERS_ERROR

    phy = await _phy_update(connection, hci.Phy.LE_2M)
    assert (phy.tx_phy, phy.rx_phy) == (hci.Phy.LE_2M, hci.Phy.LE_2M)  # type: ignore[attr-defined]
    assert (await connection.get_phy()).tx_phy == hci.Phy.LE_2M

    changed = asyncio.get_running_loop().create_future()
    connection.once(connection.EVENT_CONNECTION_DATA_LENGTH_CHANGE, lambda: changed.set_result(1))
    await connection.set_data_length(251, 0x4290)
    await asyncio.wait_for(changed, 2)
    assert connection.data_length.max_tx_octets == 251
    assert connection.data_length.max_rx_octets == 251
    # Bumble's host checks the range itself: the controller's own answer, sent raw.
    answer = await rig.central.host.send_command(
        hci.HCI_LE_Set_Data_Length_Command(
            connection_handle=connection.handle, tx_octets=252, tx_time=0x4290
        )
    )
    assert answer.return_parameters.status == hci.HCI_ErrorCode.INVALID_COMMAND_PARAMETERS_ERROR


async def test_an_old_peer_refuses_what_its_model_does_not_accept(world: RigFactory) -> None:
    old = OldSensor()
    rig = await world(old)
    connection = await rig.central.connect(rig.air_address(old), timeout=3)
    with pytest.raises(hci.HCI_Error) as refused:
        await connection.update_parameters(7.5, 15, 0, 4000)
    assert refused.value.error_code == 0x3B  # Unacceptable Connection Parameters
    await connection.update_parameters(7.5, 45, 0, 4000)
    assert connection.parameters.connection_interval == 30  # the lowest it accepts

    failure = await _phy_update(connection, hci.Phy.LE_2M)
    assert failure == 0x1A  # Unsupported Remote Feature

    changed = asyncio.get_running_loop().create_future()
    connection.once(connection.EVENT_CONNECTION_DATA_LENGTH_CHANGE, lambda: changed.set_result(1))
    await connection.set_data_length(251, 0x4290)
    with pytest.raises(TimeoutError):  # no event: nothing changed
        await asyncio.wait_for(changed, 0.3)
    assert connection.data_length.max_tx_octets == 27


async def _notifications_per_s(rig: object, bridge: UartBridge, seconds: float) -> float:
    from bumble.device import Peer

    connection = next(iter(rig.central.connections.values()))  # type: ignore[attr-defined]
    peer = Peer(connection)
    await peer.discover_services()
    await peer.discover_characteristics()
    tx = peer.get_characteristics_by_uuid(UUID(NUS_TX))[0]
    count = [0]
    await tx.subscribe(lambda _value: count.__setitem__(0, count[0] + 1))
    await asyncio.sleep(0.3)  # the flood is on and the buffers are full
    before, started = count[0], time.monotonic()
    await asyncio.sleep(seconds)
    return (count[0] - before) / (time.monotonic() - started)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("interval_ms", "phy", "data_length"), [(7.5, Phy.LE_2M, 251), (50.0, Phy.LE_1M, 27)]
)
async def test_a_flood_gets_what_the_spec_timing_gives(
    world: RigFactory, interval_ms: float, phy: Phy, data_length: int
) -> None:
    bridge = UartBridge(chatty_hz=5000)
    rig = await world(bridge)
    connection = await rig.central.connect(rig.air_address(bridge), timeout=3)
    await connection.update_parameters(interval_ms, interval_ms, 0, 4000)
    if phy is Phy.LE_2M:
        await _phy_update(connection, hci.Phy.LE_2M)
    if data_length > 27:
        await connection.set_data_length(data_length, 0x4290)
    measured = await _notifications_per_s(rig, bridge, 1.0)
    # A telemetry frame is 16 bytes: one PDU a notification, 6 PDUs an event at most.
    expected = airtime.capacity(interval_ms, phy, data_length, 16, packets_per_event=6)
    assert measured == pytest.approx(expected.values_per_s, rel=0.2)
    assert bridge.telemetry_dropped > 0  # what the link cannot carry is lost, not queued

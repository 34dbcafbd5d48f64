"""Flaky Sensor through blebench's session, as a user sees it: every failure is said in
words with a next step, and the session stays usable afterwards."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import pytest

from blebench.session import gatt
from blebench.session.connections import DeviceConnection
from blebench.session.errors import ConnectionLostError, GattOperationError
from blebench.session.manager import SessionManager
from blebench.session.models import ConnectionState
from blebench.sim.catalogue.flaky_sensor import (
    DROP_LINK,
    ERROR_CAROUSEL,
    LONG_LOG,
    TRUNCATED_HRM,
    FlakySensor,
)

SessionWorld = Callable[..., AbstractAsyncContextManager[SessionManager]]


async def connect(session: SessionManager) -> DeviceConnection:
    conn = await session.connections.connect("Flaky Sensor", timeout=5)
    await gatt.discover(conn)
    return conn


async def test_link_dropped_mid_read_is_said_and_the_next_connect_works(
    session_world: SessionWorld,
) -> None:
    flaky = FlakySensor(seed=3)
    async with session_world(flaky) as session:
        conn = await connect(session)
        with pytest.raises(ConnectionLostError) as caught:
            await gatt.read(conn, DROP_LINK)
        error = caught.value
        assert "Flaky Sensor disconnected during the read" in str(error)
        assert error.code == 0x13
        assert "Remote User Terminated" in str(error)
        # The next step names what a user can do, never `reconnect` (which is no command).
        assert error.next_step and "connect again" in error.next_step
        assert "reconnect" not in error.next_step
        assert error.to_json()["error"] == "connection_lost"
        assert conn.state == ConnectionState.LOST
        assert (conn.info().disconnect_reason or {}).get("code") == 0x13
        assert flaky.drops == 1
        # The device advertises again: the same session reconnects and reads.
        again = await session.connections.reconnect("Flaky Sensor", timeout=5)
        assert again.is_connected
        assert (await gatt.read(again, LONG_LOG)).data == flaky.long_value


async def test_att_errors_in_turn_each_in_words_and_the_link_stays(
    session_world: SessionWorld,
) -> None:
    async with session_world(FlakySensor(seed=3)) as session:
        conn = await connect(session)
        codes = []
        for _ in range(3):
            with pytest.raises(GattOperationError) as caught:
                await gatt.read(conn, ERROR_CAROUSEL)
            assert caught.value.next_step, caught.value
            codes.append((caught.value.code, str(caught.value)))
        assert [code for code, _ in codes] == [0x0E, 0x80, 0x11]
        assert "Unlikely" in codes[0][1]
        assert "application error" in codes[1][1]
        assert "Insufficient Resources" in codes[2][1]
        assert (await gatt.read(conn, ERROR_CAROUSEL)).data == b"ok"  # the fourth turn
        with pytest.raises(GattOperationError) as write_error:
            await gatt.write(conn, ERROR_CAROUSEL, b"\x01")  # writes take turns too
        assert write_error.value.code == 0x0E
        assert conn.is_connected

        # A walk of every value records each failure in words and goes on, until the
        # Drop Link characteristic (last in the database) ends the link.
        with pytest.raises(ConnectionLostError):
            await gatt.read_all(conn)
        conn = await session.connections.reconnect("Flaky Sensor", timeout=5)
        assert (await gatt.read(conn, "2a29")).decoded["fields"]["text"] == "Lemon Devices"


async def test_truncated_heart_rate_measurements_are_decoded_with_their_fault(
    session_world: SessionWorld,
) -> None:
    async with session_world(FlakySensor(seed=3)) as session:
        conn = await connect(session)
        reads = [await gatt.read(conn, "2a37") for _ in TRUNCATED_HRM]
    assert [r.data for r in reads] == list(TRUNCATED_HRM)  # what the device sent
    decoded = [r.decoded for r in reads]
    assert all(d["kind"] == "heart_rate_measurement" for d in decoded)
    assert all(d["fields"]["value_format"] == "uint16" for d in decoded)
    assert "needs 2 byte(s)" in decoded[0]["error"]
    assert decoded[1]["fields"]["heart_rate_bpm"] == 72
    assert "odd trailing byte" in decoded[1]["error"]
    assert "no intervals present" in decoded[2]["error"]


async def test_512_byte_value_needs_long_reads_and_writes(session_world: SessionWorld) -> None:
    flaky = FlakySensor(seed=3)
    async with session_world(flaky) as session:
        conn = await connect(session)
        assert conn.mtu < 512
        result = await gatt.read(conn, LONG_LOG)
        assert result.data == flaky.long_value and len(result.data) == 512
        assert result.data.startswith(b"0001 t=")
        await gatt.write(conn, LONG_LOG, bytes(range(256)) * 2)  # prepared writes
        assert flaky.long_value == bytes(range(256)) * 2
        with pytest.raises(GattOperationError) as too_long:
            await gatt.write(conn, LONG_LOG, bytes(513))  # one byte past what it holds
        assert too_long.value.code == 0x0D and "Invalid Attribute Length" in str(too_long.value)
        assert conn.is_connected and flaky.long_value == bytes(range(256)) * 2
        flaky.reset_log()
        assert (await gatt.read(conn, LONG_LOG)).data == result.data

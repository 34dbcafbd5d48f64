"""Connections, GATT, streams and the console end to end on the virtual world:
virtual peripheral -> Bumble -> bleak (Bumble backend) -> session."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from blebench.session import export, gatt
from blebench.session.connections import RetryPolicy
from blebench.session.console import ReplyMatcher, open_console
from blebench.session.errors import (
    ConnectionLostError,
    DeviceError,
    DeviceNotFoundError,
    GattOperationError,
    OperationTimeoutError,
)
from blebench.session.models import ConnectionState
from blebench.sim.catalogue.hid_keyboard import HidKeyboard
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from blebench.sim.catalogue.uart_bridge import NUS_RX, NUS_TX, UartBridge, encode_frame
from tests.integration.gatt.bench_device import (
    LONG_VALUE,
    SLOW_VALUE,
    STREAM_VALUE,
    TYPED_VALUE,
    BenchDevice,
)
from tests.integration.rig import wait_until

pytestmark = pytest.mark.slow


async def test_hid_keyboard_tree_reads_and_errors_in_words(
    session_world: Callable[..., Any],
) -> None:
    async with session_world(HidKeyboard()) as session:
        conn = await session.connections.connect("HID Keyboard", timeout=5)
        assert conn.state == ConnectionState.CONNECTED
        tree = await gatt.discover(conn)
        services = {s.short_uuid for s in tree.services}
        assert {"1812", "180f", "180a"} <= services
        chars = {c.short_uuid for c in tree.characteristics()}
        assert {"2a4b", "2a4d", "2a50"} <= chars
        results = {r.handle: r for r in await gatt.read_all(conn)}
        report_map = results[tree.find("2a4b").handle]
        assert report_map.ok
        reports = report_map.decoded["report_map"]["reports"]
        assert any(r["kind"] == "input" for r in reports)
        usages = [
            u
            for r in reports
            for f in r["fields"]
            for u in [
                *(x["min_name"] for x in f["usage_ranges"]),
                *(x["name"] for x in f["usages"]),
            ]
        ]
        assert "Left Control" in usages
        report_nodes = [c for c in tree.characteristics() if c.short_uuid == "2a4d"]
        for node in report_nodes:
            error = results[node.handle].error
            assert error is not None
            assert error["code"]["name"] in (
                "Insufficient Authentication",
                "Insufficient Encryption",
            )
            assert error["next_step"]
            assert any("needs" in p for p in node.permissions)
        pnp = results[tree.find("2a50").handle]
        assert pnp.decoded["kind"] == "pnp_id"
        assert pnp.decoded["fields"]["product_id"] is not None
        info = conn.info()
        assert info.mtu == 247 and info.encrypted is False and info.interval_ms


async def test_heart_rate_notifications_decoded(session_world: Callable[..., Any]) -> None:
    async with session_world(PulseHrm(notify_interval_s=0.05)) as session:
        conn = await session.connections.connect("Pulse HRM", timeout=5)
        stream = await gatt.subscribe(conn, session.streams, "2a37")
        await wait_until(lambda: stream.count >= 3)
        batch = session.streams.pull()
        record = export.record(session.streams, batch.samples[0])
        assert record["handle"] == stream.handle
        assert 30 <= record["decoded"]["heart_rate_bpm"] <= 220
        await gatt.unsubscribe(conn, session.streams, "2a37")
        assert not stream.active


async def test_long_values_and_typed_values(session_world: Callable[..., Any]) -> None:
    device = BenchDevice()
    async with session_world(device) as session:
        conn = await session.connections.connect("Bench Device", timeout=5)
        first = await gatt.read(conn, LONG_VALUE)
        assert first.data == device.long_value  # 400 bytes: read blob past the MTU
        new = bytes(range(256)) + bytes(range(200))
        await gatt.write(conn, LONG_VALUE, new)  # 456 bytes: prepared writes
        assert device.long_value == new
        assert (await gatt.read(conn, LONG_VALUE)).data == new
        typed = await gatt.read(conn, TYPED_VALUE)
        assert "21.5" in typed.decoded["summary"]
        with pytest.raises(DeviceError, match="does not allow write"):
            await gatt.write(conn, TYPED_VALUE, b"\x00")


async def test_console_gets_its_reply_while_the_bridge_floods(
    session_world: Callable[..., Any],
) -> None:
    async with session_world(UartBridge(chatty_hz=2000)) as session:
        conn = await session.connections.connect("UART Bridge", timeout=5)
        console = await open_console(conn, session.streams, NUS_RX, NUS_TX)
        await wait_until(lambda: console.stream.count > 50)  # the flood is on
        matcher = ReplyMatcher.parse(["prefix:55aa", "seq:3", "seq:4=82"])
        exchange = await console.request(encode_frame(0x42, 0x02), matcher, timeout=3)
        assert exchange.ok and exchange.reply is not None
        assert exchange.reply.data[3] == 0x42 and exchange.reply.data[4] == 0x82
        assert b"bridge" in exchange.reply.data
        before = console.stream.count
        await wait_until(lambda: console.stream.count > before + 50)  # and it keeps flowing
        console.close()


async def test_device_vanishing_mid_read_is_reported_and_session_recovers(
    session_world: Callable[..., Any],
) -> None:
    device = BenchDevice()
    async with session_world(device) as session:
        conn = await session.connections.connect("Bench Device", timeout=5)

        def vanish(peripheral_conn: Any) -> None:
            asyncio.ensure_future(peripheral_conn.disconnect())

        device.on_slow_read = vanish
        with pytest.raises(ConnectionLostError) as caught:
            await gatt.read(conn, SLOW_VALUE)
        assert "disconnected during the read" in str(caught.value)
        assert caught.value.next_step
        assert conn.state == ConnectionState.LOST
        assert conn.info().disconnect_reason is not None
        device.on_slow_read = None
        again = await session.connections.reconnect("Bench Device", timeout=5)
        assert again.is_connected
        assert (await gatt.read(again, LONG_VALUE)).data == device.long_value


async def test_device_vanishing_mid_discovery_is_reported_and_session_recovers(
    session_world: Callable[..., Any],
) -> None:
    device = BenchDevice()
    async with session_world(device) as session:
        server = device.bumble.gatt_server
        answer = server.on_att_read_by_type_request

        def vanish(connection: Any, request: Any) -> None:
            # The peripheral dies while the central discovers characteristics.
            asyncio.ensure_future(connection.disconnect())

        server.on_att_read_by_type_request = vanish
        with pytest.raises(ConnectionLostError, match="discovery"):
            await session.connections.connect("Bench Device", timeout=5, retry=RetryPolicy(1))
        server.on_att_read_by_type_request = answer
        conn = await session.connections.connect("Bench Device", timeout=5)
        assert conn.client.services.get_characteristic(LONG_VALUE) is not None
        assert len((await gatt.read(conn, LONG_VALUE)).data or b"") == 400


async def test_notifications_resume_into_the_same_stream_after_reconnect(
    session_world: Callable[..., Any],
) -> None:
    device = BenchDevice()
    async with session_world(device) as session:
        conn = await session.connections.connect("Bench Device", timeout=5)
        stream = await gatt.subscribe(conn, session.streams, STREAM_VALUE)
        assert device.stream is not None
        await device.bumble.notify_subscribers(device.stream, b"\x01")
        await wait_until(lambda: stream.count == 1)
        await session.connections.disconnect("Bench Device")
        assert not stream.active
        await session.connections.reconnect("Bench Device", timeout=5)
        assert stream.active
        await device.bumble.notify_subscribers(device.stream, b"\x02")
        await wait_until(lambda: stream.count == 2)
        assert [s.data for s in session.streams.pull().samples] == [b"\x01", b"\x02"]


async def test_missing_device_and_unanswered_connect_fail_in_words(
    session_world: Callable[..., Any],
) -> None:
    async with session_world(PulseHrm()) as session:
        session.connections.scan_timeout = 0.5
        with pytest.raises(DeviceNotFoundError) as not_found:
            await session.connections.connect("No Such Device")
        assert "blebench scan" in (not_found.value.next_step or "")
        # An address nobody advertises is looked for first (as bleak's backends do).
        with pytest.raises(DeviceNotFoundError) as unheard:
            await session.connections.connect(
                "C0:00:00:00:00:01", timeout=0.3, retry=RetryPolicy(attempts=2, delay_s=0)
            )
        assert "C0:00:00:00:00:01" in str(unheard.value)
        # The radio is still usable afterwards.
        conn = await session.connections.connect("Pulse HRM", timeout=5)
        assert (await gatt.read(conn, "2a38")).decoded["summary"]


async def test_att_error_carries_code_and_next_step(session_world: Callable[..., Any]) -> None:
    async with session_world(HidKeyboard()) as session:
        conn = await session.connections.connect("HID Keyboard", timeout=5)
        node = [c for c in (await gatt.discover(conn)).characteristics() if c.short_uuid == "2a4d"][
            0
        ]
        with pytest.raises(GattOperationError) as caught:
            await gatt.read(conn, node)
        assert caught.value.code in (0x05, 0x0F)
        assert "pair" in (caught.value.next_step or "").lower()
        assert conn.is_connected  # an ATT error does not end the link


async def test_device_gone_without_a_word_ends_in_a_supervision_timeout(
    session_world: Callable[..., Any],
) -> None:
    bench = BenchDevice()
    async with session_world(bench, PulseHrm()) as session:
        conn = await session.connections.connect("Bench Device", timeout=5)
        assert session.world is not None
        await session.world.remove("Bench Device")  # switched off: nothing comes back
        # The link layer notices: no packet within the supervision timeout (720 ms).
        with pytest.raises(ConnectionLostError) as caught:
            await gatt.read(conn, LONG_VALUE)
        assert caught.value.code == 0x08
        assert "Connection Timeout" in str(caught.value)
        assert "supervision timeout" in str(caught.value)
        assert caught.value.next_step
        assert conn.state == ConnectionState.LOST
        assert (conn.info().disconnect_reason or {}).get("code") == 0x08
        other = await session.connections.connect("Pulse HRM", timeout=5)
        assert (await gatt.read(other, "2a38")).ok


async def test_device_out_of_range_ends_in_a_timeout_not_a_hang(
    session_world: Callable[..., Any],
) -> None:
    bench = BenchDevice()
    async with session_world(bench, PulseHrm()) as session:
        # Discovery on the modelled air takes a few hundred ms at 15 ms: connect first.
        conn = await session.connections.connect("Bench Device", timeout=5)
        op_timeout, session.connections.op_timeout = session.connections.op_timeout, 0.3
        assert session.world is not None
        world = session.world
        world.link.remove_controller(world.member("Bench Device").controller)
        with pytest.raises((ConnectionLostError, OperationTimeoutError)) as caught:
            await gatt.read(conn, LONG_VALUE)
        assert caught.value.next_step
        session.connections.op_timeout = op_timeout  # 0.3 s is shorter than a discovery
        other = await session.connections.connect("Pulse HRM", timeout=5)
        assert (await gatt.read(other, "2a38")).ok

"""A device of a device file served in the virtual world, driven by blebench's own central:
its GATT database with descriptors, permissions and lengths, its scheduled notifications,
its replies to writes, its mirror, and the events `blebench peripheral` shows."""

from __future__ import annotations

from typing import Any

import pytest
from bumble.core import ProtocolError

from blebench.backends.base import client_extras
from blebench.session import gatt
from blebench.session.errors import GattOperationError
from blebench.sim.peripheral_events import PeripheralEvent
from blebench.sim.userdevices import UserDefinedPeripheral, parse_user_devices
from tests.integration.rig import sim_session, wait_until

FILE = """
[[device]]
name = "Bench Sensor"
address = "C6:11:22:33:44:55"
adv = "02 01 06"
scan_response = "0d 09 42 65 6e 63 68 20 53 65 6e 73 6f 72"

[[device.service]]
uuid = "181a"
[[device.service.characteristic]]
uuid = "2a6e"
properties = ["read", "notify"]
value = "0a09"
description = "Room temperature"
format = { format = "sint16", exponent = -2, unit = "272f" }
notify_every_ms = 20
notify_value = { kind = "counter", min = 100, max = 102, format = "sint16" }
[[device.service.characteristic]]
uuid = "2a56"
properties = ["read", "write"]
value = "00"
max_length = 4
[[device.service.characteristic]]
uuid = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"
properties = ["write", "write-without-response"]
replies = [{ prefix = "01", reply = "81 {1:}" }, { prefix = "02", reply = "82 00" }]
reply = "ff {0}"
reply_on = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"
[[device.service.characteristic]]
uuid = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"
properties = ["notify"]
[[device.service.characteristic]]
uuid = "2a57"
properties = ["read", "notify"]
mirror = "2a56"
[[device.service.characteristic]]
uuid = "12345678-1234-5678-1234-56789abcdef0"
properties = ["read", "write"]
read = "authenticated"
write = "encrypted"
value = "53"
[[device.service.characteristic]]
uuid = "2a58"
properties = ["read", "write"]
value = "32"
format = { format = "uint8" }
valid_range = [10, 90]
"""
TEMPERATURE, DIGITAL, RX, TX = "2a6e", "2a56", "6e400002", "6e400003"
SECRET = "12345678-1234-5678-1234-56789abcdef0"


async def raw(conn: Any, handle: int, value: bytes | None = None) -> int:
    """A hostile central: ATT straight from Bumble's client, past blebench's checks.
    Returns the ATT error code (0: none)."""
    extras = client_extras(conn.client)
    assert extras is not None and extras.bumble_connection is not None
    client = extras.bumble_connection.gatt_client
    try:
        if value is None:
            await client.read_value(handle)
        else:
            await client.write_value(handle, value, with_response=True)
    except ProtocolError as exc:
        return int(exc.error_code or 0)
    return 0


def served() -> tuple[UserDefinedPeripheral, list[PeripheralEvent]]:
    (device,) = parse_user_devices(FILE, "bench.toml")
    events: list[PeripheralEvent] = []
    device.observer = events.append
    return device, events


def kinds(events: list[PeripheralEvent]) -> list[str]:
    return [e.kind for e in events]


async def test_gatt_as_written_with_descriptors_permissions_and_lengths() -> None:
    device, events = served()
    async with sim_session(device) as session:
        conn = await session.connections.connect("Bench Sensor", timeout=5)
        tree = await gatt.discover(conn)
        temperature = next(c for c in tree.characteristics() if c.short_uuid == TEMPERATURE)
        descriptors = {d.short_uuid for d in temperature.children}
        assert {"2901", "2904", "2902"} <= descriptors
        read = await gatt.read(conn, "2901")
        assert read.data == b"Room temperature"

        await gatt.write(conn, DIGITAL, b"\x01\x02")
        assert (await gatt.read(conn, DIGITAL)).data == b"\x01\x02"
        with pytest.raises(GattOperationError) as too_long:
            await gatt.write(conn, DIGITAL, b"\x00" * 5)  # max_length 4
        assert too_long.value.code == 0x0D
        rx = next(c for c in tree.characteristics() if c.uuid.startswith(RX))
        assert await raw(conn, temperature.handle, b"\x00\x00") == 0x03  # read-only
        assert await raw(conn, rx.handle) == 0x02  # write-only
        assert await raw(conn, 0x0FFF) == 0x01  # no such handle
        assert await raw(conn, 0x0FFF, b"\x00") == 0x01
        assert await raw(conn, temperature.handle, b"\x00" * 513) == 0x0D
        with pytest.raises(GattOperationError) as secret:
            await gatt.read(conn, SECRET)
        assert secret.value.code == 0x05  # pair with MITM first
        with pytest.raises(GattOperationError) as encrypted:
            await gatt.write(conn, SECRET, b"\x01")
        assert encrypted.value.code == 0x0F
        with pytest.raises(GattOperationError) as out_of_range:
            await gatt.write(conn, "2a58", b"\x5b")  # 91 > 90
        assert out_of_range.value.code == 0xFF
        await gatt.write(conn, "2a58", b"\x5a")
        # Nothing else changed: the refused values were not stored, the link is up.
        assert (await gatt.read(conn, DIGITAL)).data == b"\x01\x02"
        assert (await gatt.read(conn, TEMPERATURE)).ok and conn.is_connected
        await session.connections.disconnect(conn.address)
        await wait_until(lambda: "disconnected" in kinds(events))

    connected = next(e for e in events if e.kind == "connected")
    assert connected.fields["peer_type"] == "random-static"
    assert connected.fields["interval_ms"] > 0 and connected.fields["mtu"] == 23
    assert any(e.kind == "mtu" and e.fields["mtu"] > 23 for e in events)
    write = next(e for e in events if e.kind == "write" and e.fields["uuid"] == DIGITAL)
    assert write.fields["value"] == "0102" and "01 02" in write.text
    refused = [e.fields["att_error"] for e in events if e.kind == "refused"]
    assert refused.count(0x0D) == 1 and 0x03 in refused and 0x02 in refused and 0xFF in refused
    gone = next(e for e in events if e.kind == "disconnected")
    assert gone.fields["reason"] == 0x13 and "Remote User Terminated" in gone.text
    assert gone.to_json()["event"] == "disconnected"


async def test_scheduled_notifications_replies_and_mirrors() -> None:
    device, events = served()
    async with sim_session(device) as session:
        conn = await session.connections.connect("Bench Sensor", timeout=5)
        temps = await session.subscribe(conn.address, TEMPERATURE)
        await session.subscribe(conn.address, TX)
        await session.subscribe(conn.address, "2a57")

        def samples(uuid: str) -> list[bytes]:
            return [s.data for s in all_samples if s.uuid.startswith(f"0000{uuid}")
                    or s.uuid.startswith(uuid)]

        all_samples: list[Any] = []

        def pulled() -> int:
            all_samples.extend(session.pull_streams(None).samples)
            return len(all_samples)

        await wait_until(lambda: pulled() > 0 and len(samples(TEMPERATURE)) >= 4)
        numbers = [int.from_bytes(v, "little", signed=True) for v in samples(TEMPERATURE)]
        assert set(numbers) <= {100, 101, 102}
        assert numbers[:3] in ([100, 101, 102], [101, 102, 100], [102, 100, 101])
        assert temps.stream_id is not None

        await gatt.write(conn, RX, b"\x01\xaa\xbb")  # prefix 01 -> 81 + bytes 1..
        await gatt.write(conn, RX, b"\x02\x99")  # prefix 02 -> 82 00
        await gatt.write(conn, RX, b"\x07")  # no prefix: the default, ff + byte 0
        await gatt.write(conn, DIGITAL, b"\x05")  # 2a57 mirrors it
        await wait_until(lambda: pulled() >= 0 and len(samples(TX)) >= 3
                         and len(samples("2a57")) >= 1)
        assert samples(TX)[:3] == [b"\x81\xaa\xbb", b"\x82\x00", b"\xff\x07"]
        assert samples("2a57")[0] == b"\x05"
        assert (await gatt.read(conn, "2a57")).data == b"\x05"
        await session.connections.disconnect(conn.address)

    assert any(e.kind == "subscribed" and e.fields["uuid"] == TEMPERATURE for e in events)
    replies = [e.fields["value"] for e in events if e.kind == "reply"]
    assert replies[:3] == ["81aabb", "8200", "ff07"]


async def test_a_flood_of_hostile_requests_gets_its_att_errors_and_nothing_else_changes() -> None:
    device, events = served()
    async with sim_session(device) as session:
        conn = await session.connections.connect("Bench Sensor", timeout=5)
        tree = await gatt.discover(conn)
        temperature = next(c for c in tree.characteristics() if c.short_uuid == TEMPERATURE)
        digital = next(c for c in tree.characteristics() if c.short_uuid == DIGITAL)
        await gatt.write(conn, DIGITAL, b"\x07")
        # 100 requests back to back (one ATT request in flight, as the spec allows; Bumble's
        # client merges identical concurrent ones): reads, writes to a read-only handle,
        # unknown handles, over-long writes.
        codes = []
        for _ in range(25):
            codes += [await raw(conn, digital.handle),
                      await raw(conn, temperature.handle, b"\x00\x00"),
                      await raw(conn, 0x0FFF),
                      await raw(conn, digital.handle, b"\x00" * 5)]  # fmt: skip
        assert codes == [0, 0x03, 0x01, 0x0D] * 25
        assert (await gatt.read(conn, DIGITAL)).data == b"\x07" and conn.is_connected
    refused = [e.fields["att_error"] for e in events if e.kind == "refused"]
    assert refused.count(0x03) == 25 and refused.count(0x0D) == 25

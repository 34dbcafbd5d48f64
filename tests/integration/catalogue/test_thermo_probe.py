"""Thermo Probe through blebench's session: Health Thermometer indications decoded in °C,
the Measurement Interval's range enforced, and values typed by their 0x2904 descriptors."""

from __future__ import annotations

import datetime
import itertools
import struct
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest

from blebench.decode.gatt_values import decode_value, parse_presentation_format
from blebench.session import export, gatt
from blebench.session.connections import DeviceConnection
from blebench.session.errors import GattOperationError
from blebench.session.manager import SessionManager
from blebench.session.models import GattNode
from blebench.sim.catalogue.thermo_probe import PROBE_TIP_RAW, ThermoProbe
from tests.integration.rig import wait_until

SessionWorld = Callable[..., AbstractAsyncContextManager[SessionManager]]
SEED = 5
CLOCK_S = 0.02  # one device second lasts 20 ms: a 2 s interval gives 25 measurements/s


def descriptor(node: GattNode, short: str) -> GattNode:
    [found] = [d for d in node.children if d.short_uuid == short]
    return found


async def connect(session: SessionManager) -> DeviceConnection:
    conn = await session.connections.connect("Thermo Probe", timeout=5)
    await gatt.discover(conn)
    return conn


async def test_indications_decode_to_the_measurements_the_probe_took(
    session_world: SessionWorld,
) -> None:
    probe = ThermoProbe(seed=SEED, clock_s=CLOCK_S)
    started = probe.now  # the device clock at power-on
    async with session_world(probe) as session:
        conn = await connect(session)
        stream = await gatt.subscribe(conn, session.streams, "2a1c")
        assert stream.mode == "indicate"  # the characteristic only indicates
        await wait_until(lambda: stream.count >= 4, timeout=5)
        records = [export.record(session.streams, s) for s in session.streams.pull().samples]
        await gatt.unsubscribe(conn, session.streams, "2a1c")

    decoded = [decode_value("2a1c", bytes.fromhex(r["hex"])) for r in records]
    assert all(d.kind == "temperature_measurement" and d.error is None for d in decoded)
    assert all(d.fields["unit"] == "celsius" for d in decoded)
    assert all(d.fields["temperature_type_name"] == "Mouth" for d in decoded)
    # The stream store decoded each indication too (what `blebench notify` prints).
    assert records[0]["decoded"]["celsius"] == decoded[0].fields["celsius"]
    stamps = [datetime.datetime.fromisoformat(str(d.fields["timestamp"])) for d in decoded]
    assert all(b - a == datetime.timedelta(seconds=2) for a, b in itertools.pairwise(stamps))

    # The same seed replays the same probe: measurement n is exactly what a twin gives
    # after the same n periods of 2 device seconds.
    twin = ThermoProbe(seed=SEED)
    periods = (stamps[0] - started) // datetime.timedelta(seconds=2)
    for _ in range(periods):
        twin.advance(2)
    for record in records:
        assert bytes.fromhex(record["hex"]) == twin.measurement_value()
        twin.advance(2)
    assert all(36.0 <= float(str(d.fields["celsius"])) <= 38.0 for d in decoded)


async def test_fahrenheit_measurements_still_give_celsius(session_world: SessionWorld) -> None:
    probe = ThermoProbe(seed=SEED, clock_s=CLOCK_S)
    probe.set_fahrenheit(True)
    async with session_world(probe) as session:
        conn = await connect(session)
        stream = await gatt.subscribe(conn, session.streams, "2a1c")
        await wait_until(lambda: stream.count >= 1, timeout=5)
        [sample, *_] = session.streams.pull().samples
    value = decode_value("2a1c", sample.data)
    assert value.fields["unit"] == "fahrenheit" and "°F" in value.summary
    fahrenheit = float(str(value.fields["temperature"]))
    assert value.fields["celsius"] == pytest.approx((fahrenheit - 32) * 5 / 9, abs=0.01)


async def test_measurement_interval_range_is_enforced_in_words(
    session_world: SessionWorld,
) -> None:
    async with session_world(ThermoProbe(seed=SEED)) as session:
        conn = await connect(session)
        interval = (await gatt.read(conn, "2a21")).decoded
        assert interval["summary"] == "every 2 s"
        assert conn.tree is not None
        valid_range = descriptor(conn.tree.find("2a21"), "2906")
        decoded = (await gatt.read(conn, valid_range)).decoded
        assert (decoded["fields"]["lower"], decoded["fields"]["upper"]) == (1, 600)
        await gatt.write(conn, "2a21", struct.pack("<H", 30))
        assert (await gatt.read(conn, "2a21")).decoded["fields"]["seconds"] == 30
        with pytest.raises(GattOperationError) as out_of_range:
            await gatt.write(conn, "2a21", struct.pack("<H", 601))
        assert out_of_range.value.code == 0xFF
        assert "Out of Range" in str(out_of_range.value)
        with pytest.raises(GattOperationError) as wrong_length:
            await gatt.write(conn, "2a21", b"\x05")
        assert wrong_length.value.code == 0x0D
        assert conn.is_connected  # refused writes leave the link as it was
        assert (await gatt.read(conn, "2a21")).decoded["fields"]["seconds"] == 30
        assert (await gatt.read(conn, "2a1d")).decoded["summary"] == "Mouth"


async def test_presentation_formats_type_the_values(session_world: SessionWorld) -> None:
    probe = ThermoProbe(seed=SEED, interval_s=600)  # values hold still while the test reads
    async with session_world(probe) as session:
        conn = await connect(session)
        assert conn.tree is not None
        tip = await gatt.read(conn, PROBE_TIP_RAW)
        ambient = await gatt.read(conn, "2a6e")
        humidity = await gatt.read(conn, "2a6f")
        pressure = await gatt.read(conn, "2a6d")
        formats: dict[str, Any] = {}
        labels: dict[str, Any] = {}
        for short in ("2a6e", "2a6f", "2a6d"):
            node = conn.tree.find(short)
            formats[short] = await gatt.read_raw(conn, descriptor(node, "2904"))
            labels[short] = (await gatt.read(conn, descriptor(node, "2901"))).decoded
        tip_node = conn.tree.find(PROBE_TIP_RAW)
        tip_label = (await gatt.read(conn, descriptor(tip_node, "2901"))).decoded

    # The vendor value means nothing without its 0x2904: sint16, 10^-2, degree Celsius.
    expected_tip = struct.unpack("<h", probe.tip_raw_value())[0] / 100
    assert tip.decoded["kind"] == "formatted"
    assert tip.decoded["fields"]["value"] == pytest.approx(expected_tip)
    assert tip.decoded["summary"] == f"{expected_tip:.2f} °C"
    presentation = tip.decoded["fields"]["presentation"]
    assert presentation["unit_name"] == "Celsius temperature (degree Celsius)"
    assert tip_label["fields"]["text"] == "Probe tip, uncalibrated"

    # The Environmental Sensing values: their own decoders, and their 0x2904s agree.
    assert ambient.decoded["fields"]["celsius"] == pytest.approx(probe.ambient_c, abs=0.006)
    assert humidity.decoded["fields"]["percent"] == pytest.approx(probe.humidity_pct, abs=0.006)
    assert pressure.decoded["fields"]["pascal"] == pytest.approx(probe.pressure_pa, abs=0.06)
    units = {}
    for short, result, field in (
        ("2a6e", ambient, "celsius"),
        ("2a6f", humidity, "percent"),
        ("2a6d", pressure, "pascal"),
    ):
        cpf = parse_presentation_format(formats[short])
        assert cpf is not None and result.data is not None
        typed = decode_value(PROBE_TIP_RAW, result.data, cpf)  # typed by the CPF alone
        assert typed.fields["value"] == pytest.approx(result.decoded["fields"][field])
        units[short] = cpf.unit_name
    assert units == {
        "2a6e": "Celsius temperature (degree Celsius)",
        "2a6f": "percentage",
        "2a6d": "pressure (pascal)",
    }
    assert [labels[s]["fields"]["text"] for s in ("2a6e", "2a6f", "2a6d")] == [
        "Ambient temperature",
        "Relative humidity",
        "Air pressure",
    ]

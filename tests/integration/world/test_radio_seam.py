"""The radio seam on the virtual world: the session opens the world and hands its central
to a Bumble radio; what the faces read of the radio (its plain `RadioInfo`) and what a
connection offers beyond bleak (`client_extras`) come through the seam."""

from __future__ import annotations

from pathlib import Path

from blebench.backends.base import client_extras
from blebench.backends.bumble.client import BumbleClient
from blebench.session.link_rssi import read_link_rssi
from blebench.session.radios import open_request, parse_spec, sim_central_identity
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from tests.integration.rig import sim_session


async def test_the_session_owns_the_world_and_the_radio_says_what_it_can() -> None:
    async with sim_session(PulseHrm()) as session:
        info = session.radio_info
        assert (info.backend, info.is_virtual) == ("bumble-sim", True)
        assert info.description == "virtual world (1 device)"
        assert info.capabilities == {
            "raw_advertising", "smp", "hci_capture", "link_rssi", "connects_by_record"
        }  # fmt: skip
        assert info.identity == session.radio.identity == sim_central_identity(0)
        assert session.world is not None and [m.peripheral.name for m in session.world.members] == [
            "Pulse HRM"
        ]
        assert session.capture_unavailable_reason() is None


async def test_a_connection_offers_its_extras_through_one_accessor() -> None:
    async with sim_session(PulseHrm()) as session:
        conn = await session.connections.connect("Pulse HRM")
        extras = client_extras(conn.client)
        assert isinstance(extras, BumbleClient)
        assert extras.bumble_connection is not None
        info = conn.info()
        assert info.interval_ms is not None and info.encrypted is False  # from connection_info()
        assert -127 < await read_link_rssi(conn) < 20
        await session.connections.disconnect(conn.address)


async def test_one_string_opens_the_world_and_closing_stops_it(tmp_path: Path) -> None:
    opened = await open_request(parse_spec("sim:3"))
    try:
        assert opened.world is not None and opened.radio.kind == "bumble-sim"
        assert opened.radio.identity == sim_central_identity(3)
        assert opened.radio.description == opened.world.description
    finally:
        await opened.close()
    await opened.close()  # idempotent

"""`blebench sim export`: every catalogue device written as a device file that the one
parser reads back and the virtual world serves with the same GATT database; the Pulse
HRM's export notifies heart rate as the catalogue's does."""

from __future__ import annotations

import pytest

from blebench.decode.gatt_values import decode_value
from blebench.session import gatt
from blebench.sim.catalogue import CATALOGUE, make_device
from blebench.sim.export import export_device
from blebench.sim.userdevices import parse_user_devices
from tests.integration.rig import sim_session, wait_until


@pytest.mark.parametrize("name", list(CATALOGUE))
async def test_every_catalogue_device_exports_to_a_file_the_parser_reads(name: str) -> None:
    device = make_device(name)
    text = await export_device(device)
    (copy,) = parse_user_devices(text, f"{name}.toml")
    assert (copy.name, copy.address, copy.address_type) == (
        device.name, device.address.upper(), device.address_type
    )  # fmt: skip
    assert copy.connectable == device.connectable
    assert copy.advertising_data() == device.advertising_data()
    assert copy.scan_response_data() == device.scan_response_data()


async def test_the_exported_lock_keeps_its_permissions_and_pairing() -> None:
    text = await export_device(make_device("Smart Lock"))
    (copy,) = parse_user_devices(text, "lock.toml")
    assert copy.pairing is not None and copy.pairing.options.sc_only
    assert copy.pairing.options.mitm and copy.pairing.require_mitm_flag
    accesses = {c.read_access for s in copy.services for c in s.characteristics}
    assert "authenticated" in accesses


async def test_the_exported_hrm_serves_the_same_gatt_and_notifies_heart_rate() -> None:
    (copy,) = parse_user_devices(await export_device(make_device("Pulse HRM")), "hrm.toml")
    async with sim_session(copy) as session:
        conn = await session.connections.connect("Pulse HRM", timeout=5)
        tree = await gatt.discover(conn)
        uuids = {s.short_uuid for s in tree.services}
        assert {"180d", "180f", "180a"} <= uuids
        assert (await gatt.read(conn, "2a38")).data == b"\x01"  # chest
        await session.subscribe(conn.address, "2a37")
        samples: list[bytes] = []

        def pulled() -> bool:
            samples.extend(s.data for s in session.pull_streams(None).samples)
            return len(samples) >= 1

        await wait_until(pulled, timeout=5)
        fields = decode_value("2a37", samples[0]).fields
        bpm = fields["heart_rate_bpm"]
        assert isinstance(bpm, int) and 40 <= bpm <= 200

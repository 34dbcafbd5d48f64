"""SessionManager scanning on real Bumble stacks: in-process, and through HCI over TCP."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from blebench.session.manager import SessionManager, SessionSettings
from blebench.session.models import DeviceRecord
from blebench.sim.world import VirtualWorld
from tests.integration.world.peripherals import (
    HRM_ADV,
    NAME_SR,
    Beacon,
    PrivacyTag,
    PublicHrm,
    ScannableBeacon,
)

HRM = "00:1B:DC:01:02:03"


def peripherals() -> tuple[PublicHrm, Beacon, ScannableBeacon, PrivacyTag]:
    return (PublicHrm(), Beacon(), ScannableBeacon(), PrivacyTag())


def heard(*addresses: str, reports: int = 2, response: bool = False) -> Callable[[SessionManager], bool]:
    """Each of `addresses` heard `reports` times or more (so a scan response, if one were
    sent, would have come after the first), with a scan response if `response`."""

    def enough(session: SessionManager) -> bool:
        for address in addresses:
            found = session.registry.get(address)
            if found is None or found.count < reports:
                return False
            if response and found.scan_response is None:
                return False
        return True

    return enough


async def scanned(
    settings: SessionSettings, *, active: bool, until: Callable[[SessionManager], bool]
) -> SessionManager:
    """A session that scanned until `until(session)` held (bounded: 15 s), then stopped."""
    session = await SessionManager.open(settings)
    await session.start_scan(active=active)
    assert session.scanning and session.scan_active is active
    async with asyncio.timeout(15):
        while not until(session):
            await asyncio.sleep(0.02)
    await session.stop_scan()
    assert not session.scanning
    return session


def record(session: SessionManager, address: str) -> DeviceRecord:
    found = session.registry.get(address)
    assert found is not None, f"{address} not heard"
    return found


async def test_active_scan_keeps_adv_and_scan_response_apart() -> None:
    def everything(session: SessionManager) -> bool:
        return heard(HRM, response=True)(session) and heard(
            "C1:22:33:44:55:66", "C2:22:33:44:55:66"
        )(session) and any(r.address_type == "resolvable-private" for r in session.registry)

    session = await scanned(
        SessionSettings(sim=True, peripherals=peripherals()), active=True, until=everything
    )
    try:
        assert session.radio_info.backend == "bumble-sim"
        assert session.radio_info.is_virtual
        hrm = record(session, HRM)
        assert hrm.adv is not None and hrm.adv.raw == HRM_ADV
        assert hrm.scan_response is not None and hrm.scan_response.raw == NAME_SR
        assert hrm.name == "Pulse"  # from the scan response only
        assert hrm.adv.decoded.local_name is None
        assert hrm.address_type == "public" and hrm.connectable is True
        assert set(hrm.event_types) == {"ADV_IND", "SCAN_RSP"}
        assert hrm.count >= 2 and len(hrm.rssi_history) == hrm.count
        beacon = record(session, "C1:22:33:44:55:66")
        assert beacon.connectable is False and set(beacon.event_types) == {"ADV_NONCONN_IND"}
        assert beacon.address_type == "random-static"
        [ibeacon] = beacon.to_json(session.registry.wall_offset)["vendors"]
        assert ibeacon["format"] == "ibeacon" and ibeacon["major"] == 1 and ibeacon["minor"] == 2
        assert ibeacon["measured_power"] == -59
        scannable = record(session, "C2:22:33:44:55:66")
        assert set(scannable.event_types) == {"ADV_SCAN_IND", "SCAN_RSP"}
        kinds = {r.address_type for r in session.registry}
        assert "resolvable-private" in kinds
    finally:
        await session.close()


async def test_passive_scan_holds_no_scan_response_and_no_name() -> None:
    # Every device heard twice or more: a scan response would have come by then.
    def everyone(session: SessionManager) -> bool:
        return heard(HRM, "C1:22:33:44:55:66", "C2:22:33:44:55:66")(session) and any(
            r.address_type == "resolvable-private" and r.count >= 2 for r in session.registry
        )

    session = await scanned(
        SessionSettings(sim=True, peripherals=peripherals()), active=False, until=everyone
    )
    try:
        hrm = record(session, HRM)
        assert hrm.scan_response is None
        assert hrm.name is None
        assert all(r.scan_response is None for r in session.registry)
        assert all("SCAN_RSP" not in r.event_types for r in session.registry)
    finally:
        await session.close()


async def test_changed_since_gives_only_new_changes() -> None:
    session = await SessionManager.open(SessionSettings(sim=True, peripherals=peripherals()))
    try:
        version, batch = session.registry.changed_since(0)
        assert batch == []
        await session.start_scan()
        async with asyncio.timeout(15):
            while not heard(HRM, "C1:22:33:44:55:66", reports=1)(session):
                await asyncio.sleep(0.02)
        version, batch = session.registry.changed_since(0)
        assert {r.address for r in batch} >= {HRM, "C1:22:33:44:55:66"}
        assert all(r.version <= version for r in batch)
        await session.stop_scan()
        # Reports that came before the scan stopped: only those changed after `version`.
        stopped, newer = session.registry.changed_since(version)
        assert stopped >= version and all(r.version > version for r in newer)
        later, nothing = session.registry.changed_since(stopped)
        assert nothing == [] and later == stopped
    finally:
        await session.close()


async def test_malformed_user_device_is_listed_with_its_error(malformed_devices: Path) -> None:
    settings = SessionSettings(sim=True, peripherals=(), sim_devices=malformed_devices)
    session = await scanned(settings, active=True, until=heard("C4:11:22:33:44:55", reports=1))
    try:
        gadget = record(session, "C4:11:22:33:44:55")
        assert gadget.name == "Gadget"
        assert gadget.connectable is False
        structures = gadget.to_json(session.registry.wall_offset)["adv"]["structures"]
        assert [s.get("type") for s in structures[:2]] == [0x01, 0x09]
        assert "error" not in structures[0] and "error" not in structures[1]
        assert "error" in structures[2] and "past the end" in structures[2]["error"]
    finally:
        await session.close()


async def test_scan_through_hci_over_tcp_with_the_worlds_controller() -> None:
    world = VirtualWorld(list(peripherals()), seed=1)
    await world.start()
    try:
        served = await world.serve_hci("tcp-server:127.0.0.1:0")
        assert served.spec.startswith("tcp-client:127.0.0.1:")
        for active in (True, False):
            session = await scanned(
                SessionSettings(transport=served.spec),
                active=active,
                until=heard(HRM, response=active),
            )
            try:
                assert session.radio_info.backend == "bumble-hci"
                assert not session.radio_info.is_virtual
                assert served.spec in session.radio_info.description
                hrm = record(session, HRM)
                assert hrm.adv is not None and hrm.adv.raw == HRM_ADV
                if active:
                    assert hrm.scan_response is not None and hrm.name == "Pulse"
                else:
                    assert hrm.scan_response is None and hrm.name is None
            finally:
                await session.close()
    finally:
        await world.stop()


async def test_bad_transport_is_a_one_line_session_error() -> None:
    from blebench.session.manager import SessionError
    from tests.integration.scan.conftest import free_port

    with pytest.raises(SessionError) as caught:
        await SessionManager.open(SessionSettings(transport=f"tcp-client:127.0.0.1:{free_port()}"))
    assert "tcp-client:127.0.0.1:" in str(caught.value)
    assert "\n" not in str(caught.value)


async def test_btsnoop_capture_and_no_task_left_behind(tmp_path: Path) -> None:
    capture = tmp_path / "hci.btsnoop"
    before = asyncio.all_tasks()
    settings = SessionSettings(sim=True, peripherals=peripherals(), btsnoop=capture)
    session = await scanned(settings, active=True, until=heard(HRM, reports=1))
    await session.close()
    data = capture.read_bytes()
    assert data.startswith(b"btsnoop\0")  # the format Wireshark opens
    assert len(data) > 16 + 24 * 10  # HCI Reset, setup, scan commands and reports
    await asyncio.sleep(0)
    assert {t for t in asyncio.all_tasks() - before if not t.done()} == set()

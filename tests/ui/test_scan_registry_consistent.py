"""The Scan list holds what the session's registry holds: a device the registry dropped to
stay within its cap (busy air) leaves the list and the "M seen" count, instead of staying
listed forever (the UI growing without bound while the registry stays capped)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from blebench.session.manager import SessionManager
from blebench.sim.catalogue.eddystone import Eddystone
from blebench.sim.catalogue.ibeacon import IBeacon
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from blebench.sim.catalogue.thermo_probe import ThermoProbe
from blebench.sim.catalogue.uart_bridge import UartBridge
from blebench.ui import settings as settings_mod
from blebench.ui.factory import make_app
from blebench.ui.scan.pane import ScanPane
from tests.ui.app_harness import opened_session, screen_text, wait_until

CAP = 3


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    devices = (PulseHrm(), IBeacon(), Eddystone(), ThermoProbe(), UartBridge())
    async with opened_session(devices) as manager:
        manager.registry.max_devices = CAP  # five advertisers, room for three
        yield manager


def seen(app: object) -> int:
    match = re.search(r"(\d+) now, (\d+) seen", screen_text(app))  # type: ignore[arg-type]
    assert match, "no 'N now, M seen' on screen"
    return int(match.group(2))


async def test_devices_the_registry_dropped_leave_the_list(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.screen.query_one(ScanPane)
        assert await wait_until(pilot, lambda: session.registry.evicted >= 2 * CAP)
        for _ in range(5):  # over several refreshes, as the air churns
            await pilot.pause(0.2)
            assert pane.device_count <= CAP and pane.table.shown <= CAP
            assert seen(app) <= CAP

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from bumble import hci
from bumble.device import Device

from blebench.sim.world import VirtualWorld
from tests.integration.rig import RigFactory
from tests.integration.world.peripherals import Beacon, PrivacyTag, PublicHrm, ScannableBeacon

Report = (
    hci.HCI_LE_Advertising_Report_Event.Report | hci.HCI_LE_Extended_Advertising_Report_Event.Report
)


@dataclass
class Air:
    world: VirtualWorld
    central: Device
    reports: list[Report] = field(default_factory=list)

    def of(self, address: hci.Address | str) -> list[Report]:
        text = str(address).split("/")[0]
        return [r for r in self.reports if str(r.address).split("/")[0] == text]


@pytest.fixture
async def air(world: RigFactory) -> AsyncIterator[Air]:
    """The test peripherals on the air, and every advertising report the central hears."""
    rig = await world(PublicHrm(), Beacon(), ScannableBeacon(), PrivacyTag(), seed=7)
    state = Air(rig.world, rig.central)
    rig.central.host.on("advertising_report", state.reports.append)
    yield state

"""A crowd on the virtual air: many distinct advertisers at once (a station, a stadium,
private addresses rotating), sent straight onto the modelled link by one transmitter.

Each address is heard as a device of its own, through a central's real controller, host
and scanner: what the memory benchmark (`benchmarks/bench_memory.py`) and the tests of
bounded per-address state drive. One controller stands in for them all, so a hundred
thousand advertisers cost no Bumble stacks of their own.
"""

from __future__ import annotations

import asyncio

from bumble import hci

from blebench.sim.radio import (
    AdvPduType,
    AirAdvertisement,
    FixedProfile,
    ModelledController,
    ModelledLink,
)

_FLAGS = bytes.fromhex("020106")


class Crowd:
    """`await Crowd(link).advertise(n)`: n advertising events, each from a new
    non-resolvable private address with advertising data of its own."""

    def __init__(self, link: ModelledLink, *, name: str = "crowd", distance_m: float = 3.0) -> None:
        self.link = link
        self.controller = ModelledController(
            name, link=link, profile=FixedProfile(distance_m=distance_m), extended_advertising=False
        )
        self.sent = 0

    @staticmethod
    def address(index: int) -> hci.Address:
        """The n-th member's address: non-resolvable private (two top bits 0b00)."""
        raw = bytearray((index + 1).to_bytes(6, "little"))
        raw[5] &= 0x3F
        return hci.Address(bytes(raw), hci.Address.RANDOM_DEVICE_ADDRESS)

    def _pdu(self, index: int) -> AirAdvertisement:
        name = f"crowd {index}".encode()
        data = _FLAGS + bytes([len(name) + 1, 0x09]) + name
        return AirAdvertisement(
            advertiser_address=self.address(index),
            pdu_type=AdvPduType.ADV_NONCONN_IND,
            data=data,
            scan_response=b"",
            sender=self.controller,
        )

    async def advertise(self, count: int, *, batch: int = 200) -> None:
        """Send `count` events from `count` new addresses, `batch` at a time. Between
        batches the loop runs the receivers' two hops (the link's delivery, then the
        controller's HCI event to its host), so no queue grows with `count`."""
        left = count
        while left > 0:
            for _ in range(min(batch, left)):
                self.link.send_advertising_pdu(self.controller, self._pdu(self.sent))
                self.sent += 1
            left -= min(batch, left)
            for _ in range(3):
                await asyncio.sleep(0)

    def close(self) -> None:
        self.link.remove_controller(self.controller)

"""BenchDevice: a test peripheral with long and typed values, for the GATT session tests."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from typing import Any

from bumble.device import Device
from bumble.gatt import Characteristic, CharacteristicValue, Descriptor, Service

from blebench.sim.catalogue import _adv
from blebench.sim.catalogue._gatt import READ, READ_WRITE, GattPeripheral, Props

BENCH_SERVICE = "8e7f0000-3c1d-4d2e-9b77-0a1b2c3d4e5f"
LONG_VALUE = "8e7f0001-3c1d-4d2e-9b77-0a1b2c3d4e5f"
TYPED_VALUE = "8e7f0002-3c1d-4d2e-9b77-0a1b2c3d4e5f"
STREAM_VALUE = "8e7f0003-3c1d-4d2e-9b77-0a1b2c3d4e5f"
SLOW_VALUE = "8e7f0004-3c1d-4d2e-9b77-0a1b2c3d4e5f"


class BenchDevice(GattPeripheral):
    """A test peripheral: a 400-byte read/write value (long reads and writes), a value
    typed by a 0x2904 descriptor (sint16, exponent -2, degrees Celsius), a notify
    characteristic driven by the test, and a read that the test can make vanish."""

    name = "Bench Device"
    address = "C3:11:22:33:44:55"

    def __init__(self, *, seed: int = 0) -> None:
        super().__init__(seed=seed)
        self.long_value = bytes(i % 251 for i in range(400))
        self.on_slow_read: Callable[[Any], Any] | None = None
        self.stream: Characteristic[bytes] | None = None

    def advertising_data(self) -> bytes:
        return _adv.payload(_adv.flags(), _adv.complete_name(self.name))

    def services(self, device: Device) -> list[Service]:
        def read_long(_conn: Any) -> bytes:
            return self.long_value

        def write_long(_conn: Any, value: bytes) -> None:
            self.long_value = bytes(value)

        async def read_slow(conn: Any) -> bytes:
            if self.on_slow_read is not None:
                self.on_slow_read(conn)
            await asyncio.sleep(60)  # never answers in time: the test ends the link first
            return b""

        cpf = struct.pack("<BbHBH", 0x0E, -2, 0x272F, 0x01, 0x0000)
        typed = Characteristic(
            TYPED_VALUE,
            Props.READ,
            READ,
            struct.pack("<h", 2150),
            descriptors=[Descriptor("2904", READ, cpf)],
        )
        self.stream = Characteristic(STREAM_VALUE, Props.NOTIFY, READ, b"")
        return [
            Service(
                BENCH_SERVICE,
                [
                    Characteristic(
                        LONG_VALUE,
                        Props.READ | Props.WRITE,
                        READ_WRITE,
                        CharacteristicValue(read=read_long, write=write_long),
                    ),
                    typed,
                    self.stream,
                    Characteristic(
                        SLOW_VALUE, Props.READ, READ, CharacteristicValue(read=read_slow)
                    ),
                ],
            )
        ]

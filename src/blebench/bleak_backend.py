"""blebench as a bleak backend: run your own bleak code on the virtual world or a dongle.

    from bleak import BleakClient, BleakScanner
    from blebench.bleak_backend import BumbleClient, BumbleScanner, open_radio

    async with open_radio("sim") as radio:
        device = await BleakScanner.find_device_by_name(
            "Thermo Probe", backend=BumbleScanner, radio=radio
        )
        async with BleakClient(device, backend=BumbleClient, radio=radio) as client:
            ...

`open_radio(spec)` is an async context manager yielding a radio for both backends (the
one keyword `radio=`):
- `"sim"` or `"sim:SEED"`: blebench's virtual world (its catalogue of devices, plus the
  devices of `sim_devices=PATH` and of blebench's data dir), with a central controller of
  its own; `SEED` (an integer, default 0) fixes the addresses and the values.
- any Bumble transport spec (`usb:0`, `serial:/dev/ttyACM0,1000000`, `hci-socket:0`,
  `tcp-client:127.0.0.1:6402`, ...): a real (or another process's) HCI controller.

Pairing: `BleakClient.pair()` with no arguments, and `BleakClient(..., pair=True)`, pair
with the radio's options and delegate (`pairing=`, `pairing_delegate=` here; default: this
side NoInputNoOutput, bonding, Secure Connections, Just Works accepted). A failed pairing
raises `BumblePairingError` (a `BleakError`) with the SMP `reason`. Bonds go to `bonds=`
(a path; default: blebench's bond file, the one `blebench bonds` lists).

These names are a stable public contract: `open_radio`, `BumbleScanner`, `BumbleClient`,
`BumblePairingError`, `BumbleConnectError`, `BumbleDisconnectedError`,
`BumbleStaleBondError`, `PairingOptions`, `IoCapability`, `PairingDelegate`,
`ScriptedDelegate`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from blebench.backends.base import RadioError
from blebench.backends.bumble.client import (
    DEFAULT_PAIRING,
    BumbleClient,
    BumbleConnectError,
    BumbleDisconnectedError,
    BumblePairingError,
    BumbleStaleBondError,
    set_pairing_defaults,
)
from blebench.backends.bumble.radio import BumbleRadio
from blebench.backends.bumble.scanner import BumbleScanner
from blebench.pairing.bonds import BondStore
from blebench.pairing.delegate import PairingDelegate, ScriptedDelegate
from blebench.pairing.models import IoCapability, PairingOptions
from blebench.session.radios import RadioRequest, open_request, parse_spec

__all__ = [
    "BumbleClient",
    "BumbleConnectError",
    "BumbleDisconnectedError",
    "BumblePairingError",
    "BumbleRadio",
    "BumbleScanner",
    "BumbleStaleBondError",
    "IoCapability",
    "PairingDelegate",
    "PairingOptions",
    "RadioError",
    "ScriptedDelegate",
    "open_radio",
    "radio_spec",
]


def radio_spec(
    spec: str,
    *,
    sim_devices: str | Path | None = None,
    bonds: str | Path | None = None,
    btsnoop: str | Path | None = None,
) -> RadioRequest:
    """What `open_radio(spec, ...)` opens, as blebench's RadioRequest (ValueError for a bad one)."""
    store = BondStore(Path(bonds)) if bonds is not None else None
    return parse_spec(spec, sim_devices=sim_devices, bonds=store, btsnoop=btsnoop)


@contextlib.asynccontextmanager
async def open_radio(
    spec: str = "sim",
    *,
    sim_devices: str | Path | None = None,
    pairing: PairingOptions | None = None,
    pairing_delegate: PairingDelegate | None = None,
    bonds: str | Path | None = None,
    btsnoop: str | Path | None = None,
) -> AsyncIterator[BumbleRadio]:
    """Open the radio `spec` names, powered on, for `radio=` of BumbleScanner and
    BumbleClient; closed (the virtual world stopped) when the block ends. Raises
    `RadioError` (the words say why) when it cannot be opened."""
    opened = await open_request(
        radio_spec(spec, sim_devices=sim_devices, bonds=bonds, btsnoop=btsnoop)
    )
    radio = opened.radio
    assert isinstance(radio, BumbleRadio)  # every spec open_radio takes is a Bumble radio
    try:
        if pairing is not None or pairing_delegate is not None:
            set_pairing_defaults(
                radio.device,
                pairing or DEFAULT_PAIRING,
                pairing_delegate,
            )
        yield radio
    finally:
        await opened.close()

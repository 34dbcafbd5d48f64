"""`SessionManager`: the one object the CLI and the TUI drive (no Textual here, ever).

It opens the radio the settings name (the OS stack through bleak, Bumble over HCI, or the
virtual world), scans with bleak's `BleakScanner` on that backend and merges reports into
a `DeviceRegistry`. Connections, GATT and streams hook in from their own modules and reach
the radio through `manager.radio` / `manager.radio_info`.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import warnings
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bleak import BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakError

from blebench.backends import BackendChoice, BackendError, choose_backend
from blebench.backends.extras import RawAdvertisement, raw_advertisement
from blebench.pairing.bonds import BondFileProblem, BondStore
from blebench.session.capture import CaptureControl
from blebench.session.connections import ConnectionManager
from blebench.session.gatt import stream_decoder
from blebench.session.link_rssi import LinkRssiSampler
from blebench.session.models import RadioInfo
from blebench.session.registry import DeviceRegistry
from blebench.session.streams import StreamStore

if TYPE_CHECKING:
    from blebench.backends.bumble.radio import BumbleRadio
    from blebench.pairing.delegate import PairingDelegate
    from blebench.pairing.models import Bond, PairingOptions, PairingOutcome
    from blebench.sim.catalogue.base import VirtualPeripheral

RECENT_REPORTS = 2000  # raw reports kept for a live view


class SessionError(Exception):
    """A session that cannot do what was asked; str() is one line for the user."""


@dataclasses.dataclass(frozen=True, slots=True)
class SessionSettings:
    """The radio options of every command (see `blebench.commands.radio`)."""

    backend: str = "auto"
    sim: bool = False
    transport: str | None = None
    sim_devices: Path | None = None
    btsnoop: Path | None = None
    seed: int = 0
    peripherals: tuple[VirtualPeripheral, ...] | None = None  # a world of these (tests)
    user_devices: bool = True  # read the data dir's user-defined devices too

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> SessionSettings:
        sim_devices = getattr(args, "sim_devices", None)
        btsnoop = getattr(args, "btsnoop", None)
        return cls(
            backend=getattr(args, "backend", "auto") or "auto",
            sim=bool(getattr(args, "sim", False)),
            transport=getattr(args, "transport", None),
            sim_devices=Path(sim_devices) if sim_devices else None,
            btsnoop=Path(btsnoop) if btsnoop else None,
            seed=int(getattr(args, "seed", 0) or 0),
        )


class SessionManager:
    """Open with `await SessionManager.open(settings)` (or `async with`); close when done."""

    def __init__(self, settings: SessionSettings, choice: BackendChoice) -> None:
        self.settings = settings
        self.choice = choice
        self.radio: BumbleRadio | None = None
        self.radio_info = RadioInfo(
            backend=choice.kind,
            description="OS Bluetooth stack (bleak)",
            is_virtual=choice.kind == "bumble-sim",
            reason=choice.reason,
        )
        # The bonds blebench keeps: the Bumble radios' key store writes here, and the
        # registry shows a device that resolves to one of them as that bonded device.
        self.bonds = BondStore()
        self.registry = DeviceRegistry(bonds=self.bonds)
        # Connections, GATT and notification streams (session/connections.py, gatt.py,
        # streams.py): `.connections` connects by address or name, `.streams` holds the
        # notification ring buffers the UI pulls from.
        self.streams = StreamStore(decoder=stream_decoder)
        self.connections = ConnectionManager.for_session(self, self.streams)
        # The RSSI of connected devices (advertisements stop once connected), sampled
        # while started (the TUI does), and an on-demand btsnoop capture.
        self.link_rssi = LinkRssiSampler(self.connections, clock=self.registry.clock)
        self.capture = CaptureControl(self)
        self.recent: deque[tuple[float, RawAdvertisement]] = deque(maxlen=RECENT_REPORTS)
        self._scanner: BleakScanner | None = None
        self.scan_active = True
        self._closed = False

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    async def open(cls, settings: SessionSettings | None = None) -> SessionManager:
        settings = settings or SessionSettings()
        try:
            choice = choose_backend(
                backend=settings.backend, sim=settings.sim, transport=settings.transport
            )
        except BackendError as exc:
            raise SessionError(str(exc)) from None
        manager = cls(settings, choice)
        with warnings.catch_warnings():
            # Loaded now, once: a bond file that cannot be read is kept aside and its
            # problems wait in `bonds.problems` for the CLI / the TUI to say in words.
            warnings.simplefilter("ignore", BondFileProblem)
            manager.bonds.bonds()
        await manager._open_radio()
        return manager

    async def _open_radio(self) -> None:
        if self.choice.kind == "bleak":
            from blebench.backends.os_stack import probe_os_stack

            problem = await probe_os_stack()  # what bleak's first scan would run into
            if problem is None:
                return
            if self.settings.backend != "auto":
                raise SessionError(str(problem))
            # auto: never the OS stack when its probe fails; say why.
            self.choice = BackendChoice("bumble-sim", reason=problem.fallback_reason())
            self.radio_info = dataclasses.replace(
                self.radio_info, backend="bumble-sim", is_virtual=True, reason=self.choice.reason
            )
        from blebench.backends.bumble.radio import RadioError, RadioSpec, open_radio
        from blebench.sim.userdevices import UserDevicesError

        spec = RadioSpec(
            kind="sim" if self.choice.kind == "bumble-sim" else "hci",
            transport=self.choice.transport,
            sim_devices=self.settings.sim_devices,
            seed=self.settings.seed,
            btsnoop=self.settings.btsnoop,
            peripherals=self.settings.peripherals,
            user_devices=self.settings.user_devices,
            bonds=self.bonds,
        )
        try:
            self.radio = await open_radio(spec)
        except (RadioError, UserDevicesError) as exc:
            raise SessionError(str(exc)) from None
        self.registry.bond_identity = self.radio.identity  # the bonds usable on this radio
        self.radio_info = dataclasses.replace(self.radio_info, description=self.radio.description)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            await self.stop_scan()
        await self.link_rssi.stop()
        with contextlib.suppress(Exception):
            await self.connections.close()
        self.capture.close()
        if self.radio is not None:
            await self.radio.close()

    async def __aenter__(self) -> SessionManager:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ pairing

    async def pair(
        self, target: str, options: PairingOptions, delegate: PairingDelegate
    ) -> PairingOutcome:
        """Connect to `target` if needed and pair with our `options`; the questions go to
        `delegate`. SMP failures are the outcome's `failure` (see session/pairing.py)."""
        from blebench.session.pairing import pair

        return await pair(self.connections, target, options, delegate, bond_store=self.bonds)

    async def repair(
        self,
        target: str,
        delegate: PairingDelegate,
        options: PairingOptions | None = None,
        *,
        passkey: int | None = None,
        timeout: float | None = None,
    ) -> tuple[PairingOutcome, Bond]:
        """After a `StaleBondError`: delete the stale bond of `target` and pair again with
        the options of the first pairing (or `options`). Returns the outcome and the old
        bond; a failed re-pair puts the old bond back (see session/pairing.py)."""
        from blebench.session.pairing import repair

        return await repair(
            self.connections,
            self.radio,
            target,
            delegate,
            options=options,
            passkey=passkey,
            timeout=timeout,
        )

    # ------------------------------------------------------------------ scanning

    @property
    def scanning(self) -> bool:
        return self._scanner is not None

    def scanner_kwargs(self) -> dict[str, Any]:
        """The keyword arguments that put a bleak object on this session's backend."""
        if self.radio is None:
            return {}
        from blebench.backends.bumble.scanner import BumbleScanner

        return {"backend": BumbleScanner, "bumble_radio": self.radio}

    async def start_scan(self, active: bool = True) -> None:
        """Scan (again) in the given mode; the registry keeps what it has heard."""
        if self._scanner is not None:
            if self.scan_active == active:
                return
            await self.stop_scan()
        scanner = BleakScanner(
            self._on_detection,
            scanning_mode="active" if active else "passive",
            **self.scanner_kwargs(),
        )
        try:
            await scanner.start()
        except Exception as exc:
            from blebench.backends.os_stack import os_stack_problem

            problem = os_stack_problem(exc) if self.radio is None else None
            if problem is None and not isinstance(exc, BleakError):
                raise
            raise SessionError(f"cannot scan: {problem or exc}") from None
        self._scanner = scanner
        self.scan_active = active

    async def stop_scan(self) -> None:
        scanner, self._scanner = self._scanner, None
        if scanner is not None:
            await scanner.stop()

    def _on_detection(self, device: BLEDevice, advertisement: AdvertisementData) -> None:
        now = self.registry.clock()
        self.registry.update(device, advertisement, now)
        raw = raw_advertisement(advertisement.platform_data)
        if raw is not None:
            self.recent.append((now, raw))

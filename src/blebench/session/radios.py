"""Which radios blebench can open, and how: the registry of radio kinds, the choice the radio
options make (`--sim`, `--transport SPEC`, `--backend`), and opening the one chosen.

A radio kind is one `RadioType` in `RADIOS` (and its name in `RadioKind`): a factory that
opens a `Radio` (backends/base.py) from a `RadioRequest`, whether it is the virtual world,
and the `--transport` schemes it claims. Adding a radio (ESPHome proxies, a capture
replayed) is its own folder under `backends/` plus one entry here; the session, the CLI and
the TUI ask the radio's `capabilities`, never its kind.

The virtual world is opened here, by the session, and its central controller handed to a
Bumble radio as any HCI transport would be: `backends/` knows nothing of `sim/`.
`open_request` is also what `blebench.bleak_backend.open_radio` calls.

Cheap to import (no bleak, no Bumble, no sim): each factory imports what it opens.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from blebench.backends import os_stack
from blebench.errors import SetupError
from blebench.session.models import RadioInfo

if TYPE_CHECKING:
    from blebench.backends.base import Radio
    from blebench.pairing.bonds import BondStore
    from blebench.sim.catalogue.base import VirtualPeripheral
    from blebench.sim.world import VirtualWorld

RadioKind = Literal["bleak", "bumble-hci", "bumble-sim"]
"""The kinds of radio, as `RadioInfo.backend` and the JSON name them (the keys of RADIOS)."""

NO_ADAPTER = "virtual world: no adapter found"
TRANSPORTS = "usb:0, serial:DEV,BAUD, hci-socket:0, tcp-client:HOST:PORT"


class BackendError(SetupError, ValueError):
    """Radio options that contradict each other; str() is one line for the user."""


@dataclasses.dataclass(frozen=True, slots=True)
class RadioChoice:
    """The radio the options pick, and why when the user did not pick it."""

    kind: RadioKind
    transport: str | None = None
    reason: str | None = None  # why the virtual world was picked without being asked for


@dataclasses.dataclass(frozen=True, slots=True)
class RadioRequest:
    """What to open: a kind and what that kind needs.

    "bumble-sim": the virtual world (the catalogue, or `peripherals` when given, plus the
    user-defined devices of `sim_devices` and, with `user_devices`, of the data dir), its
    addresses and values from `seed`. "bumble-hci" (or a kind claiming the transport's
    scheme): `transport`. Every Bumble radio's key store writes through `bonds` (default:
    blebench's bond file) and `btsnoop` captures the whole run.
    """

    kind: RadioKind = "bumble-sim"
    transport: str | None = None
    sim_devices: Path | None = None
    seed: int = 0
    btsnoop: Path | None = None
    peripherals: tuple[VirtualPeripheral, ...] | None = None
    user_devices: bool = True
    sim_central: str = "phone"  # the virtual world's central controller (sim/air_link CENTRAL_MODELS)
    bonds: BondStore | None = dataclasses.field(default=None, compare=False)


@dataclasses.dataclass(slots=True)
class OpenRadio:
    """An opened radio and, on the virtual world, the world it is a central of."""

    radio: Radio
    world: VirtualWorld | None = None

    async def close(self) -> None:
        """Close the radio, then stop the world (idempotent)."""
        await self.radio.close()
        if self.world is not None:
            await self.world.stop()


@dataclasses.dataclass(frozen=True, slots=True)
class RadioType:
    """One kind of radio: how to open it, whether it is the virtual world, and the
    `--transport` schemes that pick it (a spec no kind claims is a Bumble transport)."""

    kind: RadioKind
    open: Callable[[RadioRequest], Awaitable[OpenRadio]]
    virtual: bool = False
    schemes: tuple[str, ...] = ()


async def _open_os_stack(request: RadioRequest) -> OpenRadio:
    return OpenRadio(await os_stack.open_os_stack())


async def _open_bumble_hci(request: RadioRequest) -> OpenRadio:
    from blebench.backends.bumble.radio import open_on_transport

    radio = await open_on_transport(
        request.transport or "", bonds=request.bonds, btsnoop=request.btsnoop
    )
    return OpenRadio(radio)


def sim_central_identity(seed: int) -> str:
    """The virtual world's central address for `seed`: a random static address, the same
    run after run, so the world's devices find their bonds with us again."""
    rng = random.Random(f"central-host:{seed}")
    little_endian = bytes(rng.randbytes(5)) + bytes([0xC0 | rng.randrange(64)])
    return ":".join(f"{b:02X}" for b in reversed(little_endian))


async def _open_virtual_world(request: RadioRequest) -> OpenRadio:
    from blebench import paths
    from blebench.backends.bumble.radio import open_on_hci
    from blebench.sim import state as world_state
    from blebench.sim.air_link import CENTRAL_MODELS
    from blebench.sim.userdevices import load_user_devices
    from blebench.sim.world import VirtualWorld, default_peripherals

    extra = load_user_devices(
        request.sim_devices, include_data_dir=request.user_devices, seed=request.seed
    )
    peripherals = (
        list(request.peripherals)
        if request.peripherals is not None
        else default_peripherals(request.seed)
    )
    # A user device named as a catalogue device replaces it (an exported, changed copy).
    peripherals = [p for p in peripherals if p.name not in {e.name for e in extra}]
    world = VirtualWorld(
        [*peripherals, *extra],
        seed=request.seed,
        bonds=paths.sim_bonds_file(),
        central_model=CENTRAL_MODELS[request.sim_central],
    )
    # What `blebench sim` set (sim/state.py): distances and switched-off devices first.
    saved = world_state.load(paths.sim_world_file())
    saved.prepare(world)
    await world.start()
    try:
        await saved.replay(world)
        port = world.open_central()
        radio = await open_on_hci(
            port.source,
            port.sink,
            identity=sim_central_identity(request.seed),
            kind="bumble-sim",
            description=world.description,
            bonds=request.bonds,
            btsnoop=request.btsnoop,
        )
    except BaseException:
        await world.stop()
        raise
    return OpenRadio(radio, world)


RADIOS: dict[RadioKind, RadioType] = {
    "bleak": RadioType("bleak", _open_os_stack),
    "bumble-hci": RadioType("bumble-hci", _open_bumble_hci),
    "bumble-sim": RadioType("bumble-sim", _open_virtual_world, virtual=True),
}


def _claimed(transport: str) -> RadioKind | None:
    scheme = transport.split(":", 1)[0].lower()
    for radio_type in RADIOS.values():
        if scheme in radio_type.schemes:
            return radio_type.kind
    return None


def choose_radio(
    *, backend: str = "auto", sim: bool = False, transport: str | None = None
) -> RadioChoice:
    """The radio the options name; BackendError (one line) when they contradict."""
    if sim and transport:
        raise BackendError("choose --sim or --transport, not both")
    if sim:
        if backend == "bleak":
            raise BackendError("--sim runs on the Bumble backend, not --backend bleak")
        return RadioChoice("bumble-sim")
    if transport:
        if backend == "bleak":
            raise BackendError("--transport needs the Bumble backend, not --backend bleak")
        return RadioChoice(_claimed(transport) or "bumble-hci", transport=transport)
    if backend == "bumble":
        raise BackendError(
            f"--backend bumble needs --transport SPEC ({TRANSPORTS}) or --sim"
        )
    if backend == "bleak":
        return RadioChoice("bleak")
    adapter, why = os_stack.os_adapter()
    if adapter is not None:
        return RadioChoice("bleak")
    return RadioChoice("bumble-sim", reason=f"virtual world: {why}" if why else NO_ADAPTER)


def radio_info(radio: Radio, choice: RadioChoice) -> RadioInfo:
    """The session's plain model of `radio`, opened for `choice`."""
    return RadioInfo(
        backend=radio.kind,
        description=radio.description,
        is_virtual=RADIOS[choice.kind].virtual,
        reason=choice.reason,
        capabilities=radio.capabilities.names(),
        identity=radio.identity,
    )


async def open_request(request: RadioRequest) -> OpenRadio:
    """Open the radio `request` names; RadioError (or UserDevicesError, for the virtual
    world's device files) says why it could not."""
    return await RADIOS[request.kind].open(request)


async def open_choice(
    choice: RadioChoice, request: RadioRequest, *, fallback: bool
) -> tuple[RadioChoice, OpenRadio]:
    """Open the radio `choice` names. With `fallback` (`--backend auto`), an OS stack whose
    probe fails gives way to the virtual world, and the choice returned says why."""
    request = dataclasses.replace(request, kind=choice.kind, transport=choice.transport)
    try:
        return choice, await open_request(request)
    except os_stack.OsStackUnavailable as exc:
        if not fallback:
            raise
        choice = RadioChoice("bumble-sim", reason=exc.problem.fallback_reason())
    return choice, await open_request(dataclasses.replace(request, kind="bumble-sim"))


def parse_spec(
    spec: str,
    *,
    sim_devices: str | Path | None = None,
    bonds: BondStore | None = None,
    btsnoop: str | Path | None = None,
) -> RadioRequest:
    """A radio named in one string: "sim", "sim:SEED", or a transport spec (ValueError for
    a bad one). What `blebench.bleak_backend.open_radio(spec)` takes."""
    text = spec.strip()
    snoop = Path(btsnoop) if btsnoop is not None else None
    kind, _, rest = text.partition(":")
    if kind.lower() == "sim":
        try:
            seed = int(rest) if rest else 0
        except ValueError:
            raise ValueError(f"{spec!r}: the seed of sim:SEED is an integer") from None
        return RadioRequest(
            kind="bumble-sim",
            seed=seed,
            sim_devices=Path(sim_devices) if sim_devices is not None else None,
            bonds=bonds,
            btsnoop=snoop,
        )
    if sim_devices is not None:
        raise ValueError("sim_devices= is for the virtual world (open_radio('sim', ...))")
    if not rest:
        raise ValueError(
            f"{spec!r} is not a radio: 'sim', 'sim:SEED' or a Bumble transport ({TRANSPORTS})"
        )
    return RadioRequest(
        kind=_claimed(text) or "bumble-hci", transport=text, bonds=bonds, btsnoop=snoop
    )

"""Being the peripheral from a face (the TUI's Peripheral pane): one device of a device file
served by the same runtime `blebench peripheral` uses (`sim/userdevices.py` for the GATT
database and behaviours, `sim/peripheral_events.py` for what centrals do, `sim/served.py`
for a Bumble radio of its own), with its events kept in a bounded buffer a face pulls.

Where it is served: in the session's own virtual world when the session runs on it (the
session's scans then hear it beside the catalogue; a device of the same name steps aside
while it is served, as the CLI's `--sim` does); otherwise on a Bumble radio named by its
transport (a second dongle, or a TCP HCI controller: the session's own radio is its
central). The OS stack (bleak) has no peripheral role: it is refused in words.

Importing this module loads no Bumble (the faces hold it only as a type, from api.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blebench.errors import UserInputError
from blebench.session.errors import SessionError

if TYPE_CHECKING:
    from blebench.pairing.delegate import PairingDelegate
    from blebench.sim.catalogue.base import VirtualPeripheral
    from blebench.sim.peripheral_events import PeripheralEvent
    from blebench.sim.userdevices import LiveCharacteristic, UserDefinedPeripheral
    from blebench.sim.world import VirtualWorld

MAX_EVENTS = 5_000  # kept for a face that pulls late; older ones are counted as missed
START_TIMEOUT_S = 15.0

NEEDS_BUMBLE = (
    "the peripheral role needs a Bumble radio: an HCI controller blebench drives itself. "
    "Type its transport here (usb:0 for a USB dongle such as a nRF52840 with the HCI USB "
    "firmware, serial:/dev/ttyACM0,1000000 for a UART one, hci-socket:0 on Linux after "
    "`sudo hciconfig hci0 down`), or start blebench with --sim to serve it in the virtual "
    "world. The OS stack (bleak) only gives blebench the central role"
)
SECOND_RADIO = (
    "this session's radio ({radio}) is its central: serving needs a second Bumble radio. "
    "Type its transport (usb:1, serial:..., tcp-client:HOST:PORT)"
)

NEEDS_BUMBLE_SHORT = ("the peripheral role needs a Bumble radio: type its transport above "
                      "(usb:0, serial:PORT,BAUD), or start blebench with --sim")
SECOND_RADIO_SHORT = ("this session's radio is its central: serving needs a second Bumble "
                      "radio, type its transport above")


@dataclasses.dataclass(frozen=True, slots=True)
class ServedCharacteristic:
    """A characteristic of the served device and its value now (plain data)."""

    handle: int  # its value handle
    uuid: str  # short form (2a37, or the 128-bit text)
    name: str  # the SIG name, or ""
    service: str  # the service's short UUID
    properties: tuple[str, ...]
    value: bytes
    decoded: str  # by the characteristic's UUID or 0x2904 format; "" when nothing says
    subscribers: int  # centrals subscribed now (notifications or indications)

    @property
    def can_push(self) -> bool:
        return "notify" in self.properties or "indicate" in self.properties


@dataclasses.dataclass(frozen=True, slots=True)
class CentralLink:
    """One central linked to the served device, as the device's side sees the link."""

    address: str
    address_type: str  # "public" or "random"
    interval_ms: float
    latency: int
    timeout_ms: float
    mtu: int
    encrypted: bool
    authenticated: bool  # the key came from a MITM-protected pairing
    key_size: int | None  # when encrypted

    def words(self) -> str:
        security = "not encrypted"
        if self.encrypted:
            security = ("encrypted, authenticated" if self.authenticated
                        else "encrypted, unauthenticated")
            if self.key_size:
                security += f", {self.key_size}-byte key"
        return (f"{self.address} ({self.address_type}): interval {self.interval_ms:g} ms, "
                f"latency {self.latency}, timeout {self.timeout_ms:g} ms, MTU {self.mtu}, "
                f"{security}")


@dataclasses.dataclass(frozen=True, slots=True)
class ServingState:
    """What is served now."""

    device: str
    file: Path
    where: str  # "in the virtual world", or "on TRANSPORT"
    links: int
    centrals: tuple[str, ...] = ()  # the linked centrals' addresses
    central_links: tuple[CentralLink, ...] = ()  # the same, with each link's state


@dataclasses.dataclass(frozen=True, slots=True)
class EventBatch:
    """Events since a cursor: `cursor` for the next pull, `missed` fell out of the buffer."""

    cursor: int
    events: list[PeripheralEvent]
    missed: int


@dataclasses.dataclass(slots=True)
class _Served:
    peripheral: UserDefinedPeripheral
    file: Path
    where: str
    in_world: VirtualWorld | None = None
    # The world's device of the same name, out of the world meanwhile: (its place in the
    # world's list, it, whether it was on). Out of the list, so the world (and the Virtual
    # world screen, keyed by name) never holds two devices of one name.
    replaced: tuple[int, VirtualPeripheral, bool] | None = None
    task: asyncio.Task[None] | None = None  # serve_on_hci, until `stop` is set
    stop: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)


class PeripheralServer:
    """Serve one device at a time; `events_since` gives what happened, oldest first."""

    def __init__(
        self,
        *,
        world: Callable[[], VirtualWorld | None],
        radio: Callable[[], tuple[str, str]],
        default_file: Path | None,
        bonds: Callable[[], Path],
        seed: int = 0,
    ) -> None:
        """`world()`: the session's virtual world or None; `radio()`: (its kind, its
        description); `bonds()`: the peripheral's own bond file on a radio."""
        self._world = world
        self._radio = radio
        self.default_file = default_file
        self._bonds = bonds
        self._seed = seed
        self._events: deque[PeripheralEvent] = deque(maxlen=MAX_EVENTS)
        self._count = 0  # events ever emitted: the cursor's clock
        self._served: _Served | None = None
        self._busy = asyncio.Lock()
        self._person: PairingDelegate | None = None

    @property
    def person(self) -> PairingDelegate | None:
        """Who answers the served device's pairing questions (a face's prompts: the passkey
        to type when the file gives none, numeric comparisons, the passkey shown); None:
        the file's answers, as `blebench peripheral` gives them."""
        return self._person

    @person.setter
    def person(self, person: PairingDelegate | None) -> None:
        self._person = person
        if self._served is not None:
            self._served.peripheral.person = person

    # -- what a face asks ------------------------------------------------------------------
    @property
    def in_world(self) -> bool:
        """True when `start` serves in the session's virtual world (no transport needed)."""
        return self._world() is not None

    def needs_transport(self, *, short: bool = False) -> str | None:
        """Why a transport must be typed (the OS stack, a Bumble radio busy as central), in
        words (`short`: one line for a status); None on the virtual world."""
        if self._world() is not None:
            return None
        kind, description = self._radio()
        if kind == "bleak":
            return NEEDS_BUMBLE_SHORT if short else NEEDS_BUMBLE
        return SECOND_RADIO_SHORT if short else SECOND_RADIO.format(radio=description)

    def device_files(self) -> list[Path]:
        """Device files a face may offer: the default one, the data dir's own *.toml and
        those in its `devices/` folder (where a user keeps the files of `sim export`)."""
        from blebench import paths

        found: list[Path] = [self.default_file] if self.default_file is not None else []
        root = paths.data_dir()
        for folder in (root, root / "devices"):
            try:
                found.extend(sorted(p for p in folder.glob("*.toml") if p.is_file()))
            except OSError:
                continue
        unique: dict[Path, None] = {}
        for path in found:
            unique.setdefault(path, None)
        return list(unique)

    def device_names(self, file: Path) -> list[str]:
        """The devices of a device file; SetupError with the file's one-line problem."""
        return [d.name for d in self._read(file)]

    @property
    def serving(self) -> ServingState | None:
        served = self._served
        if served is None:
            return None
        device = served.peripheral.device
        connections = list(device.connections.values()) if device is not None else []
        centrals = tuple(str(c.peer_address).split("/")[0] for c in connections)
        return ServingState(served.peripheral.name, served.file, served.where,
                            len(connections), centrals,
                            tuple(_central_link(c) for c in connections))

    def events_since(self, cursor: int = 0) -> EventBatch:
        new = self._count - cursor
        kept = min(new, len(self._events))
        events = list(itertools.islice(self._events, len(self._events) - kept, None))
        return EventBatch(self._count, events, new - kept)

    def characteristics(self) -> list[ServedCharacteristic]:
        served = self._served
        if served is None:
            return []
        return [self._model(served.peripheral, live) for live in served.peripheral.live]

    # -- serving ---------------------------------------------------------------------------
    async def start(self, file: Path, device: str, transport: str | None = None) -> str:
        """Serve `device` of `file`; what it does, in words (the first event's text).
        UserInputError / SetupError / SessionError in words when it cannot."""
        async with self._busy:
            if self._served is not None:
                raise UserInputError(f"{self._served.peripheral.name} is served: stop it first")
            peripheral = self._choose(self._read(file), device, file)
            peripheral.observer = self._emit
            peripheral.person = self._person
            world = self._world()
            if world is not None:
                served = await self._start_in_world(world, peripheral, file)
            else:
                served = await self._start_on_radio(peripheral, file, (transport or "").strip())
            self._served = served
            state = self.serving
            return (f"serving {peripheral.name} {served.where}"
                    + (f" ({state.links} linked)" if state and state.links else ""))

    async def stop(self) -> str:
        """Stop serving: centrals are disconnected, the device no longer advertises."""
        async with self._busy:
            served = self._served
            if served is None:
                return "nothing is served"
            self._served = None
            name = served.peripheral.name
            if served.in_world is not None:
                device = served.peripheral.device
                for connection in list(device.connections.values()) if device else []:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(connection.disconnect(), 2.0)
                await served.in_world.withdraw(served.peripheral)
                await _give_back(served.in_world, served.replaced)
            elif served.task is not None:
                served.stop.set()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(served.task, 10.0)
            self._say("stopped", f"{name} no longer served", {"device": name})
            return f"stopped serving {name}"

    async def set_value(self, handle: int, value: bytes, *, push: bool) -> int:
        """Give the characteristic at `handle` a new value (reads see it); with `push`,
        notify / indicate it to its subscribers now. How many subscribers it went to."""
        served = self._served
        if served is None:
            raise SessionError("nothing is served: start serving a device first")
        peripheral = served.peripheral
        live = next((c for c in peripheral.live if c.handle == handle), None)
        if live is None:
            raise UserInputError(f"the served device has no characteristic at 0x{handle:04X}")
        if len(value) > live.spec.max_length:
            raise UserInputError(
                f"{len(value)} bytes: this characteristic holds at most {live.spec.max_length}"
            )
        model = self._model(peripheral, live)
        if not push:
            live.value = bytes(value)
            self._say("set", f"{_uuid_text(model)} = {_hex(value)}",
                      {"handle_value": handle, "value": value.hex()})
            return 0
        if not model.can_push:
            raise UserInputError(f"{_uuid_text(model)} has neither notify nor indicate")
        await peripheral.set_value(handle, bytes(value))
        kind = "indicated" if "notify" not in model.properties else "notified"
        self._say(kind, f"{_uuid_text(model)} <- {_hex(value)} to {model.subscribers} "
                  f"subscriber{'s' if model.subscribers != 1 else ''}",
                  {"handle_value": handle, "value": value.hex(),
                   "subscribers": model.subscribers})
        return model.subscribers

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.stop()

    # -- inside ----------------------------------------------------------------------------
    def _emit(self, event: PeripheralEvent) -> None:
        self._events.append(event)
        self._count += 1

    def _say(self, kind: str, text: str, fields: dict[str, object]) -> None:
        from blebench.sim.peripheral_events import PeripheralEvent

        self._emit(PeripheralEvent(kind, text, fields))

    def _read(self, file: Path) -> list[UserDefinedPeripheral]:
        from blebench.sim.userdevices import read_user_devices

        return read_user_devices(Path(file).expanduser(), seed=self._seed)

    @staticmethod
    def _choose(devices: list[UserDefinedPeripheral], name: str,
                file: Path) -> UserDefinedPeripheral:
        found = next((d for d in devices if d.name == name), None)
        if found is not None:
            return found
        if not devices:
            raise UserInputError(f"{file} has no [[device]]")
        names = ", ".join(repr(d.name) for d in devices)
        raise UserInputError(f"{file} has no device {name!r} (it has {names})")

    async def _start_in_world(self, world: VirtualWorld, peripheral: UserDefinedPeripheral,
                              file: Path) -> _Served:
        served = _Served(peripheral, file, "in the virtual world", in_world=world)
        original = next((p for p in world.peripherals if p.name == peripheral.name), None)
        if original is not None:
            was_on = world.is_powered(original.name)
            if was_on:
                await world.switch_off(original.name)
            served.replaced = (world.peripherals.index(original), original, was_on)
            world.peripherals.remove(original)
        try:
            await world.add(peripheral)
        except Exception:
            with contextlib.suppress(Exception):
                await world.withdraw(peripheral)
            await _give_back(world, served.replaced)
            raise
        from blebench.sim.peripheral_events import PeripheralEvent

        member = next(m for m in world.members if m.peripheral is peripheral)

        air = str(member.air_address).split("/")[0]
        scan = peripheral.scan_response_data()
        text = (
            f"{peripheral.name} in the virtual world as {air} ({peripheral.address_type}), "
            f"{'connectable' if peripheral.connectable else 'non-connectable'}, every "
            f"{peripheral.adv_interval_ms:g} ms; adv {_hex(peripheral.advertising_data())}"
            + (f"; scan response {_hex(scan)}" if scan is not None else "")
            + (f"; the world's {peripheral.name} steps aside meanwhile"
               if served.replaced else "")
        )
        self._emit(PeripheralEvent("advertising", text, {
            "device": peripheral.name, "address": air, "radio": "the virtual world"}))
        return served

    async def _start_on_radio(self, peripheral: UserDefinedPeripheral, file: Path,
                              transport: str) -> _Served:
        from blebench.sim.served import serve_on_hci

        if not transport:
            raise SessionError(self.needs_transport() or NEEDS_BUMBLE)
        served = _Served(peripheral, file, f"on {transport}")
        advertising = asyncio.Event()

        def emit(event: PeripheralEvent) -> None:
            self._emit(event)
            if event.kind == "advertising":
                advertising.set()

        served.task = asyncio.create_task(
            serve_on_hci(peripheral, transport, emit, served.stop.wait, bonds=self._bonds())
        )
        waiter = asyncio.ensure_future(advertising.wait())
        try:
            await asyncio.wait({served.task, waiter}, timeout=START_TIMEOUT_S,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
        if served.task.done():
            error = served.task.exception()
            raise error if error is not None else SessionError(f"{transport}: serving ended")
        if not advertising.is_set():
            served.stop.set()
            served.task.cancel()
            raise SessionError(f"{transport}: the radio did not start advertising in "
                               f"{START_TIMEOUT_S:g} s")
        return served

    def _model(self, peripheral: UserDefinedPeripheral,
               live: LiveCharacteristic) -> ServedCharacteristic:
        from blebench.decode.gatt_values import decode_value, parse_presentation_format
        from blebench.decode.names import short_uuid, uuid_name

        value = live.current()
        raw = live.spec.presentation
        pf = parse_presentation_format(raw) if raw is not None else None
        decoded = decode_value(live.spec.uuid, value, pf)
        return ServedCharacteristic(
            handle=live.handle,
            uuid=short_uuid(live.spec.uuid),
            name=uuid_name(live.spec.uuid) or "",
            service=short_uuid(live.service_uuid),
            properties=live.spec.properties,
            value=value,
            decoded="" if decoded.kind == "generic" and pf is None else decoded.summary,
            subscribers=_subscribers(peripheral, live.handle),
        )


def _central_link(connection: object) -> CentralLink:
    """A Bumble connection of the served device, as plain data."""
    c: Any = connection
    address = c.peer_address
    params = c.parameters
    encrypted = bool(getattr(c, "is_encrypted", False))
    key_size = getattr(c, "encryption_key_size", None) if encrypted else None
    return CentralLink(
        address=str(address).split("/")[0],
        address_type="public" if getattr(address, "is_public", False) else "random",
        interval_ms=float(params.connection_interval),
        latency=int(params.peripheral_latency),
        timeout_ms=float(params.supervision_timeout),
        mtu=int(c.att_mtu),
        encrypted=encrypted,
        authenticated=bool(getattr(c, "authenticated", False)) and encrypted,
        key_size=int(key_size) if key_size else None,
    )


async def _give_back(world: VirtualWorld,
                     replaced: tuple[int, VirtualPeripheral, bool] | None) -> None:
    """The world's own device of that name back in its place (on again if it was on)."""
    if replaced is None:
        return
    index, original, was_on = replaced
    world.peripherals.insert(index, original)
    if was_on:
        with contextlib.suppress(KeyError):
            await world.switch_on(original.name)


def _subscribers(peripheral: UserDefinedPeripheral, handle: int) -> int:
    device = peripheral.device
    if device is None:
        return 0
    count = 0
    for cccds in device.gatt_server.subscribers.values():
        cccd = cccds.get(handle)
        if cccd and cccd[0] & 0x03:
            count += 1
    return count


def _uuid_text(model: ServedCharacteristic) -> str:
    return model.uuid + (f" ({model.name})" if model.name else "")


def _hex(value: bytes) -> str:
    text = value[:64].hex(" ")
    return (text + f" ... ({len(value)} bytes)") if len(value) > 64 else (text or "(empty)")

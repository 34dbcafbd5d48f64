"""What the virtual world remembers between runs besides its devices' bonds: the controls
`blebench sim` turned (`sim-world.json` in the data dir).

Per device: its distance, whether it is switched off, the last value of each setting
(battery, chatty rate, Fahrenheit, ...: the text typed, converted again at start as the
TUI's would be) and how many times each moment (next Eddystone frame, a new private
address) was asked for. `prepare()` applies what must hold before the world starts
(distance, off); `replay()` the rest once it runs. The devices' bonds are their own file
(`sim-bonds.json`, the bond store's): `forget_bonds()` edits that one.

A file that cannot be read is said in words (`WorldStateError`, with the path) and never
overwritten: `blebench sim reset` starts a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blebench.pairing.bonds import BondStore
from blebench.sim import control
from blebench.sim.catalogue.base import VirtualPeripheral
from blebench.sim.userdevices import UserDevicesError
from blebench.stack.keystore import BondKeyStore

if TYPE_CHECKING:
    from blebench.sim.world import VirtualWorld

logger = logging.getLogger(__name__)

VERSION = 1
MAX_REPEAT = 1000  # a moment asked for more often than this is one typo too many


class WorldStateError(UserDevicesError):
    """`sim-world.json` cannot be used (not JSON, wrong shape); str() names the file."""


@dataclasses.dataclass(slots=True)
class DeviceSettings:
    """What one device keeps between runs."""

    distance_m: float | None = None
    off: bool = False
    settings: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    moments: dict[str, int] = dataclasses.field(default_factory=dict)

    def is_empty(self) -> bool:
        return self.distance_m is None and not self.off and not self.settings and not self.moments

    def to_json(self) -> dict[str, Any]:
        return {
            "distance_m": self.distance_m,
            "off": self.off,
            "settings": dict(self.settings),
            "moments": dict(self.moments),
        }


@dataclasses.dataclass(slots=True)
class WorldState:
    """The whole file: device name -> DeviceSettings."""

    path: Path
    devices: dict[str, DeviceSettings] = dataclasses.field(default_factory=dict)

    def of(self, name: str) -> DeviceSettings:
        return self.devices.setdefault(name, DeviceSettings())

    # -- what `blebench sim` changes -------------------------------------------------

    def record(self, peripheral: VirtualPeripheral, name: str, args: Sequence[str]) -> str:
        """Keep one control turned (checked as it would be run); returns it in words."""
        state = control.find_control(peripheral, name)
        values = control.convert_all(state.name, state.params, args)
        settings = self.of(peripheral.name)
        if state.name == control.DISTANCE:
            if not values:
                raise control.ControlError("set_distance needs metres")
            settings.distance_m = control.check_distance(values[0])
            return f"{peripheral.name} will be {settings.distance_m:g} m away"
        if state.name == control.POWER:
            if not values:
                raise control.ControlError("power needs on or off")
            settings.off = not values[0]
            return f"{peripheral.name} will be {'off' if settings.off else 'on'}"
        if not state.params:
            count = settings.moments.get(state.name, 0) + 1
            if count > MAX_REPEAT:
                raise control.ControlError(f"{state.name} asked for {MAX_REPEAT} times already")
            settings.moments[state.name] = count
            return f"{peripheral.name}: {state.name} at the next start ({count} in all)"
        settings.settings.pop(state.name, None)  # the newest last, so it is replayed last
        settings.settings[state.name] = [str(a) for a in args]
        shown = ", ".join(repr(v) for v in values)
        return f"{peripheral.name}: {state.name}({shown}) from the next start"

    def reset(self, name: str | None = None) -> int:
        """Forget what one device (or every device) keeps; how many devices had any."""
        names = [name] if name is not None else list(self.devices)
        count = 0
        for each in names:
            settings = self.devices.pop(each, None)
            if settings is not None and not settings.is_empty():
                count += 1
        return count

    # -- applying it to a world ------------------------------------------------------

    def prepare(self, world: VirtualWorld) -> None:
        """Before `world.start()`: distances, and the devices that stay off."""
        for peripheral in world.peripherals:
            settings = self.devices.get(peripheral.name)
            if settings is None:
                continue
            if settings.distance_m is not None:
                peripheral.distance_m = settings.distance_m
            if settings.off:
                world.switched_off.add(peripheral.name)

    async def replay(self, world: VirtualWorld) -> list[str]:
        """After `world.start()`: the settings, then the moments; a value a device no
        longer takes is logged and skipped (the world still starts). Returns the problems."""
        problems: list[str] = []
        for peripheral in world.peripherals:
            settings = self.devices.get(peripheral.name)
            if settings is None or not world.is_powered(peripheral.name):
                continue
            steps = [(name, args) for name, args in settings.settings.items()]
            steps += [(name, []) for name, n in settings.moments.items() for _ in range(n)]
            for name, args in steps:
                try:
                    await control.run(world, peripheral.name, name, args)
                except ValueError as exc:  # ControlError, or a device's own refusal
                    problem = f"{self.path}: {peripheral.name} {name}: {exc}"
                    logger.warning("%s", problem)
                    problems.append(problem)
        return problems

    # -- the file --------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "devices": {
                name: settings.to_json()
                for name, settings in self.devices.items()
                if not settings.is_empty()
            },
        }

    def save(self) -> None:
        """Written beside, then moved over: a crash leaves the old file or the new one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"
        fd, partial = tempfile.mkstemp(dir=self.path.parent, prefix=".sim-world.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(partial, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(partial)
            raise


def load(path: Path) -> WorldState:
    """The file at `path` (none yet: an empty state); WorldStateError when unusable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return WorldState(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise WorldStateError(f"{path}: cannot be read ({exc})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise WorldStateError(
            f"{path}: not JSON (line {exc.lineno}: {exc.msg}); `blebench sim reset` starts anew"
        ) from None
    devices = document.get("devices") if isinstance(document, dict) else None
    if not isinstance(devices, dict):
        raise WorldStateError(f"{path}: no \"devices\" object; `blebench sim reset` starts anew")
    state = WorldState(path)
    for name, entry in devices.items():
        state.devices[str(name)] = _settings(entry, f"{path}: {name}")
    return state


def _settings(entry: object, where: str) -> DeviceSettings:
    if not isinstance(entry, dict):
        raise WorldStateError(f"{where}: not an object")
    distance = entry.get("distance_m")
    if distance is not None and (isinstance(distance, bool) or not isinstance(distance, int | float)):
        raise WorldStateError(f"{where}: distance_m is not a number")
    off = entry.get("off", False)
    settings = entry.get("settings", {})
    moments = entry.get("moments", {})
    if not isinstance(off, bool):
        raise WorldStateError(f"{where}: off is not true or false")
    if not isinstance(settings, dict) or not all(
        isinstance(v, list) and all(isinstance(a, str) for a in v) for v in settings.values()
    ):
        raise WorldStateError(f"{where}: settings is not an object of lists of text")
    if not isinstance(moments, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_REPEAT
        for v in moments.values()
    ):
        raise WorldStateError(f"{where}: moments is not an object of counts")
    return DeviceSettings(
        distance_m=float(distance) if distance is not None else None,
        off=off,
        settings={str(k): list(v) for k, v in settings.items()},
        moments={str(k): int(v) for k, v in moments.items()},
    )


# -- bonds the virtual devices keep (the bond store's file, H2's API) ------------------------


def bonds_of(bonds: Path, peripheral: VirtualPeripheral) -> int:
    """How many centrals `peripheral` keeps a bond with in the file `bonds`."""
    keystore = BondKeyStore(BondStore(bonds), local_address=peripheral.address.upper())
    return len(asyncio.run(keystore.get_all()))


def forget_bonds(bonds: Path, peripheral: VirtualPeripheral) -> int:
    """The device forgets every bond it keeps (a factory reset); how many it had. A
    central that kept its side of one then finds it stale at the next connect."""
    keystore = BondKeyStore(BondStore(bonds), local_address=peripheral.address.upper())

    async def forget() -> int:
        count = len(await keystore.get_all())
        await keystore.delete_all()
        return count

    return asyncio.run(forget())

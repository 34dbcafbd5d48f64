"""The virtual world under the user's hand: every control of its devices, by name, with
typed text for arguments (what the TUI's Virtual world screen and `blebench sim` send).

Each device offers its own controls (`VirtualPeripheral.controls()`: battery, chatty rate,
readings, ...) and the world adds three that every device has: `set_distance` (the RSSI
model reads it), `power` (off: it leaves the air mid-link, its peers see a supervision
timeout) and, for private addresses, `rotate_address`. Arguments arrive as text and are
converted with the control's `params` ("level: int", "rate_hz: float | None",
"key: play | pause"): a value that does not fit is a `ControlError` naming what fits.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from blebench.errors import UserInputError
from blebench.sim.catalogue.base import Control, VirtualPeripheral

if TYPE_CHECKING:
    from blebench.sim.world import VirtualWorld

MAX_DISTANCE_M = 1000.0  # the path-loss model gives the floor (-127 dBm) long before this
MIN_DISTANCE_M = 0.1
TRUE_WORDS = ("on", "true", "yes", "1")
FALSE_WORDS = ("off", "false", "no", "0")
NONE_WORDS = ("none", "off")


class ControlError(UserInputError):
    """A control that does not exist, or a value it cannot take; str() says what fits
    (exit 2, as any typed value that does not fit; also a ValueError)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Param:
    """One argument of a control, as its `params` text declares it."""

    name: str
    kinds: tuple[str, ...]  # int, float, bool, str (and None when it may be left out)
    choices: tuple[str, ...] = ()

    @property
    def optional(self) -> bool:
        return "None" in self.kinds

    def describe(self) -> str:
        if self.choices:
            more = " | None" if self.optional else ""
            return f"{self.name}: {' | '.join(self.choices)}{more}"
        return f"{self.name}: {' | '.join(self.kinds)}"


@dataclasses.dataclass(frozen=True, slots=True)
class ControlState:
    """A control as a face lists it."""

    name: str
    description: str
    params: tuple[Param, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class DeviceState:
    """A device of the world as a face lists it: where it is and what it offers."""

    name: str
    address: str  # the identity (or catalogue) address
    air_address: str | None  # the address on the air now (None while off)
    address_type: str
    connectable: bool
    powered: bool
    distance_m: float
    tx_power_dbm: int
    links: int  # connections it has now
    controls: tuple[ControlState, ...]


_TYPES = {"int", "float", "bool", "str", "None"}


def parse_params(text: str) -> tuple[Param, ...]:
    """`"temperature_c: float, humidity_pct: float"` -> its Params."""
    params: list[Param] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, _, kind = part.partition(":")
        words = tuple(w.strip() for w in kind.split("|") if w.strip()) or ("str",)
        if all(w in _TYPES for w in words):
            params.append(Param(name.strip(), words))
        else:  # a choice of words ("None" among them: it may be left out)
            kinds = ("str", "None") if "None" in words else ("str",)
            choices = tuple(w for w in words if w != "None")
            params.append(Param(name.strip(), kinds, choices=choices))
    return tuple(params)


def convert(param: Param, text: str) -> Any:
    """One typed value for `param`, or ControlError saying what fits."""
    word = text.strip()
    low = word.casefold()
    if param.optional and low in NONE_WORDS:
        return None
    if param.choices:
        if word in param.choices:
            return word
        raise ControlError(f"{param.name}: {word!r} is not one of {', '.join(param.choices)}")
    for kind in param.kinds:
        if kind == "bool":
            if low in TRUE_WORDS:
                return True
            if low in FALSE_WORDS:
                return False
        elif kind == "int":
            try:
                return int(word, 10)
            except ValueError:
                continue
        elif kind == "float":
            try:
                value = float(word)
            except ValueError:
                continue
            if math.isfinite(value):
                return value
        elif kind == "str":
            return text
    wanted = " or ".join(
        {"bool": "on/off", "int": "a whole number", "float": "a number", "None": "off"}.get(k, k)
        for k in param.kinds
    )
    raise ControlError(f"{param.name}: {text!r} is not {wanted}")


def convert_all(name: str, params: Sequence[Param], args: Sequence[str]) -> list[Any]:
    if len(args) > len(params):
        fits = ", ".join(p.describe() for p in params) or "no value"
        raise ControlError(f"{name} takes {fits}; got {len(args)} value(s)")
    return [convert(param, arg) for param, arg in zip(params, args, strict=False)]


# -- the world's own controls, on every device ---------------------------------------------

DISTANCE = "set_distance"
POWER = "power"
ROTATE = "rotate_address"


def world_controls(peripheral: VirtualPeripheral) -> dict[str, ControlState]:
    out = {
        DISTANCE: ControlState(
            DISTANCE,
            "Move it: metres from the central (the RSSI follows)",
            (Param("metres", ("float",)),),
        ),
        POWER: ControlState(
            POWER,
            "Switch it off (it vanishes: a link drops after its supervision timeout) or on",
            (Param("on", ("bool",)),),
        ),
    }
    if peripheral.address_type in ("resolvable", "non-resolvable"):
        out[ROTATE] = ControlState(ROTATE, "A new private address now", ())
    return out


def own_controls(peripheral: VirtualPeripheral) -> dict[str, ControlState]:
    return {
        name: ControlState(name, control.description, parse_params(control.params))
        for name, control in peripheral.controls().items()
    }


def all_controls(peripheral: VirtualPeripheral) -> dict[str, ControlState]:
    """The device's own controls, then the world's."""
    return {**own_controls(peripheral), **world_controls(peripheral)}


def check_distance(metres: float) -> float:
    if not (math.isfinite(metres) and MIN_DISTANCE_M <= metres <= MAX_DISTANCE_M):
        raise ControlError(
            f"distance must be {MIN_DISTANCE_M:g}-{MAX_DISTANCE_M:g} m, not {metres:g}"
        )
    return float(metres)


def find_peripheral(peripherals: Sequence[VirtualPeripheral], name: str) -> VirtualPeripheral:
    """By name: exact (case-insensitive), else a unique part of it, as the Scan filter."""
    wanted = name.strip().casefold()
    exact = [p for p in peripherals if p.name.casefold() == wanted]
    if exact:
        return exact[0]
    partial = [p for p in peripherals if wanted and wanted in p.name.casefold()]
    if len(partial) == 1:
        return partial[0]
    names = ", ".join(p.name for p in peripherals)
    if partial:
        which = ", ".join(p.name for p in partial)
        raise ControlError(f"{name!r} names more than one virtual device: {which}")
    raise ControlError(f"no virtual device named {name!r}; one of: {names}")


def find_control(peripheral: VirtualPeripheral, control: str) -> ControlState:
    controls = all_controls(peripheral)
    key = control.strip().replace("-", "_")
    if key in controls:
        return controls[key]
    if f"set_{key}" in controls:  # "battery" for set_battery
        return controls[f"set_{key}"]
    raise ControlError(
        f"{peripheral.name} has no control {control!r}; its controls: {', '.join(controls)}"
    )


async def call(control: Control, values: Sequence[Any]) -> Any:
    """Run a device's control (sync or async) with typed values; ControlError for a value
    the device refuses (its ValueError) or too few values."""
    try:
        inspect.signature(control.action).bind(*values)
    except TypeError:
        fits = ", ".join(p.describe() for p in parse_params(control.params))
        raise ControlError(f"needs {fits}") from None
    try:
        result = control.action(*values)
        if inspect.isawaitable(result):
            result = await result
    except ValueError as exc:
        raise ControlError(str(exc)) from None
    return result


# -- the running world --------------------------------------------------------------------


def describe(world: VirtualWorld) -> list[DeviceState]:
    """Every device of the world, on or off, in catalogue order."""
    members = {m.peripheral.name: m for m in world.members}
    out: list[DeviceState] = []
    for peripheral in world.peripherals:
        member = members.get(peripheral.name)
        out.append(
            DeviceState(
                name=peripheral.name,
                address=peripheral.address.upper(),
                air_address=str(member.air_address).split("/")[0]
                if member is not None
                else None,
                address_type=peripheral.address_type,
                connectable=peripheral.connectable,
                powered=member is not None,
                distance_m=float(peripheral.distance_m),
                tx_power_dbm=int(peripheral.tx_power_dbm),
                links=len(member.device.connections) if member is not None else 0,
                controls=tuple(all_controls(peripheral).values()),
            )
        )
    return out


async def run(world: VirtualWorld, device: str, control: str, args: Sequence[str]) -> str:
    """Run one control on the running world; returns what happened, in words."""
    peripheral = find_peripheral(world.peripherals, device)
    state = find_control(peripheral, control)
    values = convert_all(state.name, state.params, args)
    name = peripheral.name
    if state.name == DISTANCE:
        if not values:
            raise ControlError("set_distance needs metres")
        peripheral.distance_m = check_distance(values[0])
        return f"{name} is {peripheral.distance_m:g} m away now"
    if state.name == POWER:
        if not values:
            raise ControlError("power needs on or off")
        if values[0]:
            if world.is_powered(name):
                return f"{name} is on already"
            await world.switch_on(name)
            return f"{name} is on: advertising again"
        if not world.is_powered(name):
            return f"{name} is off already"
        links = await world.switch_off(name)
        if links:
            return (f"{name} is off: its {links} link(s) drop after their supervision "
                    "timeout (0x08)")
        return f"{name} is off"
    if not world.is_powered(name):
        raise ControlError(f"{name} is switched off: power it on first")
    if state.name == ROTATE:
        address = await world.rotate_now(name)
        return f"{name} advertises as {address} now"
    result = await call(peripheral.controls()[state.name], values)
    shown = ", ".join(repr(v) for v in values)
    said = f"{name}: {state.name}({shown}) done"
    if isinstance(result, int) and not isinstance(result, bool):
        said += f" ({result})"
    return said


def controls_by_device(world: VirtualWorld) -> Mapping[str, dict[str, ControlState]]:
    return {p.name: all_controls(p) for p in world.peripherals}


async def check_offline(peripheral: VirtualPeripheral, name: str, args: Sequence[str]) -> None:
    """Try a control on a device that is in no running world, so its own checks refuse
    a value that does not fit now (ControlError) rather than at the next start; the part
    that needs its radio is not reached (the device says so with RuntimeError)."""
    state = find_control(peripheral, name)
    values = convert_all(state.name, state.params, args)
    if state.name == DISTANCE and values:
        check_distance(values[0])
    action = peripheral.controls().get(state.name)
    if action is None:
        return
    try:
        await call(action, values)
    except RuntimeError:
        pass  # not part of a running world: the value itself was taken

"""`blebench sim`: the virtual world's devices under the user's hand, between runs.

Each action changes what the world keeps in the data dir and finds at its next start: the
devices' bonds (`sim-bonds.json`: `forget-bonds`) and the controls turned
(`sim-world.json`: battery, distance, off, chatty rate, ...; `reset` forgets them). The
running world's own controls are the TUI's Virtual world screen (W), through the session.
No radio is opened here.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blebench.errors import UserInputError

if TYPE_CHECKING:
    from blebench.sim.catalogue.base import VirtualPeripheral
    from blebench.sim.state import WorldState


@dataclasses.dataclass(frozen=True, slots=True)
class SimCommand:
    """One `blebench sim` action: the device control it keeps, and its values."""

    name: str
    control: str
    values: tuple[str, ...]  # metavars, in order; a trailing "?" may be left out
    help: str


COMMANDS: tuple[SimCommand, ...] = (
    SimCommand("forget-bonds", "forget_bonds", (),
               "a factory reset: the next connect finds its bond stale"),
    SimCommand("battery", "set_battery", ("LEVEL",), "battery level, 0-100 %%"),
    SimCommand("chatty", "set_chatty", ("RATE",),
               "UART Bridge: unsolicited telemetry frames per second (off: none)"),
    SimCommand("type-text", "set_greeting", ("TEXT",),
               "HID Keyboard: the text it types once a bonded client subscribes"),
    SimCommand("media", "set_greeting_media", ("KEY",),
               "HID Keyboard: a media key it presses after the text (off: none)"),
    SimCommand("reading", "set_reading", ("TEMP_C", "HUMIDITY_PCT?"),
               "BTHome Sensor: a forced reading (temperature °C, humidity %%)"),
    SimCommand("next-frame", "next_frame", (),
               "Eddystone: start one frame type further (UID, URL, TLM)"),
    SimCommand("discoverable", "set_discoverable", ("on|off",),
               "Fast Pair Buds: pairing mode (the model id advertised)"),
    SimCommand("fahrenheit", "set_fahrenheit", ("on|off",),
               "Thermo Probe: measurements in °F (off: °C)"),
    SimCommand("site", "set_site", ("N",),
               "Thermo Probe: measurement site, Temperature Type 1-9 (6 mouth)"),
    SimCommand("interval", "set_interval", ("SECONDS",),
               "Thermo Probe: Measurement Interval, 1-600 s (0 stops)"),
    SimCommand("lock", "set_locked", ("on|off",), "Smart Lock: locked (on) or unlocked (off)"),
    SimCommand("distance", "set_distance", ("METRES",),
               "move it: 0.1-1000 m from the central (the RSSI follows)"),
    SimCommand("off", "power", (), "switch it off: it is not on the air"),
    SimCommand("on", "power", (), "switch it on again"),
    SimCommand("rotate", "rotate_address", (),
               "a new private address (Privacy Tag, Windows PC)"),
)
_BY_NAME = {c.name: c for c in COMMANDS}


def register(sub: Any, radio_parent: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "sim",
        help="the virtual world's devices between runs: forget bonds, battery, distance, off...",
        description="Turn the virtual world's controls between runs. Each action is kept in "
        "the data dir (sim-world.json; bonds in sim-bonds.json) and holds at every later "
        "start of the world (`--sim` commands and the TUI) until changed or `reset`. "
        "`blebench sim list` shows the devices, their actions and what is kept. In the TUI, "
        "the Virtual world screen (W) turns the same controls on the running world.",
        epilog="example:\n"
        "  blebench sim forget-bonds \"Smart Lock\"   # the next connect finds a stale bond",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--json", action="store_true", help="say what happened as JSON")
    parser.add_argument("--sim-devices", metavar="FILE",
                        help="user-defined virtual devices (TOML) besides the data dir's")
    actions = parser.add_subparsers(dest="sim_action", metavar="ACTION")

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        each: argparse.ArgumentParser = actions.add_parser(
            name, help=help_text, description=help_text.replace("%%", "%")
        )
        each.add_argument("--json", dest="sub_json", action="store_true",
                          help="say what happened as JSON")
        return each

    listing = action("list", "the devices, their actions and what is kept for the next start")
    listing.add_argument("device", metavar="DEVICE", nargs="?", help="only this device")
    for command in COMMANDS:
        each = action(command.name, command.help)
        each.add_argument("device", metavar="DEVICE", help="its name, or a unique part of it")
        for index, metavar in enumerate(command.values):
            optional = metavar.endswith("?")
            each.add_argument(f"value{index}", metavar=metavar.rstrip("?"),
                              nargs="?" if optional else None)
    generic = action("set", "any control of a device by the name `sim list` shows "
                     "(e.g. set \"Flaky Sensor\" reset_log), with its values")
    generic.add_argument("device", metavar="DEVICE", help="its name, or a unique part of it")
    generic.add_argument("control", metavar="CONTROL", help="e.g. set_locked, next_frame")
    generic.add_argument("values", metavar="VALUE", nargs="*", help="what the control takes")
    export = action("export", "write a catalogue device as a device file (TOML, to stdout), "
                    "to change it and serve it with `blebench peripheral`")
    export.add_argument("device", metavar="NAME", help="a catalogue device, e.g. \"Pulse HRM\"")
    export.add_argument("--seed", type=int, default=0, metavar="N",
                        help="the world's seed (values such as serial numbers follow it)")
    reset = action("reset", "forget what `blebench sim` kept (one device, or all); bonds stay")
    reset.add_argument("device", metavar="DEVICE", nargs="?", help="only this device")
    parser.set_defaults(func=run, sim_parser=parser)


def run(args: argparse.Namespace) -> int:
    from blebench import paths
    from blebench.sim import state as world_state
    from blebench.sim.catalogue import default_catalogue
    from blebench.sim.control import find_peripheral
    from blebench.sim.userdevices import load_user_devices

    name = getattr(args, "sim_action", None)
    if name is None:
        args.sim_parser.print_help()
        return 2
    as_json = bool(args.json or getattr(args, "sub_json", False))
    if name == "export":
        return _export(args.device, int(args.seed or 0))
    extra = load_user_devices(
        Path(args.sim_devices) if args.sim_devices else None, include_data_dir=True
    )
    devices: list[VirtualPeripheral] = [*default_catalogue(), *extra]
    bonds = paths.sim_bonds_file()
    device_name = getattr(args, "device", None)
    one = find_peripheral(devices, device_name) if device_name else None
    aside: Path | None = None
    try:
        saved = world_state.load(paths.sim_world_file())
    except world_state.WorldStateError:
        if name != "reset" or one is not None:
            raise
        # `reset` is the way out of a file that cannot be read: kept aside, never lost.
        aside = paths.sim_world_file().with_name("sim-world.json.unreadable")
        paths.sim_world_file().replace(aside)
        saved = world_state.WorldState(paths.sim_world_file())

    if name == "list":
        shown = [one] if one is not None else devices
        return _list(shown, saved, bonds, as_json)
    if name == "reset":
        count = saved.reset(one.name if one is not None else None)
        saved.save()
        what = one.name if one is not None else "every device"
        moved = f" The file that could not be read is kept as {aside}." if aside else ""
        _say(as_json, {"reset": what, "devices": count,
                       "unreadable_kept_as": str(aside) if aside else None},
             f"Forgot what was kept for {what} ({count} device(s) had settings); "
             f"bonds stay (`blebench sim forget-bonds DEVICE`).{moved}")
        return 0

    assert one is not None
    if name == "set":
        from blebench.sim.control import find_control

        found = find_control(one, args.control)
        command = SimCommand("set", found.name, (), found.description)
        if found.name == "power":
            name = "on" if args.values[:1] in (["on"], ["true"], ["yes"], ["1"]) else "off"
    else:
        command = _BY_NAME[name]
    _offers(one, command, devices)
    if command.control == "forget_bonds":
        count = world_state.forget_bonds(bonds, one)
        _say(as_json, {"device": one.name, "action": name, "forgotten": count},
             f"{one.name} forgot {count} bond(s) (in {bonds}). A central that kept its side "
             "finds the bond stale at the next connect."
             if count else f"{one.name} keeps no bond: nothing to forget.")
        return 0
    values = [v for v in (getattr(args, f"value{i}", None) for i in range(4)) if v is not None]
    if command.name == "set":
        values = list(args.values)
    if command.control == "power":
        values = ["on" if name == "on" else "off"]
    from blebench.sim.control import check_offline

    asyncio.run(check_offline(one, command.control, values))
    said = saved.record(one, command.control, values)
    saved.save()
    _say(as_json, {"device": one.name, "action": name, "values": values, "done": said,
                   "kept": saved.of(one.name).to_json(), "file": str(saved.path)},
         f"{said}. Kept in {saved.path} for every start of the virtual world "
         f"(`blebench sim reset \"{one.name}\"` forgets it).")
    return 0


def _offers(device: VirtualPeripheral, command: SimCommand,
            devices: list[VirtualPeripheral]) -> None:
    from blebench.sim.control import all_controls

    if command.control in all_controls(device):
        return
    having = [d.name for d in devices if command.control in all_controls(d)]
    raise UserInputError(
        f"{device.name} has no {command.name} control"
        + (f" ({command.name} is for: {', '.join(having)})" if having else ""),
        next_step=f"`blebench sim list \"{device.name}\"` shows what it offers",
    )


def _commands_of(device: VirtualPeripheral) -> list[SimCommand]:
    from blebench.sim.control import all_controls

    offered = all_controls(device)
    return [c for c in COMMANDS if c.control in offered]


def _list(devices: list[VirtualPeripheral], saved: WorldState, bonds: Path, as_json: bool) -> int:
    from blebench.sim import state as world_state
    from blebench.sim.control import all_controls

    rows = []
    for device in devices:
        kept = saved.devices.get(device.name)
        rows.append({
            "name": device.name,
            "address": device.address.upper(),
            "address_type": device.address_type,
            "connectable": device.connectable,
            "distance_m": kept.distance_m if kept and kept.distance_m is not None
            else float(device.distance_m),
            "powered": not (kept and kept.off),
            "bonds": world_state.bonds_of(bonds, device),
            "actions": [c.name for c in _commands_of(device)],
            "controls": list(all_controls(device)),  # the TUI's names, running world
            "kept": kept.to_json() if kept is not None else None,
        })
    if as_json:
        print(json.dumps({"state_file": str(saved.path), "bonds_file": str(bonds),
                          "devices": rows}, indent=2, ensure_ascii=False))
        return 0
    print(f"Virtual world devices. Kept for the next start: {saved.path}\n"
          f"Their bonds: {bonds}")
    for device, row in zip(devices, rows, strict=True):
        state = "on" if row["powered"] else "OFF"
        print(f"\n{device.name}  {row['address']}  {device.address_type}  "
              f"{row['distance_m']:g} m  {state}  bonds kept: {row['bonds']}")
        for command in _commands_of(device):
            usage = " ".join([command.name, *(v.rstrip("?") for v in command.values)])
            words = command.help.replace("%%", "%")
            if words.startswith(f"{device.name}: "):  # said by the heading already
                words = words[len(device.name) + 2 :]
            print(f"  {usage:<22} {words}")
        names = textwrap.wrap(", ".join(all_controls(device)), 46)
        for index, line in enumerate(names):
            print(f"  {'set CONTROL [VALUE]' if index == 0 else '':<22} "
                  f"{'any of: ' if index == 0 else '        '}{line}")
        kept = saved.devices.get(device.name)
        if kept is not None and not kept.is_empty():
            parts = [f"{k} {' '.join(v)}".strip() for k, v in kept.settings.items()]
            parts += [f"{k} x{n}" for k, n in kept.moments.items()]
            if kept.distance_m is not None:
                parts.append(f"distance {kept.distance_m:g} m")
            if kept.off:
                parts.append("off")
            print(f"  kept: {', '.join(parts)}")
    print("\nblebench sim ACTION DEVICE [VALUE], or blebench sim set DEVICE CONTROL [VALUE]\n"
          "(`blebench sim --help` lists the actions)")
    return 0


def _export(name: str, seed: int) -> int:
    from blebench.sim.catalogue import CATALOGUE, make_device
    from blebench.sim.export import export_device

    matches = [n for n in CATALOGUE if name.strip().casefold() in n.casefold()]
    exact = [n for n in CATALOGUE if n.casefold() == name.strip().casefold()]
    chosen = exact or matches
    if len(chosen) != 1:
        raise UserInputError(
            f"{name!r} is {'no' if not chosen else 'more than one'} catalogue device "
            f"({', '.join(chosen or CATALOGUE)})",
            next_step="`blebench sim list` names them",
        )
    print(asyncio.run(export_device(make_device(chosen[0], seed), seed=seed)), end="")
    return 0


def _say(as_json: bool, document: dict[str, Any], words: str) -> None:
    print(json.dumps(document, ensure_ascii=False) if as_json else words)

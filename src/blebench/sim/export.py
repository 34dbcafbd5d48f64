"""A catalogue device written as a device file (`blebench sim export NAME`), so a user
starts from a Pulse HRM or a UART Bridge and changes it.

The device is brought up alone on a virtual world of its own for a moment and its GATT
server read back attribute by attribute: what a central would find (services,
characteristics, properties, permissions, descriptors, values), plus what the air
carries (advertising data, scan response, address, interval) and its pairing settings.
What the catalogue's code does over time cannot be read back: where a device's own
generator is known (`SAMPLES`), a minute of its values becomes a `notify_values` schedule;
other notifying characteristics get a comment saying what to add.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from blebench.sim.catalogue.base import VirtualPeripheral


@dataclass(frozen=True, slots=True)
class Sample:
    """A catalogue device's notifications as a schedule: the characteristic, how often,
    and the values (from the device's own generator)."""

    uuid: str
    every_ms: float
    values: Callable[[Any], list[bytes]]


SAMPLES: dict[str, tuple[Sample, ...]] = {
    "Pulse HRM": (
        Sample("2a37", 1000.0, lambda d: [d.next_measurement() for _ in range(60)]),
    ),
}

_SKIPPED_SERVICES = {0x1800, 0x1801}  # GAP and GATT: every Bumble device adds its own
_CCCD = 0x2902


def _q(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def _hex(data: bytes) -> str:
    return _q(data.hex(" "))


def _short(uuid: Any) -> str:
    from blebench.decode.names import normalize_uuid

    text = str(uuid.to_hex_str()).lower()
    return text if len(text) == 4 else normalize_uuid(text)


async def export_device(device: VirtualPeripheral, *, seed: int = 0) -> str:
    """The device file (TOML text) of `device`, a fresh catalogue device."""
    from blebench.sim.world import VirtualWorld

    world = VirtualWorld([device], seed=seed)
    await world.start()
    try:
        bumble = world.member(device.name).device
        services = await _read_services(bumble) if device.connectable else []
    finally:
        await world.stop()
    return _render(device, services)


async def _read_services(bumble: Any) -> list[dict[str, Any]]:
    from bumble.att import AttributeValue, AttributeValueV2
    from bumble.gatt import Characteristic, Descriptor, Service

    out: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    char: dict[str, Any] | None = None
    for attribute in bumble.gatt_server.attributes:
        if isinstance(attribute, Service):
            current = None
            if attribute.uuid.to_hex_str() and _number(attribute.uuid) in _SKIPPED_SERVICES:
                continue
            current = {"uuid": _short(attribute.uuid), "characteristics": []}
            out.append(current)
        elif isinstance(attribute, Characteristic) and current is not None:
            value = attribute.value
            static = not isinstance(value, AttributeValue | AttributeValueV2)
            raw = bytes(value) if static and isinstance(value, bytes | bytearray) else b""
            if not static:
                raw = await _try_read(value)
            char = {
                "uuid": _short(attribute.uuid),
                "properties": _properties(attribute.properties),
                "permissions": attribute.permissions,
                "value": raw,
                "dynamic": not static,
                "descriptors": [],
            }
            current["characteristics"].append(char)
        elif isinstance(attribute, Descriptor) and char is not None and current is not None:
            if _number(attribute.type) == _CCCD:
                continue
            value = attribute.value
            data = bytes(value) if isinstance(value, bytes | bytearray) else await _try_read(value)
            char["descriptors"].append((_short(attribute.type), data))
    return out


def _number(uuid: Any) -> int | None:
    text = uuid.to_hex_str()
    return int(text, 16) if len(text) == 4 else None


async def _try_read(value: Any) -> bytes:
    """A dynamic value read once with no connection (most catalogue reads ignore it)."""
    try:
        read = getattr(value, "read", None)
        got = read(None) if read is not None else None
        if inspect.isawaitable(got):
            got = await asyncio.wait_for(got, 0.5)
    except Exception:  # noqa: BLE001 - a value that needs a link: exported empty
        return b""
    return bytes(got) if isinstance(got, bytes | bytearray) else b""


def _properties(props: Any) -> list[str]:
    from bumble.gatt import Characteristic

    p = Characteristic.Properties
    names = [
        (p.READ, "read"), (p.WRITE, "write"), (p.WRITE_WITHOUT_RESPONSE, "write-without-response"),
        (p.NOTIFY, "notify"), (p.INDICATE, "indicate"),
    ]  # fmt: skip
    return [name for flag, name in names if props & flag]


def _access(permissions: Any, kind: str) -> str:
    from bumble.att import Attribute

    perm = Attribute.Permissions
    if kind == "read":
        if permissions & perm.READ_REQUIRES_AUTHENTICATION:
            return "authenticated"
        return "encrypted" if permissions & perm.READ_REQUIRES_ENCRYPTION else "open"
    if permissions & perm.WRITE_REQUIRES_AUTHENTICATION:
        return "authenticated"
    return "encrypted" if permissions & perm.WRITE_REQUIRES_ENCRYPTION else "open"


def _render(device: VirtualPeripheral, services: list[dict[str, Any]]) -> str:
    scan = device.scan_response_data()
    lines = [
        f"# {device.name}, exported from blebench's catalogue (`blebench sim export`).",
        "# Serve it: blebench peripheral FILE --sim (or --transport usb:0); the fields are",
        "# in the README, 'User-defined virtual devices'.",
        "",
        "[[device]]",
        f"name = {_q(device.name)}",
        f"address = {_q(device.address.upper())}",
        f"address_type = {_q(device.address_type)}",
        f"connectable = {'true' if device.connectable else 'false'}",
        f"adv = {_hex(device.advertising_data())}",
    ]
    if scan is not None:
        lines.append(f"scan_response = {_hex(scan)}")
    lines.append(f"interval_ms = {max(20.0, float(device.adv_interval_ms)):g}")
    lines.append(f"distance_m = {float(device.distance_m):g}")
    lines.append(f"tx_power_dbm = {int(device.tx_power_dbm)}")
    if device.address_type == "resolvable" and device.irk is not None:
        lines.append(f"irk = {_q(device.irk.hex())}")
    if device.address_type in ("resolvable", "non-resolvable") and device.rpa_rotate_s:
        lines.append(f"rotate_s = {float(device.rpa_rotate_s):g}")
    lines += _pairing_lines(device)
    samples = {s.uuid: s for s in SAMPLES.get(device.name, ())}
    for service in services:
        lines += ["", "[[device.service]]", f"uuid = {_q(service['uuid'])}"]
        for char in service["characteristics"]:
            lines += _characteristic_lines(device, char, samples.get(char["uuid"]))
    return "\n".join(lines) + "\n"


def _characteristic_lines(device: VirtualPeripheral, char: dict[str, Any],
                          sample: Sample | None) -> list[str]:
    props: list[str] = char["properties"]
    # The characteristic's own keys first: in TOML a key after a [[...descriptor]] table
    # would belong to that descriptor.
    keys = ["[[device.service.characteristic]]", f"uuid = {_q(char['uuid'])}",
            f"properties = [{', '.join(_q(p) for p in props)}]"]
    tables: list[str] = []
    if char["value"]:
        keys.append(f"value = {_hex(char['value'][:512])}")
    if "read" in props and (access := _access(char["permissions"], "read")) != "open":
        keys.append(f"read = {_q(access)}")
    writable = {"write", "write-without-response"} & set(props)
    if writable and (access := _access(char["permissions"], "write")) != "open":
        keys.append(f"write = {_q(access)}")
    described = False
    for uuid, data in char["descriptors"]:
        if uuid == "2901" and not described:
            try:
                keys.append(f"description = {_q(data.decode('utf-8'))}")
                described = True
                continue
            except UnicodeDecodeError:
                pass
        tables += ["[[device.service.characteristic.descriptor]]", f"uuid = {_q(uuid)}",
                   f"value = {_hex(data)}"]
    notifying = {"notify", "indicate"} & set(props)
    if sample is not None and notifying:
        values = sample.values(type(device)(seed=0))
        keys += [
            f"# {len(values)} values of the catalogue's own generator, one every "
            f"{sample.every_ms:g} ms, cycled",
            f"notify_every_ms = {sample.every_ms:g}",
            "notify_values = [" + ", ".join(_hex(v) for v in values) + "]",
        ]
    elif notifying and char["dynamic"]:
        keys.append("# the catalogue's code sends this one: add notify_every_ms with "
                    "notify_values or notify_value to send values here")
    return keys + tables


def _pairing_lines(device: VirtualPeripheral) -> list[str]:
    security = getattr(device, "security", None)
    if security is None:
        return []
    options = security.options
    lines = [
        "",
        "[device.pairing]",
        f"io = {_q(options.io.value)}",
        f"mitm = {_bool(options.mitm)}",
        f"sc = {_bool(options.sc)}",
        f"bonding = {_bool(options.bonding)}",
        f"min_key_size = {options.min_key_size}",
        f"max_key_size = {options.max_key_size}",
    ]
    if options.sc_only:
        lines.append("sc_only = true")
    if options.requires_mitm:
        lines.append("requires_mitm = true")
    if not options.pairable:
        lines.append("refuse = true")
    if security.passkey is not None:
        lines.append(f"passkey = {int(security.passkey)}")
    if security.quirks.ignore_secure_connections:
        lines.append("ignore_sc = true")
    if security.quirks.require_mitm_flag:
        lines.append("require_mitm_flag = true")
    return lines


def _bool(value: bool) -> str:
    return "true" if value else "false"

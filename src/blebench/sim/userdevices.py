"""User-defined virtual devices, from a TOML file (`--sim-devices FILE` and the data dir).

The advertising and scan-response bytes are sent exactly as written, malformed AD
structures included: that is the point of a test device. What cannot go on the air at
all (more than 31 bytes, not hex) is refused with one line naming the file, the entry
and the field.

    [[device]]
    name = "Door sensor"               # required
    address = "C4:11:22:33:44:55"      # required
    address_type = "random-static"     # public | random-static | resolvable | non-resolvable
    connectable = true                 # default true
    adv = "02 01 06 05 09 44 6f 6f 72" # hex, spaces and colons ignored; required
    scan_response = "0303 0f18"        # optional hex
    interval_ms = 100                  # optional, 20..10240
    distance_m = 2.0                   # optional, for the RSSI model
    tx_power_dbm = 0                   # optional
    irk = "00112233445566778899aabbccddeeff"  # optional, resolvable only
    rotate_s = 900                     # optional, resolvable / non-resolvable

    [[device.service]]
    uuid = "180f"
    [[device.service.characteristic]]
    uuid = "2a19"
    properties = ["read", "notify"]    # read, write, write-without-response, notify, indicate
    value = "64"                       # hex
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from blebench import paths
from blebench.errors import SetupError
from blebench.sim.catalogue.base import AddressKind, VirtualPeripheral
from blebench.userinput import ValueParseError, read_hex, size_text

if TYPE_CHECKING:
    from bumble.device import Device

LEGACY_DATA_MAX = 31
# Limits of a devices file: each device is a whole Bumble stack (about 75 KB, a few ms of
# power-on), and a file is read whole.
MAX_DEVICES = 10_000
MAX_FILE_BYTES = 16 * 1024 * 1024
ADDRESS_KINDS: tuple[AddressKind, ...] = ("public", "random-static", "resolvable", "non-resolvable")
PROPERTY_NAMES = ("read", "write", "write-without-response", "notify", "indicate")
DEVICE_FIELDS = frozenset(
    {
        "name",
        "address",
        "address_type",
        "connectable",
        "adv",
        "scan_response",
        "interval_ms",
        "distance_m",
        "tx_power_dbm",
        "irk",
        "rotate_s",
        "service",
    }
)


class UserDevicesError(SetupError, ValueError):
    """A user-defined devices file that cannot be used; str() is one line for the user."""


@dataclasses.dataclass(frozen=True, slots=True)
class CharacteristicSpec:
    uuid: str
    properties: tuple[str, ...]
    value: bytes


@dataclasses.dataclass(frozen=True, slots=True)
class ServiceSpec:
    uuid: str
    characteristics: tuple[CharacteristicSpec, ...]


class UserDefinedPeripheral(VirtualPeripheral):
    """A device from the user's file: its bytes on the air, its services in GATT."""

    def __init__(
        self,
        *,
        name: str,
        address: str,
        address_type: AddressKind,
        connectable: bool,
        adv: bytes,
        scan_response: bytes | None,
        interval_ms: float = 100.0,
        distance_m: float = 2.0,
        tx_power_dbm: int = 0,
        irk: bytes | None = None,
        rotate_s: float | None = None,
        services: tuple[ServiceSpec, ...] = (),
        source: str = "",
        seed: int = 0,
    ) -> None:
        super().__init__(seed=seed)
        self.name = name
        self.address = address
        self.address_type = address_type
        self.connectable = connectable
        self.adv = adv
        self.scan_response = scan_response
        self.adv_interval_ms = interval_ms
        self.distance_m = distance_m
        self.tx_power_dbm = tx_power_dbm
        self.irk = irk
        self.rpa_rotate_s = rotate_s
        self.services = services
        self.source = source

    def advertising_data(self) -> bytes:
        return self.adv

    def scan_response_data(self) -> bytes | None:
        return self.scan_response

    def configure(self, device: Device) -> None:
        from bumble.gatt import Characteristic, Service

        props = Characteristic.Properties
        flags = {
            "read": props.READ,
            "write": props.WRITE,
            "write-without-response": props.WRITE_WITHOUT_RESPONSE,
            "notify": props.NOTIFY,
            "indicate": props.INDICATE,
        }
        for service in self.services:
            characteristics = []
            for spec in service.characteristics:
                properties = props(0)
                for name in spec.properties:
                    properties |= flags[name]
                permissions = Characteristic.Permissions(0)
                if "read" in spec.properties:
                    permissions |= Characteristic.Permissions.READABLE
                if {"write", "write-without-response"} & set(spec.properties):
                    permissions |= Characteristic.Permissions.WRITEABLE
                characteristics.append(
                    Characteristic(spec.uuid, properties, permissions, bytes(spec.value))
                )
            device.add_service(Service(service.uuid, characteristics))


def _hex(value: object, where: str) -> bytes:
    if not isinstance(value, str):
        raise UserDevicesError(f"{where}: expected a hex string, got {type(value).__name__}")
    try:
        return read_hex(value)
    except ValueParseError:
        raise UserDevicesError(f"{where}: not hex: {value[:40]!r}") from None


def _address(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise UserDevicesError(f'{where}: expected "AA:BB:CC:DD:EE:FF"')
    parts = value.strip().replace("-", ":").split(":")
    if len(parts) != 6 or not all(
        len(p) == 2 and all(c in "0123456789abcdefABCDEF" for c in p) for p in parts
    ):
        raise UserDevicesError(f"{where}: not an address like AA:BB:CC:DD:EE:FF: {value[:40]!r}")
    return ":".join(parts).upper()


def _number(value: object, where: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UserDevicesError(f"{where}: expected a number")
    if not low <= value <= high:
        raise UserDevicesError(f"{where}: {value} is outside {low:g}..{high:g}")
    return float(value)


def _uuid(value: object, where: str) -> str:
    from bumble.core import UUID

    if not isinstance(value, str):
        raise UserDevicesError(f'{where}: expected a UUID string like "180f"')
    try:
        UUID(value)
    except Exception:  # noqa: BLE001 - Bumble raises several kinds; one message for all
        raise UserDevicesError(f"{where}: not a UUID: {value[:40]!r}") from None
    return value


def _services(value: object, where: str) -> tuple[ServiceSpec, ...]:
    if not isinstance(value, list):
        raise UserDevicesError(f"{where}: expected [[device.service]] tables")
    services = []
    for s_index, service in enumerate(value, 1):
        s_where = f"{where} {s_index}"
        if not isinstance(service, dict):
            raise UserDevicesError(f"{s_where}: expected a table")
        unknown = set(service) - {"uuid", "characteristic"}
        if unknown:
            raise UserDevicesError(f"{s_where}: unknown field {sorted(unknown)[0]!r}")
        if "uuid" not in service:
            raise UserDevicesError(f"{s_where}: field 'uuid' is missing")
        uuid = _uuid(service["uuid"], f"{s_where}, field 'uuid'")
        characteristics = []
        raw_chars = service.get("characteristic", [])
        if not isinstance(raw_chars, list):
            raise UserDevicesError(f"{s_where}: expected [[device.service.characteristic]] tables")
        for c_index, char in enumerate(raw_chars, 1):
            c_where = f"{s_where}, characteristic {c_index}"
            if not isinstance(char, dict):
                raise UserDevicesError(f"{c_where}: expected a table")
            unknown = set(char) - {"uuid", "properties", "value"}
            if unknown:
                raise UserDevicesError(f"{c_where}: unknown field {sorted(unknown)[0]!r}")
            if "uuid" not in char:
                raise UserDevicesError(f"{c_where}: field 'uuid' is missing")
            c_uuid = _uuid(char["uuid"], f"{c_where}, field 'uuid'")
            properties = char.get("properties", ["read"])
            if not isinstance(properties, list) or not all(
                isinstance(p, str) and p in PROPERTY_NAMES for p in properties
            ):
                raise UserDevicesError(
                    f"{c_where}, field 'properties': a list of {', '.join(PROPERTY_NAMES)}"
                )
            value_bytes = _hex(char.get("value", ""), f"{c_where}, field 'value'")
            if len(value_bytes) > 512:
                raise UserDevicesError(f"{c_where}, field 'value': more than 512 bytes")
            characteristics.append(CharacteristicSpec(c_uuid, tuple(properties), value_bytes))
        services.append(ServiceSpec(uuid, tuple(characteristics)))
    return tuple(services)


def _device(entry: Mapping[str, Any], where: str, source: str, seed: int) -> UserDefinedPeripheral:
    name = entry.get("name")
    if isinstance(name, str) and name.strip():
        where = f"{where} ({name[:40]})"  # the entry named as the user wrote it
    unknown = set(entry) - DEVICE_FIELDS
    if unknown:
        raise UserDevicesError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    for required in ("name", "address", "adv"):
        if required not in entry:
            raise UserDevicesError(f"{where}: field {required!r} is missing")
    if not isinstance(name, str) or not name.strip():
        raise UserDevicesError(f"{where}, field 'name': expected a non-empty string")
    address = _address(entry["address"], f"{where}, field 'address'")
    kind = entry.get("address_type", "random-static")
    if kind not in ADDRESS_KINDS:
        raise UserDevicesError(
            f"{where}, field 'address_type': one of {', '.join(ADDRESS_KINDS)}, not {kind!r}"
        )
    top = int(address[:2], 16) >> 6
    if kind in ("random-static", "resolvable") and top != 0b11:
        raise UserDevicesError(
            f"{where}, field 'address': a random static address has its two top bits set "
            f"(first octet C0-FF), not {address[:2]}"
        )
    connectable = entry.get("connectable", True)
    if not isinstance(connectable, bool):
        raise UserDevicesError(f"{where}, field 'connectable': expected true or false")
    adv = _hex(entry["adv"], f"{where}, field 'adv'")
    if len(adv) > LEGACY_DATA_MAX:
        raise UserDevicesError(
            f"{where}, field 'adv': {len(adv)} bytes; legacy advertising carries at most 31"
        )
    scan_response: bytes | None = None
    if "scan_response" in entry:
        scan_response = _hex(entry["scan_response"], f"{where}, field 'scan_response'")
        if len(scan_response) > LEGACY_DATA_MAX:
            raise UserDevicesError(
                f"{where}, field 'scan_response': {len(scan_response)} bytes; "
                "a scan response carries at most 31"
            )
    interval = _number(entry.get("interval_ms", 100.0), f"{where}, field 'interval_ms'", 20, 10240)
    distance = _number(entry.get("distance_m", 2.0), f"{where}, field 'distance_m'", 0.1, 1000)
    tx_power = _number(entry.get("tx_power_dbm", 0), f"{where}, field 'tx_power_dbm'", -127, 20)
    irk: bytes | None = None
    if "irk" in entry:
        irk = _hex(entry["irk"], f"{where}, field 'irk'")
        if len(irk) != 16:
            raise UserDevicesError(f"{where}, field 'irk': 16 bytes, not {len(irk)}")
    rotate: float | None = None
    if "rotate_s" in entry:
        rotate = _number(entry["rotate_s"], f"{where}, field 'rotate_s'", 0.05, 86400)
    services = _services(entry.get("service", []), f"{where}, service")
    if services and not connectable:
        raise UserDevicesError(f"{where}, field 'service': a non-connectable device has no GATT")
    return UserDefinedPeripheral(
        name=name,
        address=address,
        address_type=cast(AddressKind, kind),
        connectable=connectable,
        adv=adv,
        scan_response=scan_response,
        interval_ms=interval,
        distance_m=distance,
        tx_power_dbm=int(tx_power),
        irk=irk,
        rotate_s=rotate,
        services=services,
        source=source,
        seed=seed,
    )


def parse_user_devices(text: str, source: str, *, seed: int = 0) -> list[UserDefinedPeripheral]:
    """The devices of one TOML text; `source` names it in errors."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserDevicesError(f"{source}: not valid TOML: {exc}") from None
    unknown = set(document) - {"device"}
    if unknown:
        raise UserDevicesError(
            f"{source}: unknown top-level key {sorted(unknown)[0]!r} (expected [[device]] tables)"
        )
    entries = document.get("device", [])
    if not isinstance(entries, list):
        raise UserDevicesError(f"{source}: 'device' must be [[device]] tables")
    if len(entries) > MAX_DEVICES:
        raise UserDevicesError(
            f"{source}: {len(entries)} devices; a virtual world holds at most {MAX_DEVICES:,}"
        )
    devices = []
    for index, entry in enumerate(entries, 1):
        where = f"{source}: device {index}"
        if not isinstance(entry, dict):
            raise UserDevicesError(f"{where}: expected a table")
        devices.append(_device(entry, where, source, seed + index))
    return devices


def read_user_devices(path: Path, *, seed: int = 0) -> list[UserDefinedPeripheral]:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # /dev/zero ends here, not in a MemoryError
    except FileNotFoundError:
        raise UserDevicesError(f"{path}: no such file") from None
    except OSError as exc:
        raise UserDevicesError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise UserDevicesError(
            f"{path}: longer than {size_text(MAX_FILE_BYTES)}; a devices file is at most "
            f"{size_text(MAX_FILE_BYTES)} ({MAX_DEVICES:,} devices)"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UserDevicesError(f"{path}: not UTF-8 text") from None
    return parse_user_devices(text, str(path), seed=seed)


def load_user_devices(
    path: Path | str | None, *, include_data_dir: bool = True, seed: int = 0
) -> list[UserDefinedPeripheral]:
    """The devices of `path` (if given) and of the data dir's file (if it exists)."""
    files: list[Path] = []
    if include_data_dir:
        default = paths.user_sim_devices_file()
        if default.is_file():
            files.append(default)
    if path is not None:
        explicit = Path(path)
        if not any(explicit.resolve() == f.resolve() for f in files):
            files.append(explicit)
    devices: list[UserDefinedPeripheral] = []
    for index, file in enumerate(files):
        devices.extend(read_user_devices(file, seed=seed + 1000 * (index + 1)))
        if len(devices) > MAX_DEVICES:
            raise UserDevicesError(
                f"{file}: {len(devices)} devices with the data dir's file; a virtual world "
                f"holds at most {MAX_DEVICES:,}"
            )
    return devices

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

import asyncio
import dataclasses
import logging
import math
import struct
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from blebench import paths
from blebench.errors import SetupError
from blebench.pairing.models import IoCapability, PairingOptions
from blebench.sim.behaviours import (
    EXPRESSIONS,
    NUMBER_FORMATS,
    Expression,
    ReplyRule,
    TemplateError,
    ValueSource,
    check_template,
    encode_number,
    format_bounds,
)
from blebench.sim.catalogue.base import AddressKind, VirtualPeripheral
from blebench.sim.peripheral_events import Observer, PeripheralEvent, peer
from blebench.userinput import ValueParseError, read_hex, size_text

if TYPE_CHECKING:
    from bumble.device import Device

    from blebench.sim.air_link import LinkModel
    from blebench.sim.link_requests import PeerLinkRequest

logger = logging.getLogger(__name__)

LEGACY_DATA_MAX = 31
# Limits of a devices file: each device is a whole Bumble stack (about 75 KB, a few ms of
# power-on), and a file is read whole.
MAX_DEVICES = 10_000
MAX_FILE_BYTES = 16 * 1024 * 1024
ADDRESS_KINDS: tuple[AddressKind, ...] = ("public", "random-static", "resolvable", "non-resolvable")
PROPERTY_NAMES = ("read", "write", "write-without-response", "notify", "indicate")
Access = Literal["open", "encrypted", "authenticated"]
ACCESS: tuple[Access, ...] = ("open", "encrypted", "authenticated")
MAX_VALUE = 512  # an attribute value's longest (Core Vol 3 Part F 3.2.9)
OUT_OF_RANGE = 0xFF  # ATT error Out of Range (Core Specification Supplement Part B 1.2)
# GATT format codes (0x2904) of the numbers behaviours.NUMBER_FORMATS encodes.
FORMAT_NAMES: dict[int, str] = {
    0x04: "uint8", 0x06: "uint16", 0x07: "uint24", 0x08: "uint32",
    0x0C: "sint8", 0x0E: "sint16", 0x0F: "sint24", 0x10: "sint32",
    0x14: "float32", 0x15: "float64",
}
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
        "pairing",
        "link",  # sim/link_requests.py: a connection parameter request after connecting
    }
)
PAIRING_FIELDS = frozenset(
    {
        "io", "mitm", "sc", "bonding", "keypress", "min_key_size", "max_key_size",
        "passkey", "sc_only", "requires_mitm", "require_mitm_flag", "ignore_sc", "refuse",
    }
)


class UserDevicesError(SetupError, ValueError):
    """A user-defined devices file that cannot be used; str() is one line for the user."""


@dataclasses.dataclass(frozen=True, slots=True)
class DescriptorSpec:
    uuid: str
    value: bytes
    writable: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class CharacteristicSpec:
    """One characteristic as the file describes it (see the module docstring)."""

    uuid: str
    properties: tuple[str, ...]
    value: bytes
    read_access: Access = "open"
    write_access: Access = "open"
    max_length: int = MAX_VALUE
    descriptors: tuple[DescriptorSpec, ...] = ()
    notify_every_ms: float | None = None
    notify_values: tuple[bytes, ...] = ()
    notify_expression: Expression | None = None
    reply: ReplyRule | None = None
    reply_on: str | None = None
    mirror: str | None = None

    @property
    def presentation(self) -> bytes | None:
        return next((d.value for d in self.descriptors if _is(d.uuid, 0x2904)), None)

    @property
    def valid_range(self) -> bytes | None:
        return next((d.value for d in self.descriptors if _is(d.uuid, 0x2906)), None)


@dataclasses.dataclass(frozen=True, slots=True)
class PairingSpec:
    """`[device.pairing]`: the device's Pairing Response and policies (`options`), the
    passkey it shows or types, and the testing quirks."""

    options: PairingOptions
    passkey: int | None = None
    ignore_sc: bool = False
    require_mitm_flag: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class ServiceSpec:
    uuid: str
    characteristics: tuple[CharacteristicSpec, ...]


def _is(uuid: str, number: int) -> bool:
    from blebench.decode.gatt_values import sig_uuid16

    return sig_uuid16(uuid) == number


def same_uuid(a: str, b: str) -> bool:
    from blebench.decode.names import normalize_uuid

    return normalize_uuid(a) == normalize_uuid(b)


@dataclasses.dataclass(slots=True)
class LiveCharacteristic:
    """A characteristic on a running device: its spec, its Bumble object, its value now."""

    service_uuid: str
    spec: CharacteristicSpec
    characteristic: Any
    value: bytes
    source: ValueSource | None = None
    reply_target: LiveCharacteristic | None = None
    mirror_of: LiveCharacteristic | None = None
    mirrors: list[LiveCharacteristic] = dataclasses.field(default_factory=list)

    @property
    def handle(self) -> int:
        return int(self.characteristic.handle)

    def current(self) -> bytes:
        return self.mirror_of.current() if self.mirror_of is not None else self.value


class UserDefinedPeripheral(VirtualPeripheral):
    """A device from the user's file: its bytes on the air, its services in GATT, its
    behaviours (scheduled notifications, write replies, mirrors). `observer`, when set
    before `start`, receives what happens (`sim/peripheral_events.py`)."""

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
        pairing: PairingSpec | None = None,
        source: str = "",
        seed: int = 0,
        link_request: PeerLinkRequest | None = None,
    ) -> None:
        super().__init__(seed=seed)
        self.pairing = pairing
        self.link_request = link_request  # asked of the central after connecting
        # Its controller's packets-per-event limit, when the file gives one (sim/radio.py
        # reads a profile's `link_model`; None: a phone's).
        self.link_model: LinkModel | None = None
        if link_request is not None and link_request.packets_per_event is not None:
            from blebench.sim.air_link import LinkModel

            self.link_model = LinkModel(packets_per_event=link_request.packets_per_event or None)
        self.security: Any = None  # its PeripheralSecurity, once configured
        # Who answers its pairing questions now (a face's prompts: the TUI's Peripheral
        # pane); None: the file's passkey, and yes to comparisons.
        self.person: Any = None
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
        self.seed = seed
        self.observer: Observer | None = None
        self.live: list[LiveCharacteristic] = []
        # Links paired with an authenticated (MITM) method, by connection handle: Bumble
        # marks Just Works links authenticated too, so "authenticated" is checked here.
        self._mitm: dict[int, bool] = {}

    def advertising_data(self) -> bytes:
        return self.adv

    def scan_response_data(self) -> bytes | None:
        return self.scan_response

    # ------------------------------------------------------------------ GATT

    def configure(self, device: Device) -> None:
        from bumble.gatt import Characteristic, CharacteristicValue, Descriptor, Service

        props = Characteristic.Properties
        perm = Characteristic.Permissions
        flags = {
            "read": props.READ,
            "write": props.WRITE,
            "write-without-response": props.WRITE_WITHOUT_RESPONSE,
            "notify": props.NOTIFY,
            "indicate": props.INDICATE,
        }
        self.live = []
        for service in self.services:
            characteristics = []
            for spec in service.characteristics:
                properties = props(0)
                for name in spec.properties:
                    properties |= flags[name]
                permissions = perm(0)
                if "read" in spec.properties:
                    permissions |= _permission("read", spec.read_access)
                if {"write", "write-without-response"} & set(spec.properties):
                    permissions |= _permission("write", spec.write_access)
                live = LiveCharacteristic(service.uuid, spec, None, bytes(spec.value))
                if spec.notify_every_ms is not None:
                    live.source = ValueSource(
                        values=spec.notify_values,
                        expression=spec.notify_expression,
                        interval_s=spec.notify_every_ms / 1000.0,
                        seed=self.seed * 7919 + len(self.live),
                    )
                descriptors = [
                    Descriptor(
                        d.uuid,
                        perm.READABLE | (perm.WRITEABLE if d.writable else perm(0)),
                        bytes(d.value),
                    )
                    for d in spec.descriptors
                ]
                live.characteristic = Characteristic(
                    spec.uuid,
                    properties,
                    permissions,
                    CharacteristicValue(
                        read=lambda connection, live=live: self._read(live, connection),
                        write=lambda connection, value, live=live: self._write(
                            live, connection, value
                        ),
                    ),
                    descriptors=descriptors,
                )
                self.live.append(live)
                characteristics.append(live.characteristic)
            device.add_service(Service(service.uuid, characteristics))
        if self.pairing is not None:
            from blebench.sim.peripheral_security import install

            pairing = self.pairing
            self.security = install(
                device, pairing.options, self._emit, passkey=pairing.passkey,
                ignore_sc=pairing.ignore_sc, require_mitm_flag=pairing.require_mitm_flag,
                person=lambda: self.person,
            )
        for live in self.live:
            if live.spec.reply_on is not None:
                live.reply_target = self.find(live.spec.reply_on)
            if live.spec.mirror is not None:
                live.mirror_of = self.find(live.spec.mirror)
                if live.mirror_of is not None:
                    live.mirror_of.mirrors.append(live)

    def find(self, uuid: str) -> LiveCharacteristic | None:
        """The first characteristic of this device with `uuid` (a running device)."""
        return next((c for c in self.live if same_uuid(c.spec.uuid, uuid)), None)

    def _emit(self, kind: str, text: str, fields: dict[str, Any]) -> None:
        if self.observer is not None:
            try:
                self.observer(PeripheralEvent(kind, text, fields))
            except Exception:  # noqa: BLE001 - a face's display must not break GATT
                logger.exception("%s: showing a %s event failed", self.name, kind)

    def _check_access(self, access: Access, connection: Any, live: LiveCharacteristic,
                      what: str) -> None:
        from bumble.att import ATT_INSUFFICIENT_AUTHENTICATION_ERROR

        # Bumble checks the encryption and authentication bits first (0x0F, 0x05);
        # an authenticated requirement also wants a MITM pairing behind the link.
        if access == "authenticated" and connection is not None:
            if not self._mitm.get(connection.handle, False):
                self._refuse(live, connection, what, ATT_INSUFFICIENT_AUTHENTICATION_ERROR)

    def _refuse(self, live: LiveCharacteristic, connection: Any, what: str, code: int,
                detail: str = "") -> None:
        """Raise the ATT error `code` for this request, saying so to the observer."""
        from bumble.att import ATT_Error

        from blebench.decode.codes import att_error

        if self.observer is not None and connection is not None:
            name = att_error(code).name
            self._emit(
                "refused",
                f"{_peer_text(connection)} {what} {_char_text(live)}: {name} (ATT 0x{code:02X})"
                + (f", {detail}" if detail else ""),
                {**peer(connection), **_char_fields(live), "request": what,
                 "att_error": code, "att_error_name": name},
            )
        raise ATT_Error(code)

    def _read(self, live: LiveCharacteristic, connection: Any) -> bytes:
        from bumble.att import ATT_READ_NOT_PERMITTED_ERROR

        if "read" not in live.spec.properties:
            self._refuse(live, connection, "read", ATT_READ_NOT_PERMITTED_ERROR)
        self._check_access(live.spec.read_access, connection, live, "read")
        value = live.current()
        if self.observer is not None and connection is not None:
            self._emit(
                "read",
                f"{_peer_text(connection)} {_char_text(live)} -> {_hex_text(value)}",
                {**peer(connection), **_char_fields(live), "value": value.hex()},
            )
        return value

    def _write(self, live: LiveCharacteristic, connection: Any, value: bytes) -> None:
        from bumble.att import ATT_INVALID_ATTRIBUTE_LENGTH_ERROR, ATT_WRITE_NOT_PERMITTED_ERROR

        spec = live.spec
        if not {"write", "write-without-response"} & set(spec.properties):
            # Bumble 0.0.236 does not check the properties of a write itself.
            self._refuse(live, connection, "write", ATT_WRITE_NOT_PERMITTED_ERROR)
        self._check_access(spec.write_access, connection, live, "write")
        value = bytes(value)
        if len(value) > spec.max_length:
            self._refuse(live, connection, "write", ATT_INVALID_ATTRIBUTE_LENGTH_ERROR,
                         f"{len(value)} bytes, at most {spec.max_length}")
        if not _in_range(spec, value):
            self._refuse(live, connection, "write", OUT_OF_RANGE, "outside its Valid Range")
        live.value = value
        if self.observer is not None and connection is not None:
            decoded = _decoded(live, value)
            self._emit(
                "write",
                f"{_peer_text(connection)} {_char_text(live)} <- {_hex_text(value)}"
                + (f"  {decoded}" if decoded else ""),
                {**peer(connection), **_char_fields(live), "value": value.hex(),
                 "decoded": decoded},
            )
        if self.device is not None:
            for mirror in live.mirrors:
                self.spawn(self._push(mirror, mirror.current()))
            if spec.reply is not None:
                reply = spec.reply.reply(value)
                if reply is not None:
                    target = live.reply_target or live
                    target.value = reply[: target.spec.max_length]
                    self._emit(
                        "reply",
                        f"{_peer_text(connection) if connection is not None else ''} "
                        f"{_char_text(target)} => {_hex_text(reply)}".strip(),
                        {**(peer(connection) if connection is not None else {}),
                         **_char_fields(target), "value": reply.hex()},
                    )
                    self.spawn(self._push(target, target.value))

    async def _push(self, live: LiveCharacteristic, value: bytes) -> None:
        """Notify or indicate `value` to whoever subscribed to `live` (and its mirrors)."""
        device = self.device
        if device is None:
            return
        if "notify" in live.spec.properties:
            await device.notify_subscribers(live.characteristic, value)
        if "indicate" in live.spec.properties:
            await device.indicate_subscribers(live.characteristic, value)
        for mirror in live.mirrors:
            await self._push(mirror, value)

    async def set_value(self, uuid: str | int, value: bytes) -> None:
        """Set a characteristic's value (by UUID, or value handle as an int) and send it
        to its subscribers (a control; the TUI's Peripheral pane)."""
        live = (next((c for c in self.live if c.handle == uuid), None)
                if isinstance(uuid, int) else self.find(uuid))
        if live is None:
            raise KeyError(uuid)
        live.value = bytes(value)[: live.spec.max_length]
        await self._push(live, live.value)

    # ------------------------------------------------------------------ running

    async def start(self, device: Device) -> None:
        from blebench.sim.peripheral_events import watch

        if self.observer is not None:
            watch(device, self.observer)
            device.gatt_server.on(
                "characteristic_subscription", self._on_subscription
            )
        device.on(device.EVENT_CONNECTION, self._on_connection)
        for live in self.live:
            if live.source is not None and live.spec.notify_every_ms is not None:
                self.spawn(self._schedule(live, live.spec.notify_every_ms / 1000.0))

    def _on_connection(self, connection: Any) -> None:
        from blebench.sim.peripheral_events import keys_authenticated

        handle = connection.handle

        def on_pairing(keys: Any) -> None:
            self._mitm[handle] = keys_authenticated(keys)

        def on_encryption() -> None:
            if connection.encryption and handle not in self._mitm:
                self.spawn(self._bonded_mitm(connection))

        connection.on(connection.EVENT_PAIRING, on_pairing)
        connection.on(connection.EVENT_CONNECTION_ENCRYPTION_CHANGE, on_encryption)
        if self.link_request is not None:
            from blebench.sim.link_requests import ask_after_connect

            self.spawn(ask_after_connect(connection, self.link_request))
        connection.once(
            connection.EVENT_DISCONNECTION, lambda _reason: self._mitm.pop(handle, None)
        )

    async def _bonded_mitm(self, connection: Any) -> None:
        """An encrypted link without pairing on it: a bond's key; was that one MITM?"""
        from blebench.sim.peripheral_events import keys_authenticated

        device = self.device
        keystore = device.keystore if device is not None else None
        if keystore is None:
            return
        keys = await keystore.get(str(connection.peer_address))
        self._mitm[connection.handle] = keys_authenticated(keys)

    def _on_subscription(
        self, bearer: Any, characteristic: Any, notify: bool, indicate: bool
    ) -> None:
        connection = getattr(bearer, "connection", bearer)
        live = next((c for c in self.live if c.characteristic is characteristic), None)
        uuid = characteristic.uuid.to_hex_str()
        what = _uuid_text(uuid)
        state = "notifications" if notify else "indications" if indicate else "off"
        fields = _char_fields(live) if live is not None else {
            **_uuid_fields(uuid), "handle_value": characteristic.handle}
        self._emit(
            "subscribed" if notify or indicate else "unsubscribed",
            f"{_peer_text(connection)} {what}: {state}",
            {**peer(connection), **fields, "notify": notify, "indicate": indicate},
        )

    async def _schedule(self, live: LiveCharacteristic, interval_s: float) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        source = live.source
        assert source is not None
        while True:
            due += interval_s
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -1.0:
                due = loop.time()  # far behind (a loaded machine): start again from now
            live.value = source.next()[: live.spec.max_length]
            await self._push(live, live.value)


def _permission(kind: str, access: Access) -> Any:
    from bumble.att import Attribute

    perm = Attribute.Permissions
    if kind == "read":
        return {
            "open": perm.READABLE,
            "encrypted": perm.READABLE | perm.READ_REQUIRES_ENCRYPTION,
            # Authentication alone: an unencrypted link gets 0x05 Insufficient
            # Authentication (pair with MITM), as security mode 1 level 3 asks, not 0x0F.
            "authenticated": perm.READABLE | perm.READ_REQUIRES_AUTHENTICATION,
        }[access]
    return {
        "open": perm.WRITEABLE,
        "encrypted": perm.WRITEABLE | perm.WRITE_REQUIRES_ENCRYPTION,
        "authenticated": perm.WRITEABLE | perm.WRITE_REQUIRES_AUTHENTICATION,
    }[access]


def _peer_text(connection: Any) -> str:
    return str(peer(connection)["peer"])


def _uuid_fields(uuid: str) -> dict[str, Any]:
    from blebench.decode.names import short_uuid, uuid_name

    return {"uuid": short_uuid(uuid), "name": uuid_name(uuid)}


def _uuid_text(uuid: str) -> str:
    from blebench.decode.names import short_uuid, uuid_name

    name = uuid_name(uuid)
    return f"{short_uuid(uuid)}" + (f" ({name})" if name else "")


def _char_fields(live: LiveCharacteristic) -> dict[str, Any]:
    return {**_uuid_fields(live.spec.uuid), "handle_value": live.handle}


def _char_text(live: LiveCharacteristic) -> str:
    return _uuid_text(live.spec.uuid)


def _hex_text(value: bytes) -> str:
    text = value[:64].hex(" ")
    return (text + f" ... ({len(value)} bytes)") if len(value) > 64 else (text or "(empty)")


def _decoded(live: LiveCharacteristic, value: bytes) -> str:
    from blebench.decode.gatt_values import decode_value, parse_presentation_format

    raw = live.spec.presentation
    pf = parse_presentation_format(raw) if raw is not None else None
    decoded = decode_value(live.spec.uuid, value, pf)
    return "" if decoded.kind == "generic" and pf is None else decoded.summary


def _in_range(spec: CharacteristicSpec, value: bytes) -> bool:
    """False for a write outside the 0x2906 Valid Range (it gets ATT 0xFF Out of Range,
    CSS Part B 1.2), when the 0x2904 format says how to read the numbers."""
    bounds, pf = spec.valid_range, spec.presentation
    fmt = FORMAT_NAMES.get(pf[0]) if pf else None
    if bounds is None or fmt is None:
        return True
    size = NUMBER_FORMATS[fmt][1]
    if len(bounds) != 2 * size or len(value) != size:
        return True
    low, high, got = (_decode_number(b, fmt) for b in (bounds[:size], bounds[size:], value))
    return bool(low <= got <= high)


def _decode_number(data: bytes, fmt: str) -> float:
    code, _size, signed, is_float = NUMBER_FORMATS[fmt]
    if is_float:
        return float(struct.unpack(f"<{code}", data)[0])
    return int.from_bytes(data, "little", signed=signed)


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
        raise UserDevicesError(f"{where}: {value} is outside {low:.10g}..{high:.10g}")
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


CHARACTERISTIC_FIELDS = frozenset(
    {
        "uuid", "properties", "value", "text", "read", "write", "max_length",
        "description", "format", "valid_range", "descriptor",
        "notify_every_ms", "notify_values", "notify_value",
        "reply", "replies", "reply_on", "mirror",
    }
)
EXPRESSION_FIELDS = frozenset(
    {"kind", "min", "max", "step", "period_s", "start", "format", "prefix", "suffix"}
)


def _access(value: object, where: str) -> Access:
    if value not in ACCESS:
        raise UserDevicesError(f"{where}: one of {', '.join(ACCESS)}, not {value!r}")
    return value


def _int(value: object, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise UserDevicesError(f"{where}: expected a whole number")
    if not low <= value <= high:
        raise UserDevicesError(f"{where}: {value} is outside {low}..{high}")
    return value


def _presentation(value: object, where: str) -> bytes:
    """0x2904: { format = "uint16", exponent = 0, unit = "272f", namespace = 1,
    description = 0 }."""
    from blebench.decode.units import FORMATS

    if not isinstance(value, dict):
        raise UserDevicesError(f'{where}: expected a table like {{ format = "uint16" }}')
    unknown = set(value) - {"format", "exponent", "unit", "namespace", "description"}
    if unknown:
        raise UserDevicesError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    codes = {name: code for code, (name, _size, _kind) in FORMATS.items()}
    name = value.get("format")
    if name not in codes:
        raise UserDevicesError(
            f"{where}, field 'format': a GATT format name such as uint8, sint16, float32, "
            f"utf8s, not {name!r}"
        )
    exponent = _int(value.get("exponent", 0), f"{where}, field 'exponent'", -128, 127)
    unit_raw = value.get("unit", 0x2700)
    if isinstance(unit_raw, str):
        try:
            unit = int(unit_raw.lower().removeprefix("0x"), 16)
        except ValueError:
            raise UserDevicesError(
                f"{where}, field 'unit': a unit UUID such as \"272f\", not {unit_raw[:20]!r}"
            ) from None
    else:
        unit = _int(unit_raw, f"{where}, field 'unit'", 0, 0xFFFF)
    if not 0 <= unit <= 0xFFFF:
        raise UserDevicesError(f"{where}, field 'unit': a 16-bit unit UUID such as \"272f\"")
    namespace = _int(value.get("namespace", 1 if "description" in value else 0),
                     f"{where}, field 'namespace'", 0, 0xFF)
    description = _int(value.get("description", 0), f"{where}, field 'description'", 0, 0xFFFF)
    return (
        bytes([codes[str(name)], exponent & 0xFF])
        + unit.to_bytes(2, "little")
        + bytes([namespace])
        + description.to_bytes(2, "little")
    )


def _valid_range(value: object, where: str, presentation: bytes | None) -> bytes:
    if isinstance(value, str):
        return _hex(value, where)
    fmt = FORMAT_NAMES.get(presentation[0]) if presentation else None
    if not isinstance(value, list) or len(value) != 2:
        raise UserDevicesError(f"{where}: hex (lower then upper bound) or [low, high]")
    if fmt is None:
        raise UserDevicesError(
            f"{where}: [low, high] numbers need a numeric 'format' (uint8 ... float64); "
            "else give the bounds as hex"
        )
    low = _number(value[0], f"{where} (low)", *format_bounds(fmt))
    high = _number(value[1], f"{where} (high)", *format_bounds(fmt))
    if low > high:
        raise UserDevicesError(f"{where}: low {low:g} is above high {high:g}")
    return encode_number(low, fmt) + encode_number(high, fmt)


def _descriptors(value: object, where: str) -> list[DescriptorSpec]:
    if not isinstance(value, list):
        raise UserDevicesError(f"{where}: expected [[...descriptor]] tables")
    out = []
    for index, raw in enumerate(value, 1):
        d_where = f"{where} {index}"
        if not isinstance(raw, dict):
            raise UserDevicesError(f"{d_where}: expected a table")
        unknown = set(raw) - {"uuid", "value", "writable"}
        if unknown:
            raise UserDevicesError(f"{d_where}: unknown field {sorted(unknown)[0]!r}")
        if "uuid" not in raw:
            raise UserDevicesError(f"{d_where}: field 'uuid' is missing")
        uuid = _uuid(raw["uuid"], f"{d_where}, field 'uuid'")
        if _is(uuid, 0x2902) or _is(uuid, 0x2803):
            raise UserDevicesError(
                f"{d_where}, field 'uuid': {uuid} is added by the GATT server itself "
                "(a CCCD comes with notify or indicate)"
            )
        data = _hex(raw.get("value", ""), f"{d_where}, field 'value'")
        if len(data) > MAX_VALUE:
            raise UserDevicesError(f"{d_where}, field 'value': more than {MAX_VALUE} bytes")
        writable = raw.get("writable", False)
        if not isinstance(writable, bool):
            raise UserDevicesError(f"{d_where}, field 'writable': expected true or false")
        out.append(DescriptorSpec(uuid, data, writable))
    return out


def _expression(value: object, where: str) -> Expression:
    if not isinstance(value, dict):
        raise UserDevicesError(f'{where}: expected a table like {{ kind = "counter", max = 255 }}')
    unknown = set(value) - EXPRESSION_FIELDS
    if unknown:
        raise UserDevicesError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    kind = value.get("kind")
    if kind not in EXPRESSIONS:
        raise UserDevicesError(f"{where}, field 'kind': one of {', '.join(EXPRESSIONS)}, "
                               f"not {kind!r}")
    fmt = value.get("format", "uint8")
    if fmt not in NUMBER_FORMATS:
        raise UserDevicesError(
            f"{where}, field 'format': one of {', '.join(NUMBER_FORMATS)}, not {fmt!r}"
        )
    bounds = format_bounds(fmt)
    low = _number(value.get("min", 0 if bounds[0] >= 0 else bounds[0]),
                  f"{where}, field 'min'", *bounds)
    high_default = bounds[1] if math.isfinite(bounds[1]) else 100.0
    high = _number(value.get("max", high_default), f"{where}, field 'max'", *bounds)
    if low > high:
        raise UserDevicesError(f"{where}: min {low:g} is above max {high:g}")
    step = _number(value.get("step", 1), f"{where}, field 'step'", 1e-9, 1e12)
    period = _number(value.get("period_s", 10), f"{where}, field 'period_s'", 0.001, 86400)
    start = None
    if "start" in value:
        start = _number(value["start"], f"{where}, field 'start'", low, high)
    prefix = _hex(value.get("prefix", ""), f"{where}, field 'prefix'")
    suffix = _hex(value.get("suffix", ""), f"{where}, field 'suffix'")
    return Expression(str(kind), low, high, step, period, start, str(fmt), prefix, suffix)


def _template(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise UserDevicesError(f'{where}: expected hex, with {{all}} or {{N}} pieces: "81{{1:}}"')
    try:
        check_template(value)
    except TemplateError as exc:
        raise UserDevicesError(f"{where}: {exc}") from None
    return value


def _reply(char: Mapping[str, Any], where: str) -> ReplyRule | None:
    reply, table = char.get("reply"), char.get("replies")
    if reply is None and table is None:
        return None
    if reply == "echo":
        if table is not None:
            raise UserDevicesError(f"{where}, field 'replies': not with reply = \"echo\"")
        return ReplyRule(echo=True)
    default = _template(reply, f"{where}, field 'reply'") if reply is not None else None
    rules: list[tuple[bytes, str]] = []
    if table is not None:
        if not isinstance(table, list):
            raise UserDevicesError(
                f'{where}, field \'replies\': a list like [{{ prefix = "01", reply = "81" }}]'
            )
        for index, rule in enumerate(table, 1):
            r_where = f"{where}, field 'replies' {index}"
            if not isinstance(rule, dict) or set(rule) - {"prefix", "reply"} or "reply" not in rule:
                raise UserDevicesError(f'{r_where}: a table {{ prefix = "01", reply = "81" }}')
            prefix = _hex(rule.get("prefix", ""), f"{r_where}, field 'prefix'")
            rules.append((prefix, _template(rule["reply"], f"{r_where}, field 'reply'")))
    return ReplyRule(default=default, table=tuple(rules))


def _characteristic(char: object, c_where: str) -> CharacteristicSpec:
    if not isinstance(char, dict):
        raise UserDevicesError(f"{c_where}: expected a table")
    unknown = set(char) - CHARACTERISTIC_FIELDS
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
    props = set(properties)
    writable = bool({"write", "write-without-response"} & props)
    if "value" in char and "text" in char:
        raise UserDevicesError(f"{c_where}, field 'text': give 'value' (hex) or 'text', not both")
    if "text" in char:
        if not isinstance(char["text"], str):
            raise UserDevicesError(f"{c_where}, field 'text': expected a string")
        value_bytes = char["text"].encode("utf-8")
        value_field = "text"
    else:
        value_bytes = _hex(char.get("value", ""), f"{c_where}, field 'value'")
        value_field = "value"
    max_length = _int(char.get("max_length", MAX_VALUE), f"{c_where}, field 'max_length'",
                      1, MAX_VALUE)
    if len(value_bytes) > max_length:
        raise UserDevicesError(
            f"{c_where}, field '{value_field}': {len(value_bytes)} bytes, more than "
            f"{'max_length ' if 'max_length' in char else ''}{max_length}"
        )
    read_access = _access(char.get("read", "open"), f"{c_where}, field 'read'")
    write_access = _access(char.get("write", "open"), f"{c_where}, field 'write'")
    if "read" in char and "read" not in props:
        raise UserDevicesError(f"{c_where}, field 'read': the properties have no \"read\"")
    if "write" in char and not writable:
        raise UserDevicesError(f"{c_where}, field 'write': the properties have no \"write\"")
    descriptors: list[DescriptorSpec] = []
    if "description" in char:
        if not isinstance(char["description"], str):
            raise UserDevicesError(f"{c_where}, field 'description': expected a string")
        descriptors.append(DescriptorSpec("2901", char["description"].encode("utf-8")))
    presentation: bytes | None = None
    if "format" in char:
        presentation = _presentation(char["format"], f"{c_where}, field 'format'")
        descriptors.append(DescriptorSpec("2904", presentation))
    if "valid_range" in char:
        descriptors.append(DescriptorSpec(
            "2906", _valid_range(char["valid_range"], f"{c_where}, field 'valid_range'",
                                 presentation)))
    for extra in _descriptors(char.get("descriptor", []), f"{c_where}, descriptor"):
        if any(same_uuid(extra.uuid, d.uuid) for d in descriptors):
            raise UserDevicesError(
                f"{c_where}, descriptor {extra.uuid}: given twice (also by a field)"
            )
        descriptors.append(extra)
    every: float | None = None
    values: tuple[bytes, ...] = ()
    expression: Expression | None = None
    if "notify_every_ms" in char:
        if not {"notify", "indicate"} & props:
            raise UserDevicesError(
                f"{c_where}, field 'notify_every_ms': the properties have no notify or indicate"
            )
        every = _number(char["notify_every_ms"], f"{c_where}, field 'notify_every_ms'",
                        0.1, 3_600_000)
        if "notify_values" in char and "notify_value" in char:
            raise UserDevicesError(
                f"{c_where}, field 'notify_value': give notify_values or notify_value, not both"
            )
        if "notify_values" in char:
            raw_values = char["notify_values"]
            if not isinstance(raw_values, list) or not raw_values:
                raise UserDevicesError(f"{c_where}, field 'notify_values': a list of hex values")
            values = tuple(
                _hex(v, f"{c_where}, field 'notify_values' {i}") for i, v in enumerate(raw_values, 1)
            )
        elif "notify_value" in char:
            expression = _expression(char["notify_value"], f"{c_where}, field 'notify_value'")
        else:
            values = (value_bytes,)
    else:
        for field in ("notify_values", "notify_value"):
            if field in char:
                raise UserDevicesError(f"{c_where}, field '{field}': needs notify_every_ms")
    reply = _reply(char, c_where)
    if reply is not None and not writable:
        raise UserDevicesError(f"{c_where}, field 'reply': the properties have no write")
    reply_on = None
    if "reply_on" in char:
        if reply is None:
            raise UserDevicesError(f"{c_where}, field 'reply_on': needs reply or replies")
        reply_on = _uuid(char["reply_on"], f"{c_where}, field 'reply_on'")
    mirror = _uuid(char["mirror"], f"{c_where}, field 'mirror'") if "mirror" in char else None
    return CharacteristicSpec(
        c_uuid, tuple(properties), value_bytes, read_access, write_access, max_length,
        tuple(descriptors), every, values, expression, reply, reply_on, mirror,
    )


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
            characteristics.append(_characteristic(char, f"{s_where}, characteristic {c_index}"))
        services.append(ServiceSpec(uuid, tuple(characteristics)))
    return tuple(services)


def _flag(table: Mapping[str, Any], name: str, default: bool, where: str) -> bool:
    value = table.get(name, default)
    if not isinstance(value, bool):
        raise UserDevicesError(f"{where}, field {name!r}: expected true or false")
    return value


def _pairing(value: object, where: str) -> PairingSpec:
    if not isinstance(value, dict):
        raise UserDevicesError(f"{where}: expected a [device.pairing] table")
    unknown = set(value) - PAIRING_FIELDS
    if unknown:
        raise UserDevicesError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    try:
        io = IoCapability.from_name(str(value.get("io", "no-input-no-output")))
    except ValueError as exc:
        raise UserDevicesError(f"{where}, field 'io': {exc}") from None
    passkey: int | None = None
    if "passkey" in value:
        raw = value["passkey"]
        if isinstance(raw, str) and raw.isdigit() and len(raw) <= 6:
            raw = int(raw)
        # 000000 hangs Bumble's SMP (BUMBLE-NOTES): refused here, in words.
        passkey = _int(raw, f"{where}, field 'passkey'", 1, 999_999)
    sizes: dict[str, int] = {}
    for name, default in (("min_key_size", 7), ("max_key_size", 16)):
        sizes[name] = _int(value.get(name, default), f"{where}, field {name!r}", 7, 16)
    if sizes["min_key_size"] > sizes["max_key_size"]:
        raise UserDevicesError(f"{where}, field 'min_key_size': above max_key_size")
    options = PairingOptions(
        io=io,
        mitm=_flag(value, "mitm", False, where),
        sc=_flag(value, "sc", True, where),
        bonding=_flag(value, "bonding", True, where),
        keypress=_flag(value, "keypress", False, where),
        requires_mitm=_flag(value, "requires_mitm", False, where),
        sc_only=_flag(value, "sc_only", False, where),
        pairable=not _flag(value, "refuse", False, where),
        min_key_size=sizes["min_key_size"],
        max_key_size=sizes["max_key_size"],
    )
    return PairingSpec(
        options,
        passkey=passkey,
        ignore_sc=_flag(value, "ignore_sc", False, where),
        require_mitm_flag=_flag(value, "require_mitm_flag", False, where),
    )


def _check_links(services: tuple[ServiceSpec, ...], where: str) -> None:
    """reply_on and mirror name characteristics of the same device."""
    chars = [c for s in services for c in s.characteristics]
    for s_index, service in enumerate(services, 1):
        for c_index, char in enumerate(service.characteristics, 1):
            c_where = f"{where} {s_index}, characteristic {c_index}"
            for field, target in (("reply_on", char.reply_on), ("mirror", char.mirror)):
                if target is None:
                    continue
                found = next((c for c in chars if same_uuid(c.uuid, target)), None)
                if found is None:
                    raise UserDevicesError(
                        f"{c_where}, field '{field}': this device has no characteristic {target}"
                    )
                if field == "mirror" and (found is char or found.mirror is not None):
                    raise UserDevicesError(
                        f"{c_where}, field 'mirror': {target} is itself or a mirror"
                    )
                if field == "reply_on" and not {"notify", "indicate"} & set(found.properties):
                    raise UserDevicesError(
                        f"{c_where}, field 'reply_on': {target} has no notify or indicate"
                    )


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
    pairing = _pairing(entry["pairing"], f"{where}, pairing") if "pairing" in entry else None
    link_request = None
    if "link" in entry:
        from blebench.sim.link_requests import LinkSectionError, parse_link_section

        try:
            link_request = parse_link_section(entry["link"], f"{where}, link")
        except LinkSectionError as exc:
            raise UserDevicesError(str(exc)) from None
    if services and not connectable:
        raise UserDevicesError(f"{where}, field 'service': a non-connectable device has no GATT")
    _check_links(services, f"{where}, service")
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
        pairing=pairing,
        source=source,
        seed=seed,
        link_request=link_request,
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

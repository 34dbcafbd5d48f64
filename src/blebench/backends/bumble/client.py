"""A bleak client backend over Bumble: `BleakClient(..., backend=BumbleClient, radio=...)`.

The session layer speaks bleak everywhere; this backend makes a Bumble `Device` (a dongle
over HCI, or the central of the virtual world) look like one more bleak backend. It keeps
bleak's documented behaviour (`blebench.bleak_backend` is the public face):
- an address string is looked for by scanning on the same radio, as bleak's BlueZ backend
  does (`BleakDeviceNotFoundError` when it is not heard within the timeout); "ADDR/P" or
  "ADDR/R" (Bumble's notation) names the address type and connects without scanning;
- `pair()` with no arguments pairs with the radio's pairing defaults (`set_pairing_defaults`;
  default: this side NoInputNoOutput, bonding, Secure Connections, Just Works accepted),
  `BleakClient(..., pair=True)` pairs right after connecting, and a failed pairing raises
  `BumblePairingError` (a `BleakError`) with the SMP reason;
- `disconnected_callback` is called on every disconnection, our own `disconnect()` too;
- `use_cached=True` returns the last value read or notified, characteristics and
  descriptors alike (a read when there is none yet);
- `name` is the advertised name, else the GAP Device Name read after connecting, else
  the dashed address (bleak's wording).

Keyword arguments reaching the backend through `BleakClient(...)`:
- `radio`: an object with `.device` (the powered-on central Bumble `Device`, e.g.
  `blebench.backends.bumble.radio.BumbleRadio`), or `device`: the Bumble `Device` itself;
- `mtu` (default 247): the ATT MTU asked for right after connecting (None: no exchange);
- `op_timeout` (default 10 s): the longest any GATT operation may take. Bumble's own limit
  is 30 s; a device that vanished without a disconnection event must not hang a session.
- `use_bond` (default True): when the device's key store holds an LTK for the peer (by
  identity address, or by an RPA Bumble resolved with a stored IRK), the link is
  encrypted with it right after connecting, before anything else, as phones and desktop
  stacks do with bonded devices. A peer that lost the bond makes this fail: 0x06 PIN or
  Key Missing, 0x3D MIC Failure, 0x05 Authentication Failure, or a disconnection; that is
  `BumbleStaleBondError`, and the link is dropped (the peer may also be an impostor using
  the address: re-pairing is the user's decision).
- `service_changed` (default True): subscribe to Service Changed indications after
  discovery, as the OS stacks do;
- `pairing` / `pairing_delegate`: this client's pairing options and prompts for `pair()`
  without arguments and `pair=True` (default: the radio's, see `set_pairing_defaults`).

What bleak's API can't carry is exposed here and used by the session when present:
`connection_info()` (PHY, interval, latency, supervision timeout, encryption),
`disconnect_reason`, `bumble_connection`.

Failures are bleak exceptions: `BleakGATTProtocolError` for ATT errors, `TimeoutError`,
and the typed `BumbleConnectError` / `BumbleDisconnectedError` below carrying the HCI code.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from bleak.args import SizedBuffer
from bleak.assigned_numbers import CHARACTERISTIC_PROPERTIES
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError, BleakGATTProtocolError
from bumble import att, core, hci
from bumble.gatt import (
    GATT_CLIENT_CHARACTERISTIC_CONFIGURATION_DESCRIPTOR,
    GATT_DEVICE_NAME_CHARACTERISTIC,
    GATT_GENERIC_ATTRIBUTE_SERVICE,
    GATT_SERVICE_CHANGED_CHARACTERISTIC,
    Characteristic,
)
from bumble.keys import PairingKeys

from blebench.backends.base import LinkError, PairingFailed, StaleBond
from blebench.backends.bumble.link import BumbleLinkControl
from blebench.decode.names import uuid_text
from blebench.pairing.delegate import PairingDelegate, ScriptedDelegate
from blebench.pairing.models import IoCapability, PairingOptions, PairingOutcome
from blebench.stack.smp_bridge import PairingLinkLost, pair_connection

if TYPE_CHECKING:
    from bumble.device import Connection, Device
    from bumble.gatt_client import CharacteristicProxy

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

DEFAULT_MTU = 247
DEFAULT_OP_TIMEOUT = 10.0
# HCI reason given when the link drops without a reason (e.g. the controller vanished).
_REASON_UNKNOWN = hci.HCI_CONNECTION_TIMEOUT_ERROR
_FAILED_TO_ESTABLISH = hci.HCI_CONNECTION_FAILED_TO_BE_ESTABLISHED_ERROR

# Characteristic property bits -> bleak's property names, in bit order (bleak's own table).
_PROPERTY_NAMES: tuple[tuple[int, str], ...] = tuple(sorted(CHARACTERISTIC_PROPERTIES.items()))


class BumbleConnectError(BleakError, LinkError):
    """Connecting failed with an HCI status (`hci_code`), e.g. 0x3E or a refusal."""

    def __init__(self, hci_code: int, address: str, detail: str = "") -> None:
        super().__init__(f"connection to {address} failed (HCI 0x{hci_code:02X}) {detail}".strip())
        self.hci_code = hci_code
        self.address = address


class BumbleDisconnectedError(BleakError, LinkError):
    """The link dropped while an operation was running; `hci_code` is the reason."""

    def __init__(self, hci_code: int, during: str) -> None:
        super().__init__(f"disconnected during {during} (HCI reason 0x{hci_code:02X})")
        self.hci_code = hci_code
        self.during = during


class BumbleStaleBondError(BleakError, StaleBond):
    """The stored bond did not encrypt the link: the peer no longer has it."""

    def __init__(self, hci_code: int, address: str, identity_address: str | None) -> None:
        super().__init__(
            f"encrypting the link to {address} with the stored bond failed (HCI 0x{hci_code:02X})"
        )
        self.hci_code = hci_code
        self.address = address
        self.identity_address = identity_address


# What a peer that lost (or changed) its keys makes encryption end with.
STALE_BOND_CODES = frozenset(
    {
        hci.HCI_PIN_OR_KEY_MISSING_ERROR,  # 0x06: no LTK on its side
        hci.HCI_CONNECTION_TERMINATED_DUE_TO_MIC_FAILURE_ERROR,  # 0x3D: a different LTK
        hci.HCI_AUTHENTICATION_FAILURE_ERROR,  # 0x05: some stacks say it so
    }
)


class BumbleNotConnectedError(BleakError):
    """An operation was asked for on a client that is not connected."""


class BumblePairingError(BleakError, PairingFailed):
    """Pairing failed (bleak's BlueZ and WinRT backends raise too).

    `reason` is the SMP reason code (Core Vol 3 Part H 3.5.5, e.g. 0x05 Pairing Not
    Supported, 0x04 Confirm Value Failed) or 0 when there is none (the peer stopped
    answering: `reason_name` "Timeout"; the link dropped); `by` says which side refused
    ("initiator", "responder" or None); `outcome` is blebench's whole `PairingOutcome`."""

    def __init__(self, address: str, outcome: PairingOutcome) -> None:
        failure = outcome.failure
        assert failure is not None
        code = f" (SMP 0x{failure.code:02X})" if failure.code else ""
        super().__init__(f"pairing with {address} failed: {failure.name}{code}. {failure.why}")
        self.address = address
        self.outcome = outcome
        self.reason = int(failure.code)
        self.reason_name = failure.name
        self.by = failure.by


# What `pair()` without arguments uses on a radio nobody configured: the most common
# central a device meets (a phone or a desktop accepting Just Works), bonding, SC.
DEFAULT_PAIRING = PairingOptions(
    io=IoCapability.NO_INPUT_NO_OUTPUT, mitm=False, sc=True, bonding=True
)
_PAIRING_DEFAULTS: weakref.WeakKeyDictionary[Device, tuple[PairingOptions, PairingDelegate]] = (
    weakref.WeakKeyDictionary()
)


def set_pairing_defaults(
    device: Device, options: PairingOptions, delegate: PairingDelegate | None = None
) -> None:
    """The pairing options and prompts that `pair()` without arguments uses on `device`
    (every client on that radio). `delegate` None: Just Works and numeric comparison are
    accepted, a passkey to type is refused (`ScriptedDelegate()`)."""
    _PAIRING_DEFAULTS[device] = (options, delegate or ScriptedDelegate())


def pairing_defaults(device: Device) -> tuple[PairingOptions, PairingDelegate]:
    return _PAIRING_DEFAULTS.get(device) or (DEFAULT_PAIRING, ScriptedDelegate())


@dataclass(slots=True, frozen=True)
class BumbleConnectionInfo:
    """What the Bumble host knows about a live link (plain data for the session)."""

    handle: int
    role: str
    self_address: str
    peer_address: str
    peer_address_type: str
    mtu: int
    interval_ms: float
    latency: int
    supervision_timeout_ms: float
    tx_phy: str | None
    rx_phy: str | None
    encrypted: bool
    authenticated: bool
    secure_connections: bool
    encryption_key_size: int | None


def _security_of(keys: PairingKeys) -> tuple[bool, bool]:
    """(authenticated, Secure Connections) of a pairing's keys: SC pairing stores one `ltk`,
    legacy pairing an `ltk_central`/`ltk_peripheral` pair (bumble.smp); each key says whether
    its pairing method protected against MITM."""
    key = keys.ltk or keys.ltk_central or keys.ltk_peripheral
    return (bool(key is not None and key.authenticated), keys.ltk is not None)


def _phy_name(phy: int | None) -> str | None:
    if phy is None:
        return None
    return hci.HCI_LE_PHY_NAMES.get(int(phy), f"PHY {int(phy)}")


def typed_address(text: str) -> bool:
    """Does the address string say its type ("ADDR/P" public, "ADDR/R" random)?"""
    return text.strip().upper().endswith(("/P", "/R"))


def peer_address_of(target: BLEDevice | str) -> hci.Address:
    """The Bumble address to connect to.

    A `BLEDevice` from the Bumble scanner carries the typed address in `details` (an
    `hci.Address`, an object with `.address`, or a dict with "address"); a string may end
    in "/P" for a public address and is a random address otherwise (Bumble's convention).
    An untyped string is looked for by scanning before connecting (`BumbleClient.connect`)."""
    if isinstance(target, BLEDevice):
        details = target.details
        for candidate in (
            details,
            getattr(details, "address", None),
            getattr(details, "bumble_address", None),
            details.get("address") if isinstance(details, dict) else None,
        ):
            if isinstance(candidate, hci.Address):
                return candidate
        text = target.address
        if isinstance(details, dict) and details.get("address_type") in ("public", 0):
            return hci.Address(text, hci.Address.PUBLIC_DEVICE_ADDRESS)
    else:
        text = target
    try:
        if text.upper().endswith("/P"):
            return hci.Address(text[:-2], hci.Address.PUBLIC_DEVICE_ADDRESS)
        if text.upper().endswith("/R"):
            text = text[:-2]
        return hci.Address(text, hci.Address.RANDOM_DEVICE_ADDRESS)
    except (ValueError, core.InvalidArgumentError) as exc:
        raise BleakError(f"{text!r} is not a Bluetooth address") from exc


class BumbleClient(BumbleLinkControl, BaseBleakClient):
    """bleak's client interface on a Bumble central `Device` (and `LinkControl`:
    backends/bumble/link.py)."""

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Callable[[], None] | None,
        timeout: float,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout
        )
        radio = kwargs.get("radio")
        device = kwargs.get("device") or getattr(radio, "device", None)
        if device is None:
            raise BleakError("the Bumble backend needs radio= (or device=) to connect with")
        self._device: Device = device
        self._radio = radio
        self._target = address_or_ble_device
        self._peer_address = peer_address_of(address_or_ble_device)
        # An address string without its type: found by scanning, as bleak's backends do.
        self._must_find = isinstance(address_or_ble_device, str) and not typed_address(
            address_or_ble_device
        )
        if isinstance(address_or_ble_device, str):
            self.address = str(self._peer_address).split("/")[0]
        self._name = (
            address_or_ble_device.name if isinstance(address_or_ble_device, BLEDevice) else None
        )
        self._gap_name: str | None = None
        self._pairing: PairingOptions | None = kwargs.get("pairing")
        self._pairing_delegate: PairingDelegate | None = kwargs.get("pairing_delegate")
        self._cache: dict[int, bytes] = {}  # handle -> last value read or notified
        self._watch_changes: bool = bool(kwargs.get("service_changed", True))
        self.services_changed = False
        self._wanted_mtu: int | None = kwargs.get("mtu", DEFAULT_MTU)
        self._op_timeout: float = float(kwargs.get("op_timeout", DEFAULT_OP_TIMEOUT))
        self._use_bond: bool = bool(kwargs.get("use_bond", True))
        self.encrypted_with_bond = False
        self._service_filter: set[str] | None = kwargs.get("services")
        self._connection: Connection | None = None
        self._lost: asyncio.Future[int] | None = None
        self._proxies: dict[int, CharacteristicProxy[bytes]] = {}
        self._service_changed: CharacteristicProxy[bytes] | None = None
        self._subscribers: dict[int, Callable[[bytes], None]] = {}
        self._tx_phy: int | None = None
        # (authenticated, secure connections) of the keys this link is encrypted with: Bumble
        # sets both True on any LE encryption change and after any pairing, Just Works
        # included (BUMBLE-NOTES), so they are taken from the keys themselves.
        self._key_security: tuple[bool, bool] | None = None
        # The key size of the link's encryption as pairing or the bond gave it: Bumble
        # learns it only from HCI Encryption Change V2, which many controllers never send.
        self._key_size: int | None = None
        self._rx_phy: int | None = None
        self.disconnect_reason: int | None = None
        self.last_pairing_outcome: PairingOutcome | None = None

    # -- identity ---------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name or self._gap_name or self.address.replace(":", "-")

    @property
    def mtu_size(self) -> int:
        if self._connection is None:
            return att.ATT_DEFAULT_MTU
        return int(self._connection.att_mtu)

    @property
    def is_connected(self) -> bool:
        return self._connection is not None and self._lost is not None and not self._lost.done()

    @property
    def bumble_connection(self) -> Connection | None:
        return self._connection

    def _on_pairing_keys(self, keys: PairingKeys) -> None:
        self._key_security = _security_of(keys)

    def connection_info(self) -> BumbleConnectionInfo | None:
        conn = self._connection
        if conn is None or not self.is_connected:
            return None
        params = conn.parameters
        key_size = int(conn.encryption_key_size) or (self._key_size if conn.encryption else None)
        security = self._key_security or (False, False)
        return BumbleConnectionInfo(
            handle=int(conn.handle),
            role="central" if conn.role == hci.Role.CENTRAL else "peripheral",
            self_address=str(conn.self_address).split("/")[0],
            peer_address=str(conn.peer_address).split("/")[0],
            peer_address_type=(
                "public"
                if conn.peer_address.address_type == hci.Address.PUBLIC_DEVICE_ADDRESS
                else "random"
            ),
            mtu=int(conn.att_mtu),
            interval_ms=float(params.connection_interval),
            latency=int(params.peripheral_latency),
            supervision_timeout_ms=float(params.supervision_timeout),
            tx_phy=_phy_name(self._tx_phy),
            rx_phy=_phy_name(self._rx_phy),
            encrypted=bool(conn.is_encrypted),
            authenticated=security[0],
            secure_connections=security[1],
            encryption_key_size=key_size,
        )

    async def read_rssi(self) -> int:
        """The RSSI of this connection in dBm: HCI Read RSSI on its handle (127: the
        controller has no value). bleak's API has no such call; the session reads it here."""
        connection = self._require()
        try:
            value = await self._guarded(connection.device.get_connection_rssi(connection), "Read RSSI")
        except hci.HCI_Error as exc:
            raise BleakError(f"the controller refused HCI Read RSSI: {exc.error_name}") from None
        return int(value)

    # -- connecting -------------------------------------------------------------------
    async def connect(self, pair: bool, **kwargs: Any) -> None:
        if self.is_connected:
            return
        timeout = float(kwargs.get("timeout", self._timeout))
        address = str(self._peer_address).split("/")[0]
        loop = asyncio.get_running_loop()
        if self._must_find:
            started = loop.time()
            await self._find(address, timeout)
            timeout = max(timeout - (loop.time() - started), 1.0)
        try:
            # Bumble's connect has no default timeout and waits forever for a device that
            # does not advertise; its own timeout cancels the pending create-connection.
            connection = await asyncio.wait_for(
                self._device.connect(self._peer_address, timeout=timeout), timeout + 1.0
            )
        except core.ConnectionError as exc:
            code = exc.error_code if exc.error_code is not None else _FAILED_TO_ESTABLISH
            raise BumbleConnectError(int(code), address, str(exc)) from None
        except (core.TimeoutError, TimeoutError):
            raise TimeoutError(f"no connection to {address} within {timeout:g} s") from None
        except core.InvalidStateError as exc:
            raise BleakError(f"cannot connect now: {exc}") from None
        except hci.HCI_Error as exc:
            code = exc.error_code if exc.error_code is not None else _FAILED_TO_ESTABLISH
            raise BumbleConnectError(int(code), address, str(exc)) from None

        self._connection = connection
        self._lost = loop.create_future()
        self.disconnect_reason = None
        self._cache.clear()
        connection.on(connection.EVENT_DISCONNECTION, self._on_disconnection)
        connection.on(connection.EVENT_CONNECTION_PHY_UPDATE, self._on_phy_update)
        self._watch_peer_requests(connection)  # link.py: the peer's own link requests
        self._key_security = None
        self._key_size = None
        connection.on(connection.EVENT_PAIRING, self._on_pairing_keys)
        try:
            await self._encrypt_with_bond(connection, address)
            if self._wanted_mtu:
                await self._guarded(
                    connection.gatt_client.request_mtu(self._wanted_mtu), "the MTU exchange"
                )
            with contextlib.suppress(Exception):
                # The PHY is informative only: a controller without LE Read PHY is fine.
                phy = await self._guarded(connection.get_phy(), "reading the PHY")
                self._tx_phy, self._rx_phy = int(phy.tx_phy), int(phy.rx_phy)
            if pair and not self.encrypted_with_bond:
                # Before discovery, as BlueZ does: protected attributes read as they are.
                await self.pair()
            self.services = await self._guarded(self._discover(), "service discovery")
            if self._watch_changes:
                await self._watch_service_changed(connection)
            if not self._name:
                self._gap_name = await self._read_gap_name()
        except BaseException:
            await self._abandon()
            raise

    async def _find(self, address: str, timeout: float) -> None:
        """Scan for `address` (as bleak's BlueZ backend does for an address string) and
        take its address type and name from what is heard."""
        from blebench.backends.bumble.scanner import BumbleScanner

        radio = self._radio if self._radio is not None else _DeviceRadio(self._device)
        heard: asyncio.Future[BLEDevice] = asyncio.get_running_loop().create_future()

        def on_report(device: BLEDevice, _adv: object) -> None:
            if not heard.done() and device.address.upper() == address.upper():
                heard.set_result(device)

        scanner = BumbleScanner(on_report, None, "active", radio=radio)
        await scanner.start()
        try:
            found = await asyncio.wait_for(heard, timeout)
        except TimeoutError:
            raise BleakDeviceNotFoundError(
                address, f"Device with address {address} was not found."
            ) from None
        finally:
            await scanner.stop()
        self._peer_address = peer_address_of(found)
        self._name = self._name or found.name
        self._must_find = False

    async def _watch_service_changed(self, connection: Connection) -> None:
        """Ask for Service Changed indications (0x2A05), as BlueZ, Android and iOS do on
        every link: the peer then knows us as a client, and a change is noted in
        `services_changed` (discover again by connecting again)."""
        proxy = self._service_changed
        if proxy is None or not proxy.properties & Characteristic.Properties.INDICATE:
            return
        if proxy.get_descriptor(GATT_CLIENT_CHARACTERISTIC_CONFIGURATION_DESCRIPTOR) is None:
            return

        def changed(_value: bytes) -> None:
            self.services_changed = True

        with contextlib.suppress(BleakError, TimeoutError):
            await self._guarded(
                connection.gatt_client.subscribe(proxy, changed, prefer_notify=False),
                "the Service Changed subscription",
            )

    async def _read_gap_name(self) -> str | None:
        """The GAP Device Name characteristic (0x2A00), when there is one and it reads."""
        if self.services is None:
            return None
        wanted = _uuid128(GATT_DEVICE_NAME_CHARACTERISTIC)
        for char in self.services.characteristics.values():
            if char.uuid == wanted and "read" in char.properties:
                with contextlib.suppress(BleakError, TimeoutError):
                    value = await self.read_gatt_char(char)
                    return value.decode("utf-8", errors="replace") or None
        return None

    async def _encrypt_with_bond(self, connection: Connection, address: str) -> None:
        """Encrypt with the stored LTK when we have one for this peer (see module doc)."""
        self.encrypted_with_bond = False
        keystore = self._device.keystore
        if not self._use_bond or keystore is None:
            return
        keys = await keystore.get(str(connection.peer_address))
        if keys is None or (keys.ltk is None and keys.ltk_central is None):
            return
        identity = str(connection.peer_address).split("/")[0]
        try:
            await self._guarded(connection.encrypt(), "encryption with the stored bond")
        except hci.HCI_Error as exc:
            code = int(exc.error_code or _FAILED_TO_ESTABLISH)
            if code in STALE_BOND_CODES:
                raise BumbleStaleBondError(code, address, identity) from None
            raise BumbleConnectError(code, address, "encrypting with the stored bond failed") from None
        except BumbleDisconnectedError as exc:
            # Some peers just hang up on an LTK they do not know (0x13).
            hang_up = exc.hci_code == hci.HCI_REMOTE_USER_TERMINATED_CONNECTION_ERROR
            if exc.hci_code in STALE_BOND_CODES or hang_up:
                raise BumbleStaleBondError(exc.hci_code, address, identity) from None
            raise
        self.encrypted_with_bond = True
        self._key_security = _security_of(keys)
        store = getattr(keystore, "store", None)
        bond = store.get(identity) if store is not None else None
        self._key_size = bond.key_size if bond is not None else None

    async def _discover(self) -> BleakGATTServiceCollection:
        assert self._connection is not None
        client = self._connection.gatt_client
        collection = BleakGATTServiceCollection()
        self._proxies.clear()
        self._service_changed = None
        services = await client.discover_services()
        for service in services:
            service_uuid = _uuid128(service.uuid)
            if self._service_filter and service_uuid not in self._service_filter:
                if self._watch_changes and service.uuid == GATT_GENERIC_ATTRIBUTE_SERVICE:
                    # Not shown (filtered out), but its Service Changed is still watched.
                    for char in await client.discover_characteristics((), service):
                        await client.discover_descriptors(char)
                        char.descriptors_discovered = True
                        if char.uuid == GATT_SERVICE_CHANGED_CHARACTERISTIC:
                            self._service_changed = char
                continue
            bleak_service = BleakGATTService(service, service.handle, service_uuid)
            collection.add_service(bleak_service)
            for char in await client.discover_characteristics((), service):
                props = [name for bit, name in _PROPERTY_NAMES if char.properties & bit]
                bleak_char = BleakGATTCharacteristic(
                    char,
                    char.handle,
                    _uuid128(char.uuid),
                    props,  # type: ignore[arg-type]
                    lambda: self.mtu_size - 3,
                    bleak_service,
                )
                collection.add_characteristic(bleak_char)
                self._proxies[char.handle] = char
                if char.uuid == GATT_SERVICE_CHANGED_CHARACTERISTIC:
                    self._service_changed = char
                for desc in await client.discover_descriptors(char):
                    collection.add_descriptor(
                        BleakGATTDescriptor(desc, desc.handle, _uuid128(desc.type), bleak_char)
                    )
                char.descriptors_discovered = True
        return collection

    async def disconnect(self) -> None:
        connection = self._connection
        if connection is None:
            return
        if self.is_connected:
            try:
                await asyncio.wait_for(connection.disconnect(), max(self._op_timeout, 1.0))
            except (core.BaseBumbleError, hci.HCI_Error, TimeoutError) as exc:
                logger.debug("disconnect: %s", exc)
            lost = self._lost
            if lost is not None and not lost.done():
                # The link is gone for us whether or not the event came: say so once.
                self._on_disconnection(hci.HCI_CONNECTION_TERMINATED_BY_LOCAL_HOST_ERROR)
        self._forget()

    async def _abandon(self) -> None:
        with contextlib.suppress(Exception):
            await self.disconnect()
        self._forget()

    def _forget(self) -> None:
        self._connection = None
        self._proxies.clear()
        self._subscribers.clear()
        self.services = None

    def _on_disconnection(self, reason: int) -> None:
        self.disconnect_reason = int(reason)
        if self._lost is not None and not self._lost.done():
            self._lost.set_result(int(reason))
        if self._disconnected_callback is not None:
            self._disconnected_callback()

    def _on_phy_update(self, phy: Any) -> None:
        self._tx_phy = int(getattr(phy, "tx_phy", self._tx_phy or 1))
        self._rx_phy = int(getattr(phy, "rx_phy", self._rx_phy or 1))

    # -- the guard every operation goes through ---------------------------------------
    async def _guarded(self, operation: Awaitable[_T], during: str) -> _T:
        """Run a Bumble operation; it ends with its result, an ATT error, the link's loss
        or `op_timeout`: never a hang, never a bare CancelledError."""
        lost = self._lost
        if self._connection is None or lost is None or lost.done():
            if asyncio.iscoroutine(operation):
                operation.close()
            reason = self.disconnect_reason
            if reason is not None:
                raise BumbleDisconnectedError(reason, during)
            raise BumbleNotConnectedError("not connected")
        task = asyncio.ensure_future(operation)
        waited: set[asyncio.Future[Any]] = {task, lost}
        try:
            done, _pending = await asyncio.wait(
                waited, timeout=self._op_timeout, return_when=asyncio.FIRST_COMPLETED
            )
        except asyncio.CancelledError:
            task.cancel()
            raise
        if task in done:
            try:
                return task.result()
            except asyncio.CancelledError:
                # Bumble cancels the pending ATT response when the link drops.
                reason = self.disconnect_reason if lost.done() else _REASON_UNKNOWN
                raise BumbleDisconnectedError(reason or _REASON_UNKNOWN, during) from None
            except att.ATT_Error as exc:
                raise BleakGATTProtocolError(int(exc.error_code)) from None
            except core.TimeoutError:
                raise TimeoutError(f"no answer during {during}") from None
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        if lost.done():
            raise BumbleDisconnectedError(lost.result(), during)
        raise TimeoutError(f"no answer within {self._op_timeout:g} s during {during}")

    def _proxy(self, characteristic: BleakGATTCharacteristic) -> CharacteristicProxy[bytes]:
        proxy = self._proxies.get(characteristic.handle)
        if proxy is None:
            raise BleakError(f"characteristic handle 0x{characteristic.handle:04X} is unknown")
        return proxy

    # -- I/O ----------------------------------------------------------------------------
    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        conn = self._require()
        if use_cached and characteristic.handle in self._cache:
            return bytearray(self._cache[characteristic.handle])
        value = await self._guarded(
            conn.gatt_client.read_value(characteristic.handle),
            f"the read of handle 0x{characteristic.handle:04X}",
        )
        self._cache[characteristic.handle] = bytes(value)
        return bytearray(value)

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        conn = self._require()
        if use_cached and descriptor.handle in self._cache:
            return bytearray(self._cache[descriptor.handle])
        value = await self._guarded(
            conn.gatt_client.read_value(descriptor.handle),
            f"the read of descriptor 0x{descriptor.handle:04X}",
        )
        self._cache[descriptor.handle] = bytes(value)
        return bytearray(value)

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool
    ) -> None:
        conn = self._require()
        value = bytes(data)
        if not response and len(value) > self.mtu_size - 3:
            raise BleakError(
                f"{len(value)} bytes do not fit a write without response "
                f"(at most {self.mtu_size - 3} with MTU {self.mtu_size}); write with response"
            )
        await self._guarded(
            conn.gatt_client.write_value(characteristic.handle, value, with_response=response),
            f"the write of handle 0x{characteristic.handle:04X}",
        )

    async def write_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, data: SizedBuffer
    ) -> None:
        conn = self._require()
        await self._guarded(
            conn.gatt_client.write_value(descriptor.handle, bytes(data), with_response=True),
            f"the write of descriptor 0x{descriptor.handle:04X}",
        )

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        """Subscribe; notifications are preferred, `indicate=True` asks for indications
        when the characteristic offers both."""
        conn = self._require()
        proxy = self._proxy(characteristic)
        props = proxy.properties
        if not props & (Characteristic.Properties.NOTIFY | Characteristic.Properties.INDICATE):
            raise BleakError(
                f"characteristic 0x{characteristic.handle:04X} supports neither notify nor indicate"
            )
        if proxy.get_descriptor(GATT_CLIENT_CHARACTERISTIC_CONFIGURATION_DESCRIPTOR) is None:
            raise BleakError(
                f"characteristic 0x{characteristic.handle:04X} has no CCCD (0x2902) to subscribe with"
            )
        old = self._subscribers.pop(characteristic.handle, None)
        if old is not None:
            with contextlib.suppress(Exception):
                await self._guarded(conn.gatt_client.unsubscribe(proxy, old), "unsubscribing")

        handle = characteristic.handle

        def on_value(value: bytes) -> None:
            self._cache[handle] = bytes(value)
            callback(bytearray(value))

        self._subscribers[characteristic.handle] = on_value
        await self._guarded(
            conn.gatt_client.subscribe(
                proxy, on_value, prefer_notify=not bool(kwargs.get("indicate"))
            ),
            f"subscribing to handle 0x{characteristic.handle:04X}",
        )

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        conn = self._require()
        proxy = self._proxy(characteristic)
        subscriber = self._subscribers.pop(characteristic.handle, None)
        await self._guarded(
            conn.gatt_client.unsubscribe(proxy, subscriber, force=subscriber is None),
            f"unsubscribing from handle 0x{characteristic.handle:04X}",
        )

    # -- security ---------------------------------------------------------------------
    async def pair(  # type: ignore[override]  # bleak's facade drops the outcome
        self,
        options: PairingOptions | None = None,
        delegate: PairingDelegate | None = None,
        *,
        passkey: int | None = None,
        timeout: float | None = None,
        peer_name: str | None = None,
        **kwargs: Any,
    ) -> PairingOutcome:
        """Pair over SMP (blebench's one pairing stack) and return the outcome.

        With no arguments (bleak's `BleakClient.pair()`): this client's `pairing=` /
        `pairing_delegate=`, else the radio's defaults (`set_pairing_defaults`; default
        NoInputNoOutput, bonding, SC, Just Works accepted). A failed pairing raises
        `BumblePairingError` carrying the SMP reason and the outcome. Other keywords
        bleak's backends take (`protection_level`, `callback`) are ignored."""
        conn = self._require()
        default_options, default_delegate = pairing_defaults(self._device)
        chosen = options or self._pairing or default_options
        prompts = delegate or self._pairing_delegate or default_delegate
        extra: dict[str, float] = {} if timeout is None else {"timeout": timeout}
        try:
            outcome = await pair_connection(
                conn, chosen, prompts, passkey=passkey, peer_name=peer_name or self._name,
                **extra,
            )
        except PairingLinkLost as lost:
            reason = lost.hci_code if lost.hci_code is not None else self.disconnect_reason
            raise BumbleDisconnectedError(
                reason if reason is not None else _REASON_UNKNOWN, f"pairing, {lost.step}"
            ) from None
        self.last_pairing_outcome = outcome
        if outcome.failure is not None:
            raise BumblePairingError(self.address, outcome)
        self._key_size = outcome.key_size
        return outcome

    async def unpair(self) -> None:
        """Forget the bond with this peer (the key store entry) and disconnect."""
        keystore = self._device.keystore
        address = self._peer_address
        if self._connection is not None:
            address = self._connection.peer_address
        await self.disconnect()
        if keystore is not None:
            with contextlib.suppress(KeyError):
                await keystore.delete(str(address))

    def _require(self) -> Connection:
        if self._connection is None or not self.is_connected:
            reason = self.disconnect_reason
            if reason is not None:
                raise BumbleDisconnectedError(reason, "this operation")
            raise BumbleNotConnectedError("not connected")
        return self._connection


@dataclass(frozen=True, slots=True)
class _DeviceRadio:
    """A radio for the scanner when the client was given `device=` only."""

    device: Device
    lost: str | None = None


def _uuid128(uuid: Any) -> str:
    """Bumble UUID -> bleak's 128-bit lowercase dashed string."""
    return uuid_text(bytes(uuid.to_bytes(force_128=True)), little_endian=True)

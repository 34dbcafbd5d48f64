"""What happens to a served device, as events: connections, reads, writes, subscriptions,
pairing, disconnections. `blebench peripheral` prints them (words, or one JSON object a
line with `--json`); in the virtual world nobody listens and they cost nothing.

`watch(device, emit)` hooks a Bumble `Device` (on the virtual world's controller or a
dongle's, the same calls); the device's GATT callbacks (`sim/userdevices.py`) emit the
reads and writes themselves, since only they know the characteristic's format.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bumble.device import Connection, Device


@dataclasses.dataclass(frozen=True, slots=True)
class PeripheralEvent:
    """One thing that happened: `kind` ("connected", "write", ...), words, and fields."""

    kind: str
    text: str
    fields: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    at: float = dataclasses.field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        stamp = datetime.fromtimestamp(self.at, UTC).isoformat(timespec="milliseconds")
        return {"event": self.kind, "time": stamp, **self.fields}

    def line(self) -> str:
        clock = datetime.fromtimestamp(self.at).strftime("%H:%M:%S.%f")[:-3]
        return f"{clock}  {self.kind:<12} {self.text}"


Observer = Callable[[PeripheralEvent], None]


def address_type_name(address: Any) -> str:
    """The words for a Bumble `hci.Address`'s type, as a scanner would say it."""
    from bumble import hci

    if address.address_type in (
        hci.Address.PUBLIC_DEVICE_ADDRESS,
        hci.Address.PUBLIC_IDENTITY_ADDRESS,
    ):
        return "public"
    if address.is_static:
        return "random-static"
    if address.is_resolvable:
        return "resolvable"
    return "non-resolvable"


def peer(connection: Connection) -> dict[str, Any]:
    address = connection.peer_address
    return {
        "peer": str(address).split("/")[0],
        "peer_type": address_type_name(address),
        "handle": connection.handle,
    }


def reason_words(code: int) -> dict[str, Any]:
    from blebench.decode.codes import hci_error

    explained = hci_error(code)
    return {"reason": code, "reason_hex": f"0x{code:02X}", "reason_name": explained.name}


def keys_authenticated(keys: Any) -> bool:
    """Whether pairing keys came from an authenticated (MITM) method. Bumble sets
    `connection.authenticated` after Just Works too (bumble 0.0.236): the LTK knows."""
    for name in ("ltk", "ltk_peripheral", "ltk_central"):
        key = getattr(keys, name, None) if keys is not None else None
        if key is not None and getattr(key, "authenticated", False):
            return True
    return False


def watch(device: Device, emit: Observer) -> None:
    """Emit the link-level events of every connection `device` gets from now on."""
    device.on(device.EVENT_CONNECTION, lambda connection: _connected(connection, emit))


def _connected(connection: Connection, emit: Observer) -> None:
    who = peer(connection)
    params = connection.parameters
    fields = {
        **who,
        "interval_ms": round(float(params.connection_interval), 2),
        "latency": int(params.peripheral_latency),
        "supervision_timeout_ms": round(float(params.supervision_timeout), 1),
        "mtu": int(connection.att_mtu),
    }
    emit(
        PeripheralEvent(
            "connected",
            f"{who['peer']} ({who['peer_type']}) interval {fields['interval_ms']:g} ms, "
            f"latency {fields['latency']}, timeout {fields['supervision_timeout_ms']:g} ms, "
            f"MTU {fields['mtu']}",
            fields,
        )
    )

    def on_mtu() -> None:
        mtu = int(connection.att_mtu)
        emit(PeripheralEvent("mtu", f"{who['peer']} MTU {mtu}", {**who, "mtu": mtu}))

    def on_parameters() -> None:
        p = connection.parameters
        interval = round(float(p.connection_interval), 2)
        emit(
            PeripheralEvent(
                "parameters",
                f"{who['peer']} interval {interval:g} ms, latency {p.peripheral_latency}, "
                f"timeout {float(p.supervision_timeout):g} ms",
                {
                    **who,
                    "interval_ms": interval,
                    "latency": int(p.peripheral_latency),
                    "supervision_timeout_ms": round(float(p.supervision_timeout), 1),
                },
            )
        )

    def on_phy(*_args: Any) -> None:
        phy = getattr(connection, "phy", None)
        _emit_phy(emit, who, phy)

    def on_disconnection(reason: int) -> None:
        words = reason_words(reason)
        emit(
            PeripheralEvent(
                "disconnected",
                f"{who['peer']}: {words['reason_name']} ({words['reason_hex']})",
                {**who, **words},
            )
        )

    def on_pairing_start() -> None:
        emit(PeripheralEvent("pairing", f"{who['peer']} started pairing", {**who,
                                                                           "state": "started"}))

    def on_pairing(keys: Any) -> None:
        mitm = keys_authenticated(keys)
        emit(
            PeripheralEvent(
                "paired",
                f"{who['peer']} paired: "
                f"{'authenticated (MITM)' if mitm else 'unauthenticated (Just Works)'}, "
                f"{'Secure Connections' if connection.sc else 'legacy'}",
                {**who, "authenticated": mitm, "sc": bool(connection.sc)},
            )
        )

    def on_pairing_failure(reason: int) -> None:
        from blebench.decode.codes import smp_error

        name = smp_error(int(reason)).name
        emit(
            PeripheralEvent(
                "pairing_failed",
                f"{who['peer']}: {name} (0x{int(reason):02X})",
                {**who, "reason": int(reason), "reason_name": name},
            )
        )

    def on_encryption() -> None:
        emit(
            PeripheralEvent(
                "encrypted",
                f"{who['peer']} encryption {'on' if connection.encryption else 'off'}",
                {**who, "encrypted": bool(connection.encryption),
                 "authenticated": bool(connection.authenticated)},
            )
        )

    connection.on(connection.EVENT_CONNECTION_ATT_MTU_UPDATE, on_mtu)
    connection.on(connection.EVENT_CONNECTION_PARAMETERS_UPDATE, on_parameters)
    connection.on(connection.EVENT_CONNECTION_PHY_UPDATE, on_phy)
    connection.on(connection.EVENT_PAIRING_START, on_pairing_start)
    connection.on(connection.EVENT_PAIRING, on_pairing)
    connection.on(connection.EVENT_PAIRING_FAILURE, on_pairing_failure)
    connection.on(connection.EVENT_CONNECTION_ENCRYPTION_CHANGE, on_encryption)
    connection.once(connection.EVENT_DISCONNECTION, on_disconnection)
    # The PHY in use is asked once (HCI LE Read PHY); a controller without it says nothing.
    task = asyncio.ensure_future(_read_phy(connection, emit, who))
    _PHY_TASKS.add(task)
    task.add_done_callback(_PHY_TASKS.discard)


_PHY_TASKS: set[asyncio.Task[None]] = set()
_PHY_NAMES = {1: "1M", 2: "2M", 3: "Coded"}


async def _read_phy(connection: Connection, emit: Observer, who: dict[str, Any]) -> None:
    with contextlib.suppress(Exception):
        phy = await asyncio.wait_for(connection.get_phy(), 2.0)
        _emit_phy(emit, who, phy)


def _emit_phy(emit: Observer, who: dict[str, Any], phy: Any) -> None:
    if phy is None:
        return
    tx = _PHY_NAMES.get(int(getattr(phy, "tx_phy", 0)), str(getattr(phy, "tx_phy", "?")))
    rx = _PHY_NAMES.get(int(getattr(phy, "rx_phy", 0)), str(getattr(phy, "rx_phy", "?")))
    emit(PeripheralEvent("phy", f"{who['peer']} PHY tx {tx}, rx {rx}",
                         {**who, "tx_phy": tx, "rx_phy": rx}))

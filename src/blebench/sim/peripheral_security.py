"""A device file's `[device.pairing]` on the one SMP policy (`stack/smp_policy.py`): the
device's `PeripheralSecurity`, a "user" at the device who shows or types the file's
passkey and accepts comparisons, and each SMP PDU shown as it goes (the ladder)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from blebench.pairing.delegate import KeypressKind
from blebench.stack.smp_bridge import DeviceUser, PeripheralSecurity
from blebench.stack.smp_policy import Quirks, SmpObserver, configure_device

if TYPE_CHECKING:
    from bumble.device import Connection, Device

    from blebench.pairing.models import PairingOptions

Say = Callable[[str, str, dict[str, Any]], None]


class FileUser(DeviceUser):
    """The person at a served device: shows its passkey, types the file's, says yes."""

    def __init__(self, say: Say, passkey: int | None) -> None:
        super().__init__()
        self.say = say
        self.passkey = passkey

    async def display_passkey(self, peer: str, passkey: int) -> None:
        await super().display_passkey(peer, passkey)
        self.say("passkey", f"{peer}: the device shows passkey {passkey:06d}",
                 {"peer": peer, "passkey": f"{passkey:06d}", "shown": True})

    async def request_passkey(self, peer: str) -> int | None:
        typed = f"{self.passkey:06d}" if self.passkey is not None else None
        self.say("passkey", f"{peer}: the device types passkey {typed or '(none: it fails)'}",
                 {"peer": peer, "passkey": typed, "shown": False})
        return self.passkey

    async def confirm_numeric(self, peer: str, number: int) -> bool:
        self.say("compare", f"{peer}: numeric comparison {number:06d}, accepted",
                 {"peer": peer, "number": f"{number:06d}"})
        return True

    async def keypress(self, peer: str, kind: KeypressKind) -> None:
        return None


def install(
    device: Device,
    options: PairingOptions,
    say: Say,
    *,
    passkey: int | None = None,
    ignore_sc: bool = False,
    require_mitm_flag: bool = False,
) -> PeripheralSecurity:
    """Give `device` the pairing behaviour of a `[device.pairing]` (userdevices'
    `PairingSpec`); its PDUs go to `say` as they pass."""
    security = PeripheralSecurity(
        options,
        passkey=passkey,
        quirks=Quirks(ignore_secure_connections=ignore_sc, require_mitm_flag=require_mitm_flag),
        user=FileUser(say, passkey),
    )
    security.install(device)
    inner = device.pairing_config_factory

    def factory(connection: Connection) -> Any:
        config = inner(connection)
        observer = security.observers.get(connection.handle)
        if observer is not None:
            observer.watch = _ladder(observer, str(connection.peer_address).split("/")[0], say)
        return config

    configure_device(device, factory)
    return security


def _ladder(observer: SmpObserver, peer: str, say: Say) -> Callable[[], None]:
    shown = 0

    def watch() -> None:
        nonlocal shown
        for pdu in observer.pdus[shown:]:
            arrow = "->" if pdu.outgoing else "<-"
            details = ", ".join(f"{k} {v}" for k, v in pdu.fields.items())
            say("smp", f"{peer} {arrow} {pdu.name}" + (f" ({details})" if details else ""),
                {"peer": peer, "outgoing": pdu.outgoing, "pdu": pdu.name, "code": pdu.code,
                 "fields": dict(pdu.fields)})
        shown = len(observer.pdus)

    return watch

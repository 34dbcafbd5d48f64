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

    from blebench.pairing.delegate import PairingDelegate
    from blebench.pairing.models import PairingOptions

Say = Callable[[str, str, dict[str, Any]], None]
# The person answering at the device now (a face's pairing prompts), or None: the file's
# answers. Asked at each question, so a face may come and go while the device is served.
Person = Callable[[], "PairingDelegate | None"]


def _nobody() -> PairingDelegate | None:
    return None


class FileUser(DeviceUser):
    """The person at a served device: shows its passkey, types the file's, says yes; or,
    when a face answers for the device (`person`), its prompts do: the passkey typed when
    the file gives none, the numeric comparison, the passkey shown."""

    def __init__(self, say: Say, passkey: int | None, person: Person = _nobody) -> None:
        super().__init__()
        self.say = say
        self.passkey = passkey
        self.person = person

    async def display_passkey(self, peer: str, passkey: int) -> None:
        await super().display_passkey(peer, passkey)
        self.say("passkey", f"{peer}: the device shows passkey {passkey:06d}",
                 {"peer": peer, "passkey": f"{passkey:06d}", "shown": True})
        person = self.person()
        if person is not None:
            await person.display_passkey(peer, passkey)

    async def request_passkey(self, peer: str) -> int | None:
        person = self.person()
        if self.passkey is None and person is not None:
            self.say("passkey", f"{peer}: the device asks for the passkey shown on the central",
                     {"peer": peer, "passkey": None, "shown": False, "asked": True})
            answer = await person.request_passkey(peer)
            typed = f"{answer:06d}" if answer is not None else None
            self.say("passkey", f"{peer}: typed {typed or '(nothing: pairing is refused)'}",
                     {"peer": peer, "passkey": typed, "shown": False})
            return answer
        typed = f"{self.passkey:06d}" if self.passkey is not None else None
        self.say("passkey", f"{peer}: the device types passkey {typed or '(none: it fails)'}",
                 {"peer": peer, "passkey": typed, "shown": False})
        return self.passkey

    async def confirm_numeric(self, peer: str, number: int) -> bool:
        person = self.person()
        answer = True if person is None else await person.confirm_numeric(peer, number)
        self.say("compare", f"{peer}: numeric comparison {number:06d}, "
                 f"{'accepted' if answer else 'refused'}",
                 {"peer": peer, "number": f"{number:06d}", "accepted": answer})
        return answer

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
    person: Person = _nobody,
) -> PeripheralSecurity:
    """Give `device` the pairing behaviour of a `[device.pairing]` (userdevices'
    `PairingSpec`); its PDUs go to `say` as they pass."""
    security = PeripheralSecurity(
        options,
        passkey=passkey,
        quirks=Quirks(ignore_secure_connections=ignore_sc, require_mitm_flag=require_mitm_flag),
        user=FileUser(say, passkey, person),
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

"""The questions pairing asks a person, as one protocol the TUI, the CLI and the tests answer.

The SMP bridge (`blebench.stack.smp_policy.BridgeDelegate`) and the BlueZ agent
(`backends/bluez_agent.py`) forward the stack's prompts here; the CLI answers them with
`blebench.commands.prompts.TerminalDelegate`, the TUI with modals. `peer` describes the other
device: its address, and its name when known, which came from the air (each face shows it
escaped: `decode.text.printable` here, `ui/safe_text.py` in the TUI).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

KeypressKind = Literal["started", "digit-entered", "digit-erased", "cleared", "completed"]
KEYPRESS_KINDS: tuple[KeypressKind, ...] = (
    "started", "digit-entered", "digit-erased", "cleared", "completed",
)
PASSKEY_MAX = 999_999
PEER_SHOWN = 80  # a prompt names the peer in at most this many characters


@runtime_checkable
class PairingDelegate(Protocol):
    async def confirm_just_works(self, peer: str) -> bool:
        """Accept pairing with no way to compare anything (Just Works)?"""
        ...

    async def confirm_numeric(self, peer: str, number: int) -> bool:
        """Does the 6-digit number shown here match the one on the peer?"""
        ...

    async def request_passkey(self, peer: str) -> int | None:
        """The passkey to type (shown on the peer); None cancels pairing."""
        ...

    async def display_passkey(self, peer: str, passkey: int) -> None:
        """Show the passkey that the user must type on the peer."""
        ...

    async def keypress(self, peer: str, kind: KeypressKind) -> None:
        """The peer reported a keypress while its user types the passkey."""
        ...


def parse_passkey(text: str) -> int:
    """A passkey as typed: up to 6 digits, 0..999999. Raises ValueError with a clear reason."""
    digits = text.strip().replace(" ", "")
    if not digits.isdigit() or len(digits) > 6:
        raise ValueError(f"a passkey is 1 to 6 digits (0..{PASSKEY_MAX}), not {text!r}")
    return int(digits)


def given_passkey(text: str | None) -> int | None:
    """A passkey given in advance (`--passkey`), None when none was: as `parse_passkey`,
    and 000000 refused, because Bumble's SMP hangs on it."""
    if text is None:
        return None
    passkey = parse_passkey(text)
    if passkey == 0:
        raise ValueError("passkey 000000 cannot be used: Bumble's SMP hangs on it")
    return passkey


@dataclass(slots=True)
class ScriptedDelegate:
    """Answers given in advance (tests, `--passkey`, `--confirm`); every question is recorded.

    `passkey` answers `request_passkey` (None refuses). `events` holds
    ("confirm_just_works" | "confirm_numeric" | "request_passkey" | "display_passkey" |
    "keypress", value) in order, so tests and the lab see who was asked what.
    """

    passkey: int | None = None
    confirm: bool = True
    just_works: bool = True
    events: list[tuple[str, object]] = field(default_factory=list)
    displayed: asyncio.Queue[int] | None = None

    async def confirm_just_works(self, peer: str) -> bool:
        self.events.append(("confirm_just_works", self.just_works))
        return self.just_works

    async def confirm_numeric(self, peer: str, number: int) -> bool:
        self.events.append(("confirm_numeric", number))
        return self.confirm

    async def request_passkey(self, peer: str) -> int | None:
        self.events.append(("request_passkey", self.passkey))
        return self.passkey

    async def display_passkey(self, peer: str, passkey: int) -> None:
        self.events.append(("display_passkey", passkey))
        if self.displayed is not None:
            self.displayed.put_nowait(passkey)

    async def keypress(self, peer: str, kind: KeypressKind) -> None:
        self.events.append(("keypress", kind))

    def asked(self, what: str) -> list[object]:
        return [value for name, value in self.events if name == what]

"""Pairing prompts as modal screens, and the TUI's answer to the pairing delegate protocol.

`TuiPairingDelegate` implements `blebench.pairing.delegate.PairingDelegate`: each question
pushes a modal and awaits the user's answer through a future, so it works from any task
on the app's loop (the session's pairing runs there) without a worker. Showing a passkey
does not wait: pairing goes on while the user types it on the peer, and the pane closes
the modal when pairing ends. The peer's description may come from the air (its name):
shown through `safe_text`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar, cast

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from blebench.pairing.delegate import KeypressKind, parse_passkey
from blebench.pairing.lab import LadderStep
from blebench.ui.safe_text import safe_text

T = TypeVar("T")

PROMPT_CSS = """
PairingPrompt { align: center middle; }
PairingPrompt > Vertical {
    width: 68; height: auto; padding: 1 2;
    border: thick $accent; background: $surface;
}
PairingPrompt .prompt-title { text-style: bold; width: 100%; margin-bottom: 1; }
PairingPrompt .prompt-number {
    text-style: bold; color: $accent; width: 100%; content-align: center middle;
    height: 3; border: round $accent;
}
PairingPrompt .prompt-error { color: $error; height: auto; }
PairingPrompt .prompt-keys { color: $text-muted; height: auto; }
PairingPrompt Horizontal { height: auto; margin-top: 1; }
PairingPrompt Button { margin-right: 2; }
"""


def _peer_line(intro: str, peer: str, outro: str = "") -> Text:
    line = Text(intro)
    line.append_text(safe_text(peer, max_len=60, style="bold"))
    line.append(outro)
    return line


class PairingPrompt(ModalScreen[T]):
    """Base of the pairing modals (shared look; escape answers "no")."""

    DEFAULT_CSS = PROMPT_CSS


class YesNoPrompt(PairingPrompt[bool]):
    """A pairing question answered yes or no: buttons #prompt-yes / #prompt-no, and the
    `answer` action for the subclass's key bindings."""

    @on(Button.Pressed, "#prompt-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#prompt-no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class JustWorksPrompt(YesNoPrompt):
    """Accept a Just Works pairing (nothing to compare: no MITM protection)?"""

    BINDINGS = [Binding("escape", "answer(False)", "Refuse"), Binding("y", "answer(True)", "Accept")]

    def __init__(self, peer: str) -> None:
        super().__init__()
        self.peer = peer

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Just Works pairing", classes="prompt-title")
            yield Static(_peer_line("Pair with ", self.peer, "?"))
            yield Static("Nothing can be compared: this link will be encrypted but not "
                         "protected against a man in the middle.", classes="prompt-keys")
            with Horizontal():
                yield Button("Pair", variant="primary", id="prompt-yes")
                yield Button("Refuse", variant="error", id="prompt-no")


class NumericComparisonPrompt(YesNoPrompt):
    """Does the peer show the same 6-digit number?"""

    BINDINGS = [Binding("escape", "answer(False)", "Differs"), Binding("y", "answer(True)", "Same")]

    def __init__(self, peer: str, number: int) -> None:
        super().__init__()
        self.peer = peer
        self.number = number

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Numeric comparison", classes="prompt-title")
            yield Static(_peer_line("Does ", self.peer, " show this number?"))
            yield Static(f"{self.number:06d}", classes="prompt-number", id="prompt-number")
            with Horizontal():
                yield Button("Same number", variant="success", id="prompt-yes")
                yield Button("Different", variant="error", id="prompt-no")


class RepairPrompt(YesNoPrompt):
    """The device lost the bond we kept (field note 001): delete ours and pair again?"""

    BINDINGS = [Binding("escape", "answer(False)", "Not now"), Binding("y", "answer(True)", "Pair again")]

    def __init__(self, peer: str, reason: str) -> None:
        super().__init__()
        self.peer = peer
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Stale bond", classes="prompt-title")
            yield Static(_peer_line("", self.peer, " no longer has the bond blebench kept; "
                                    "it forgot or reset its keys."))
            yield Static(safe_text(self.reason, max_len=300), classes="prompt-error")
            yield Static("Pair again? blebench deletes the stale bond and pairs with the "
                         "options above (the old bond is put back if pairing fails). If you "
                         "did not reset the device, make sure it is yours.",
                         classes="prompt-keys")
            with Horizontal():
                yield Button("Pair again", variant="primary", id="prompt-yes")
                yield Button("Not now", id="prompt-no")


class PasskeyEntryPrompt(PairingPrompt[int | None]):
    """Type the passkey the peer displays (6 digits); escape cancels pairing."""

    BINDINGS = [Binding("escape", "cancel", "Cancel pairing")]

    def __init__(self, peer: str) -> None:
        super().__init__()
        self.peer = peer
        self.keypresses = 0

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Passkey entry", classes="prompt-title")
            yield Static(_peer_line("Type the 6-digit passkey shown on ", self.peer, ":"))
            yield Input(placeholder="000000", max_length=7, restrict=r"[0-9 ]*", id="prompt-passkey")
            yield Static("", classes="prompt-error", id="prompt-error")
            yield Static("", classes="prompt-keys", id="prompt-keys")
            with Horizontal():
                yield Button("Enter", variant="primary", id="prompt-ok")
                yield Button("Cancel", id="prompt-cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#prompt-ok")
    def _submit(self) -> None:
        text = self.query_one(Input).value
        try:
            passkey = parse_passkey(text)
        except ValueError as exc:
            self.query_one("#prompt-error", Static).update(Text(str(exc)))
            return
        self.dismiss(passkey)

    @on(Button.Pressed, "#prompt-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class PasskeyDisplayPrompt(PairingPrompt[None]):
    """Show the passkey that the user types on the peer; closes when pairing ends."""

    BINDINGS = [Binding("escape", "close", "Hide")]

    def __init__(self, peer: str, passkey: int) -> None:
        super().__init__()
        self.peer = peer
        self.passkey = passkey

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Passkey display", classes="prompt-title")
            yield Static(_peer_line("Type this passkey on ", self.peer, ":"))
            yield Static(f"{self.passkey:06d}", classes="prompt-number", id="prompt-number")
            yield Static("Waiting for the peer…", classes="prompt-keys", id="prompt-keys")
            with Horizontal():
                yield Button("Hide", id="prompt-close")

    def show_keypress(self, kind: KeypressKind) -> None:
        self.query_one("#prompt-keys", Static).update(f"Peer: {kind.replace('-', ' ')}")

    @on(Button.Pressed, "#prompt-close")
    def action_close(self) -> None:
        self.dismiss(None)


class TuiPairingDelegate:
    """The pairing delegate protocol answered with modals on `app`.

    `asked` records (question, answer) so the pane can show what happened; `close()` takes
    down a passkey display still on screen when pairing ends.
    """

    def __init__(self, app: App[object],
                 on_ladder: Callable[[LadderStep], None] | None = None) -> None:
        self.app = app
        self.asked: list[tuple[str, object]] = []
        self._display: PasskeyDisplayPrompt | None = None
        # The live ladder of the attempt (pairing.lab.LadderWatcher): each PDU as it goes.
        self.on_ladder = on_ladder

    def ladder_step(self, step: LadderStep) -> None:
        if self.on_ladder is not None:
            self.on_ladder(step)

    async def _ask(self, screen: PairingPrompt[T]) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()

        def answered(value: T | None) -> None:
            if not future.done():
                # A prompt's dismiss always carries its answer type (None included).
                future.set_result(cast(T, value))

        await self.app.push_screen(screen, answered)
        return await future

    async def confirm_just_works(self, peer: str) -> bool:
        answer = await self._ask(JustWorksPrompt(peer))
        self.asked.append(("confirm_just_works", answer))
        return answer

    async def confirm_numeric(self, peer: str, number: int) -> bool:
        answer = await self._ask(NumericComparisonPrompt(peer, number))
        self.asked.append(("confirm_numeric", answer))
        return answer

    async def request_passkey(self, peer: str) -> int | None:
        answer = await self._ask(PasskeyEntryPrompt(peer))
        self.asked.append(("request_passkey", answer))
        return answer

    async def display_passkey(self, peer: str, passkey: int) -> None:
        self.asked.append(("display_passkey", passkey))
        self.close()
        self._display = PasskeyDisplayPrompt(peer, passkey)
        await self.app.push_screen(self._display)

    async def keypress(self, peer: str, kind: KeypressKind) -> None:
        self.asked.append(("keypress", kind))
        if self._display is not None and self._display.is_attached:
            self._display.show_keypress(kind)

    def close(self) -> None:
        """Take down the passkey display if it is still shown."""
        display, self._display = self._display, None
        if display is not None and display.is_attached and display is self.app.screen:
            display.dismiss(None)

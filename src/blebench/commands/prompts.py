"""The CLI's answers to pairing's questions: prompts on the terminal, or preset answers.

`TerminalDelegate` implements `blebench.pairing.delegate.PairingDelegate` for `blebench
pair` (prompts on stderr, answers read in a thread); `--passkey` and `--confirm` answer in
advance, and with this side NoInputNoOutput a Just Works pairing asks nobody.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import sys
from collections.abc import AsyncIterator, Callable
from typing import TextIO

from blebench.decode.text import printable
from blebench.pairing.delegate import PEER_SHOWN, KeypressKind, parse_passkey
from blebench.pairing.lab import LadderStep
from blebench.pairing.models import IoCapability

JUST_WORKS_ACCEPTED = "Just Works accepted (no MITM protection)."


class TerminalDelegate:
    """Prompts on the terminal (the CLI). Preset answers (`--passkey`, `--confirm`) skip a prompt.

    Prompts go to `out` (stderr by default, so `--json` on stdout stays clean); answers
    are read with `reader` in a thread so the event loop keeps running the link.
    """

    def __init__(
        self,
        *,
        passkey: int | None = None,
        confirm: bool | None = None,
        io: IoCapability | None = None,
        out: TextIO | None = None,
        reader: Callable[[str], str] | None = None,
        ladder: bool = False,
    ) -> None:
        self.passkey = passkey
        self.confirm = confirm
        self.io = io
        self.out = out or sys.stderr
        self.reader = reader or input
        # `--ladder`: each PDU of the attempt said as it goes (pairing.lab.LadderWatcher).
        self.ladder = ladder
        self.steps: list[LadderStep] = []
        self._status = False  # a countdown line is on the terminal (no newline yet)
        self._asking = False  # a prompt waits for the user: no countdown over it

    def _clear_status(self) -> None:
        if self._status:
            self.out.write("\r\x1b[K")
            self._status = False

    def _say(self, text: str) -> None:
        self._clear_status()
        print(text, file=self.out, flush=True)

    def ladder_step(self, step: LadderStep) -> None:
        self.steps.append(step)
        if not self.ladder:
            return
        arrow = {"initiator": "us   ──►", "responder": "   ◄── peer"}.get(step.sender or "", "═ link ═")
        fields = " ".join(
            f"{key}={','.join(map(str, value)) if isinstance(value, list) else value}"
            for key, value in step.fields.items()
        )
        self._say(f"  {step.ms:8.1f} ms  {arrow:12} {step.pdu}{'  ' + fields if fields else ''}")

    @contextlib.asynccontextmanager
    async def counting_down(self, seconds: float, who: str) -> AsyncIterator[None]:
        """While the body runs, a countdown of the seconds the device has left to answer
        SMP, on one line that is rewritten each second (a terminal only: a pipe or a log
        gets no carriage returns), paused while a prompt waits for the user."""
        if not self.out.isatty():
            yield
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds

        async def tick() -> None:
            while True:
                if not self._asking:
                    left = max(0, math.ceil(deadline - loop.time()))
                    self.out.write(f"\r\x1b[Kpairing with {printable(who, PEER_SHOWN)}: "
                                   f"the device has {left} s to answer")
                    self.out.flush()
                    self._status = True
                await asyncio.sleep(1.0)

        task = asyncio.ensure_future(tick())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self._clear_status()
            self.out.flush()

    def say_just_works_accepted(self) -> None:
        self._say(JUST_WORKS_ACCEPTED)

    async def _ask(self, prompt: str) -> str:
        self._clear_status()
        self._asking = True
        self.out.write(prompt)
        self.out.flush()
        try:
            return await asyncio.to_thread(self.reader, "")
        except EOFError:
            # stdin closed (a script, `< /dev/null`): say so rather than a bare cancel.
            self._say("\nno answer: stdin is closed; give it with --passkey N or --confirm yes|no")
            return ""
        finally:
            self._asking = False

    async def _yes_no(self, prompt: str) -> bool:
        while True:
            answer = (await self._ask(f"{prompt} [y/n] ")).strip().lower()
            if answer in ("y", "yes"):
                return True
            if answer in ("n", "no", ""):
                return False
            self._say("Please answer y or n.")

    async def confirm_just_works(self, peer: str) -> bool:
        if self.io is IoCapability.NO_INPUT_NO_OUTPUT and self.confirm is None:
            # This side has no input: nobody is asked (the stack does not ask either).
            self.say_just_works_accepted()
            return True
        if self.confirm is not None:
            self._say(f"Just Works pairing with {printable(peer, PEER_SHOWN)}: {'accepted' if self.confirm else 'refused'} (--confirm).")
            return self.confirm
        return await self._yes_no(f"Pair with {printable(peer, PEER_SHOWN)} using Just Works (no MITM protection)?")

    async def confirm_numeric(self, peer: str, number: int) -> bool:
        if self.confirm is not None:
            self._say(f"Numeric comparison with {printable(peer, PEER_SHOWN)}: {number:06d}, "
                      f"{'confirmed' if self.confirm else 'rejected'} (--confirm).")
            return self.confirm
        return await self._yes_no(f"Does {printable(peer, PEER_SHOWN)} show {number:06d}?")

    async def request_passkey(self, peer: str) -> int | None:
        if self.passkey is not None:
            self._say(f"Typing passkey {self.passkey:06d} for {printable(peer, PEER_SHOWN)} (--passkey).")
            return self.passkey
        for _ in range(3):
            text = await self._ask(f"Passkey shown on {printable(peer, PEER_SHOWN)} (6 digits, empty cancels): ")
            if not text.strip():
                return None
            try:
                return parse_passkey(text)
            except ValueError as err:
                self._say(str(err))
        return None

    async def display_passkey(self, peer: str, passkey: int) -> None:
        self._say(f"Type this passkey on {printable(peer, PEER_SHOWN)}: {passkey:06d}")

    async def keypress(self, peer: str, kind: KeypressKind) -> None:
        self._say(f"  {printable(peer, PEER_SHOWN)}: {kind.replace('-', ' ')}")

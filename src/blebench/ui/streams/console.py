"""The request/response console: write a request, wait for the matching notification.

The wait runs in a worker on the app's loop, so typing, scrolling and the flood of
unrelated notifications all go on while a request is outstanding (field note 002). The
matching itself is the session's (`ReplyMatcher`): the same language as
`blebench console --match`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Select, Static

from blebench.errors import UserInputError
from blebench.session.matching import ConsoleExchange, MatchSpecError, ReplyMatcher
from blebench.ui.safe_text import safe_text
from blebench.userinput import ValueParseError, parse_text, read_hex


class RequestFn(Protocol):
    """The session console's `request` (see `blebench.session.console.RequestConsole`)."""

    def __call__(
        self, data: bytes, matcher: ReplyMatcher | None = None, *, timeout: float = ...
    ) -> Awaitable[ConsoleExchange]: ...


DEFAULT_TIMEOUT_S = 2.0
HISTORY = 50


class RequestError(UserInputError):
    """What the user typed cannot be sent (the message says why)."""


def parse_request(mode: str, text: str) -> bytes:
    """The bytes to write: hex digits (separators allowed) or text with escapes, read as
    `blebench console` reads them (`blebench.userinput`: one grammar for both faces)."""
    try:
        if mode == "hex":
            data = read_hex(text, hint=" (pick text in the mode list for text)")
        else:
            data = parse_text(text)
    except ValueParseError as exc:
        raise RequestError(str(exc)) from None
    if not data:
        raise RequestError("nothing to send")
    return data


def parse_matcher(text: str) -> ReplyMatcher:
    """Space-separated match parts (`prefix:55ab seq:2`); empty is "the next notification"."""
    specs = text.split()
    return ReplyMatcher.parse(specs)


@dataclass(frozen=True, slots=True)
class ConsoleTarget:
    """Where requests go: described in our words, with the function that sends them."""

    description: str  # e.g. "UART Bridge: write 6e400002…, replies on 6e400003…"
    request: RequestFn


class RequestConsole(Vertical):
    """Request input, match input, a Send button and the outcome of the last exchange."""

    DEFAULT_CSS = """
    RequestConsole { height: auto; border-top: solid $primary-muted; }
    RequestConsole > Horizontal { height: auto; }
    RequestConsole #console-mode { width: 12; }
    RequestConsole #console-request { width: 2fr; }
    RequestConsole #console-match { width: 1fr; }
    RequestConsole #console-timeout { width: 9; }
    RequestConsole #console-send { min-width: 8; width: 8; }
    RequestConsole #console-target, RequestConsole #console-result { height: 1; padding: 0 1; }
    """

    BINDINGS = [
        Binding("up", "history(-1)", "Previous request", show=False),
        Binding("down", "history(1)", "Next request", show=False),
    ]

    class Exchanged(Message):
        """A request went out and ended (reply, timeout or error)."""

        def __init__(
            self,
            request: bytes,
            exchange: ConsoleExchange | None,
            error: str | None,
            sent_ms: int | None = None,
        ) -> None:
            super().__init__()
            self.request = request
            self.exchange = exchange
            self.error = error
            # When the request went out (wall clock, ms): where it belongs in the log.
            self.sent_ms = sent_ms if sent_ms is not None else int(time.time() * 1000)

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._target: ConsoleTarget | None = None
        self._history: list[str] = []
        self._history_at = 0
        self.in_flight = 0

    def compose(self) -> ComposeResult:
        yield Static(
            Text("console: subscribe to a notify characteristic to talk to it", style="dim"),
            id="console-target",
        )
        with Horizontal():
            yield Select(
                [("hex", "hex"), ("text", "text")],
                value="hex",
                allow_blank=False,
                id="console-mode",
            )
            yield Input(placeholder="request, e.g. 55 aa 00 01 01 fd", id="console-request")
            yield Input(
                placeholder="match (empty: any notification), e.g. seq:3 prefix:55aa",
                id="console-match",
            )
            yield Input(str(DEFAULT_TIMEOUT_S), placeholder="timeout s", id="console-timeout")
            yield Button("Send", id="console-send", variant="primary")
        yield Static("", id="console-result")

    @property
    def target(self) -> ConsoleTarget | None:
        return self._target

    def set_target(self, target: ConsoleTarget | None) -> None:
        if target == self._target:
            return
        self._target = target
        label = self.query_one("#console-target", Static)
        if target is None:
            label.update(
                Text("console: subscribe to a notify characteristic to talk to it", style="dim")
            )
        else:
            line = Text("console: ", style="bold")
            line.append_text(safe_text(target.description, max_len=140))
            label.update(line)

    def _result(self, text: Text) -> None:
        self.query_one("#console-result", Static).update(text)

    @on(Input.Submitted, "#console-request, #console-match, #console-timeout")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.send()

    @on(Button.Pressed, "#console-send")
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.send()

    def action_history(self, step: int) -> None:
        field = self.query_one("#console-request", Input)
        if not self._history or not field.has_focus:
            return
        self._history_at = max(0, min(len(self._history), self._history_at + step))
        field.value = (
            self._history[self._history_at] if self._history_at < len(self._history) else ""
        )
        field.cursor_position = len(field.value)

    def send(self) -> None:
        """Parse the inputs and send the request in a worker (returns at once)."""
        request_text = self.query_one("#console-request", Input).value
        mode = str(self.query_one("#console-mode", Select).value)
        try:
            data = parse_request(mode, request_text)
            matcher = parse_matcher(self.query_one("#console-match", Input).value)
            timeout = self._timeout()
        except (RequestError, MatchSpecError) as exc:
            self._result(Text(f"✗ {exc}", style="red"))
            return
        if self._target is None:
            self._result(
                Text(
                    "✗ no console target: connect and subscribe to a notify "
                    "characteristic first (GATT pane)",
                    style="red",
                )
            )
            return
        if not self._history or self._history[-1] != request_text:
            self._history.append(request_text)
            del self._history[:-HISTORY]
        self._history_at = len(self._history)
        self.in_flight += 1
        self._result(
            Text(f"… waiting for {matcher.describe()} (up to {timeout:g} s)", style="yellow")
        )
        self.run_worker(self._exchange(self._target, data, matcher, timeout), group="console")

    def _timeout(self) -> float:
        text = self.query_one("#console-timeout", Input).value.strip() or str(DEFAULT_TIMEOUT_S)
        try:
            timeout = float(text)
        except ValueError:
            raise RequestError(f"timeout {text!r} is not a number of seconds") from None
        if not 0 < timeout <= 120:
            raise RequestError("timeout must be between 0 and 120 seconds")
        return timeout

    async def _exchange(
        self, target: ConsoleTarget, data: bytes, matcher: ReplyMatcher, timeout: float
    ) -> None:
        sent_ms = int(time.time() * 1000)
        try:
            exchange = await target.request(data, matcher, timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - shown to the user, the session goes on
            self.in_flight -= 1
            self._result(Text(f"✗ request failed: {exc}", style="red"))
            self.post_message(self.Exchanged(data, None, str(exc), sent_ms))
            return
        self.in_flight -= 1
        if exchange.reply is None:
            line = Text(
                f"✗ no reply matching {exchange.matcher} within {timeout:g} s "
                f"({exchange.unrelated:,} unrelated notifications meanwhile)",
                style="red",
            )
        elif not matcher.parts:
            # Nothing to match on: in a busy stream this is whatever came next, not a reply.
            line = Text(f"✓ next notification in {exchange.elapsed_ms:.1f} ms ", style="green")
            line.append(
                "(no match given: any counts; seq:3 waits for the reply echoing byte 3): ",
                style="dim",
            )
            line.append(exchange.reply.data.hex(" "), style="cyan")
        else:
            line = Text(
                f"✓ reply in {exchange.elapsed_ms:.1f} ms "
                f"({exchange.unrelated:,} unrelated skipped): ",
                style="green",
            )
            line.append(exchange.reply.data.hex(" "), style="cyan")
        self._result(line)
        self.post_message(self.Exchanged(data, exchange, None, sent_ms))

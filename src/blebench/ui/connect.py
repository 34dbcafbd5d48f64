"""Connecting from the scan list: a dialog with progress, and failures in words.

The dialog runs the session's connect in a worker, shows each step as the session reports
it (or the elapsed time when it reports none), and on failure says what happened and what
to try next, with Retry and Close. It never shows a traceback.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, ProgressBar, Static
from textual.worker import WorkerState

from blebench.session.api import StaleBondError
from blebench.ui.safe_text import safe_text

PAIR_AGAIN_STEP = (
    "Pair again deletes the stale bond and pairs with the options of the first pairing "
    "(the Security pane shows how it ends); if you did not reset the device, make sure it "
    "is yours: another device may be using its address"
)


@dataclass(frozen=True, slots=True)
class Failure:
    """A failure told to a person: what happened, and the next thing to try."""

    what: str
    next_step: str


def device_label(name: str | None, address: str) -> Text:
    text = safe_text(name, max_len=40, style="bold") if name else Text("(no name)", style="dim")
    text.append("  ")
    text.append_text(safe_text(address, max_len=40, style="dim"))
    return text


class MessageDialog(ModalScreen[None]):
    """A short explanation (what happened, what next) with one button."""

    BINDINGS = [Binding("escape,enter", "dismiss_dialog", "Close")]

    def __init__(self, title: str, failure: Failure, *, error: bool = True) -> None:
        super().__init__()
        self.title_text = title
        self.failure = failure
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="error" if self.error else "") as dialog:
            dialog.border_title = self.title_text
            yield Static(safe_text(self.failure.what, max_len=600), id="dialog-what")
            yield Static(
                Text("Next: ").append_text(safe_text(self.failure.next_step, max_len=600)),
                id="dialog-next",
            )
            with Horizontal(id="dialog-buttons"):
                yield Button("Close", id="close", variant="primary")

    @on(Button.Pressed, "#close")
    def action_dismiss_dialog(self) -> None:
        self.dismiss(None)


Attempt = Callable[[Callable[[str], None]], Awaitable[object]]
Explain = Callable[[BaseException], Failure]


class ConnectDialog(ModalScreen[bool]):
    """Dismissed with True once connected, False when the user gives up."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("r", "retry", "Retry", show=False),
    ]

    def __init__(
        self,
        name: str | None,
        address: str,
        attempt: Attempt,
        explain: Explain,
        *,
        pair_again: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        # Offered when the bond turns out stale: the guided re-pair, here in the app.
        self.pair_again = pair_again
        self.device_name = name
        self.address = address
        self.attempt = attempt
        self.explain = explain
        self.failure: Failure | None = None
        self._started = 0.0
        self._timer: Timer | None = None
        self._step = "connecting"

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "Connect"
            yield Static(device_label(self.device_name, self.address), id="connect-device")
            yield Static(id="connect-steps")
            yield ProgressBar(total=None, show_eta=False, id="connect-progress")
            yield Static(id="dialog-next")
            with Horizontal(id="dialog-buttons"):
                yield Button("Pair again", id="pair-again", variant="warning")
                yield Button("Retry", id="retry", variant="primary", disabled=True)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#pair-again", Button).display = False
        self._timer = self.set_interval(0.2, self._tick)
        self._run()

    def _tick(self) -> None:
        if self.failure is not None:
            return
        elapsed = time.monotonic() - self._started
        self.query_one("#connect-steps", Static).update(
            Text(f"{self._step}… {elapsed:.1f} s")
        )

    def _progress(self, step: str) -> None:
        # Called by the session from the worker (same event loop): keep it cheap.
        self._step = step
        self._tick()

    def _run(self) -> None:
        self.failure = None
        self._started = time.monotonic()
        self._step = "connecting"
        self.query_one("#dialog").remove_class("error")
        self.query_one("#connect-progress", ProgressBar).display = True
        self.query_one("#retry", Button).disabled = True
        self.query_one("#pair-again", Button).display = False
        self.query_one("#dialog-next", Static).update("")
        self._tick()
        self._connect()

    @work(exclusive=True, group="connect", exit_on_error=False)
    async def _connect(self) -> None:
        await self.attempt(self._progress)

    def on_worker_state_changed(self, event: object) -> None:
        worker = getattr(event, "worker", None)
        state = getattr(event, "state", None)
        if worker is None or worker.group != "connect":
            return
        if state == WorkerState.SUCCESS:
            self.dismiss(True)
        elif state == WorkerState.ERROR and worker.error is not None:
            failure = self.explain(worker.error)
            stale = isinstance(worker.error, StaleBondError) and self.pair_again is not None
            if stale:
                failure = Failure(failure.what, PAIR_AGAIN_STEP)
            self._failed(failure, offer_pair_again=stale)

    def _failed(self, failure: Failure, *, offer_pair_again: bool = False) -> None:
        self.failure = failure
        self.query_one("#dialog").add_class("error")
        self.query_one("#connect-progress", ProgressBar).display = False
        self.query_one("#connect-steps", Static).update(
            Text("✗ ", style="bold red").append_text(safe_text(failure.what, max_len=600))
        )
        self.query_one("#dialog-next", Static).update(
            Text("Next: ").append_text(safe_text(failure.next_step, max_len=600))
        )
        retry = self.query_one("#retry", Button)
        retry.disabled = False
        pair_again = self.query_one("#pair-again", Button)
        pair_again.display = offer_pair_again
        (pair_again if offer_pair_again else retry).focus()

    @on(Button.Pressed, "#pair-again")
    def action_pair_again(self) -> None:
        if self.pair_again is not None and self.query_one("#pair-again", Button).display:
            self.dismiss(False)
            self.pair_again()

    @on(Button.Pressed, "#retry")
    def action_retry(self) -> None:
        if self.failure is not None:
            self._run()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.workers.cancel_group(self, "connect")
        self.dismiss(False)

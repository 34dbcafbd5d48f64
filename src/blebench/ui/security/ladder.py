"""The pairing lab in the TUI: run a combination with real SMP, show the PDU ladder.

The session's `run_lab` pairs two fresh in-process Bumble devices (real SMP); the
ladder shows each PDU with its direction and fields, then the matrix's prediction beside
what was observed, with every disagreement in red. The run is a worker on the app's loop:
the rest of the UI keeps going while it runs.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Static

from blebench.pairing.lab import LabResult, LadderStep
from blebench.pairing.models import PairingOptions, PairingOutcome
from blebench.session.api import SessionApi
from blebench.ui.safe_text import safe_text

_OUTCOME_FIELDS = ("pairing", "method", "passkey_display", "passkey_input", "authenticated",
                   "security_level", "key_size", "bonded", "keypress")


def _field_text(fields: dict[str, Any]) -> str:
    """One `key=value` per line: the row grows downwards instead of running off the
    table's right edge (a Pairing Request's fields are wider than 160 columns in one line)."""
    parts = []
    for key, value in fields.items():
        shown = ",".join(str(v) for v in value) if isinstance(value, list) else str(value)
        parts.append(f"{key}={shown}")
    return "\n".join(parts)


def arrow(step: LadderStep) -> Text:
    if step.sender == "initiator":
        return Text("initiator ──────► responder", style="cyan")
    if step.sender == "responder":
        return Text("initiator ◄────── responder", style="magenta")
    return Text("═════ link ═════", style="yellow")


def _outcome_value(outcome: PairingOutcome, name: str) -> str:
    value = getattr(outcome, name)
    return "yes" if value is True else "no" if value is False else str(value)


def comparison(result: LabResult) -> Text:
    """Predicted vs observed, field by field; differences in red, agreement in green."""
    text = Text()
    verdict = ("✓ observed == predicted" if result.agree
               else f"✗ {len(result.differences)} disagreement(s) with the matrix")
    text.append(verdict + f"  ({result.seconds * 1000:.0f} ms)\n",
                style="bold green" if result.agree else "bold red")
    text.append(f"{'':16}{'predicted':>22}{'observed':>22}\n", style="bold")
    for name in _OUTCOME_FIELDS:
        p = _outcome_value(result.predicted, name)
        o = _outcome_value(result.observed, name)
        text.append(f"{name:16}{p:>22}{o:>22}\n", style="" if p == o else "bold red")
    for outcome, label in ((result.predicted, "predicted"), (result.observed, "observed")):
        failure = outcome.failure
        if failure is not None:
            text.append(f"{label} failure: 0x{failure.code:02X} {failure.name}"
                        f"{' by the ' + failure.by if failure.by else ''}: {failure.why}\n",
                        style="red")
    for difference in result.differences:
        text.append(f"! {difference}\n", style="bold red")
    return text


class LadderView(Vertical):
    """Run the lab for the matrix's current combination and show what happened."""

    DEFAULT_CSS = """
    LadderView { height: 1fr; }
    LadderView > Horizontal { height: auto; }
    LadderView #lab-caption { height: auto; padding: 0 1; width: 1fr; }
    LadderView DataTable { height: 1fr; min-height: 6; }
    LadderView #lab-compare-box { height: 14; border-top: solid $primary-muted; }
    """

    def __init__(self, session: SessionApi, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.session = session
        self.initiator = PairingOptions()
        self.responder = PairingOptions()
        self.result: LabResult | None = None

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Button("Run in lab", id="lab-run", variant="primary")
            yield Static("", id="lab-caption")
        yield DataTable[Text](id="lab-ladder", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="lab-compare-box"):
            yield Static(Text("Run the lab to pair two in-process Bumble devices with these "
                              "options over real SMP.", style="dim"), id="lab-compare")

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        table.add_column("ms", key="ms", width=8)
        table.add_column("direction", key="dir", width=27)
        table.add_column("PDU", key="pdu", width=28)
        table.add_column("fields", key="fields")
        self._caption()

    def set_options(self, initiator: PairingOptions, responder: PairingOptions) -> None:
        self.initiator = initiator
        self.responder = responder
        self._caption()

    def _caption(self) -> None:
        text = Text("initiator: ", style="bold")
        text.append(self.initiator.describe())
        text.append("\nresponder: ", style="bold")
        text.append(self.responder.describe())
        self.query_one("#lab-caption", Static).update(text)

    @on(Button.Pressed, "#lab-run")
    def _run_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.run_lab()

    @work(exclusive=True, group="lab")
    async def run_lab(self) -> LabResult | None:
        button = self.query_one("#lab-run", Button)
        button.disabled = True
        self.query_one("#lab-compare", Static).update(Text("pairing in the lab…", style="yellow"))
        try:
            result = await self.session.run_lab(self.initiator, self.responder)
        except Exception as exc:  # noqa: BLE001 - shown, the app goes on
            self.query_one("#lab-compare", Static).update(Text(f"lab failed: {exc}", style="red"))
            return None
        finally:
            button.disabled = False
        self.show_result(result)
        return result

    # -- a real pairing attempt, live --------------------------------------------------

    def start_live(self, target: str) -> None:
        """A real pairing attempt on this radio begins: its ladder replaces the lab's, each
        PDU added as this side sends it or the peer's arrives (what the peer actually sent)."""
        self.result = None
        table: DataTable[Text] = self.query_one(DataTable)
        table.clear()
        caption = Text("live: ", style="bold")
        caption.append("pairing with ")
        caption.append_text(safe_text(target, max_len=40))
        caption.append(" on this radio (initiator: us)", style="dim")
        self.query_one("#lab-caption", Static).update(caption)
        self.query_one("#lab-compare", Static).update(
            Text("waiting for the device…", style="yellow"))

    def add_step(self, step: LadderStep) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        table.add_row(Text(f"{step.ms:7.1f}", justify="right"), arrow(step),
                      Text(step.pdu, style="bold"), Text(_field_text(step.fields)),
                      height=None)  # our words and numbers (Rich Text: never markup)
        table.move_cursor(row=table.row_count - 1)

    def end_live(self, outcome: Text) -> None:
        """The attempt ended: its outcome (as the pane says it) under the ladder."""
        self.query_one("#lab-compare", Static).update(outcome)

    def show_result(self, result: LabResult) -> None:
        self._caption()
        self.result = result
        table: DataTable[Text] = self.query_one(DataTable)
        table.clear()
        for step in result.ladder:
            table.add_row(Text(f"{step.ms:7.1f}", justify="right"), arrow(step),
                          Text(step.pdu, style="bold"), Text(_field_text(step.fields)),
                          height=None)
        self.query_one("#lab-compare", Static).update(comparison(result))

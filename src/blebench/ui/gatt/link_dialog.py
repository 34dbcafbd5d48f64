"""The Link dialog (`L` in the GATT pane): change the shown link's connection interval,
latency, supervision timeout, PHY, data length and ATT MTU, as `blebench link` does.

A field left empty keeps its value (its placeholder says the value now). What is typed is
checked with the CLI's rules (`SessionApi.check_link_request`, session/link.py): a value
the Core spec does not allow is refused in words beside its field and nothing is sent.
Enter applies (in any field, or the Apply button), Escape closes. While the changes run
the dialog says what it asked for; then it says what the controller and the peer settled
on, or the refusal in words with its HCI status, one line per change, and the link as it
is now; it stays open for another try.

The ATT MTU is exchanged once per connection, at connect (Vol 3 Part F 3.4.2.1): a new
MTU is asked for at every later connect (`SessionApi.prefer_mtu`) and the dialog says so.
On a radio without link control (bleak's OS stacks) the dialog says so when it opens, and
each change comes back "not available" with why, as from the CLI.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, Select, Static

from blebench.session.api import BlebenchError, UserInputError
from blebench.session.link_request import LinkRequest
from blebench.ui.gatt.link_header import PHY_LABELS, LinkValues, link_parts
from blebench.ui.safe_text import safe_text

if TYPE_CHECKING:
    from blebench.session.api import SessionApi
    from blebench.session.link import LinkReport

# (field id, label): the text fields, in the order shown.
NUMBER_FIELDS: tuple[tuple[str, str], ...] = (
    ("interval-min", "Interval min (ms)"),
    ("interval-max", "Interval max (ms)"),
    ("latency", "Latency (events)"),
    ("timeout", "Timeout (ms)"),
    ("data-length", "Data length"),
    ("mtu", "ATT MTU"),
)
WHOLE = frozenset({"latency", "data-length", "mtu"})
# What a field does that its value does not say (shown dim where its error goes).
HINTS = {
    "interval-max": "a range: the controller picks",
    "data-length": "LL octets this side sends",
    "mtu": "ATT: from the next connect on",
}
PHY_CHOICES = [(label, value) for value, label in PHY_LABELS.items()]

# What the CLI prints for each step's status (commands/link.py's print_report).
MARKS = {"settled": "ok", "unchanged": "=", "refused": "REFUSED", "no_answer": "NO ANSWER"}
MARK_STYLES = {"settled": "green", "unchanged": "dim", "refused": "bold red",
               "no_answer": "bold red"}


def _number(text: str, whole: bool) -> float | int:
    """A typed number (ValueError in words when it is none)."""
    try:
        value: float | int = int(text, 0) if whole else float(text)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise ValueError(f"not {kind}: {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"not a number: {text!r}")
    return value


def link_line(link: dict[str, Any] | None, mtu: int | None) -> str:
    """The link in words, as the header says it (ui/gatt/link_header.py)."""
    if link is None:
        return f"MTU {mtu} (the OS stack says no more of the link)"
    return " · ".join(part.forms[0] for part in link_parts(LinkValues.of_state(link, mtu)))


class LinkDialog(ModalScreen[bool]):
    """See the module doc. Dismissed with True when a change was sent."""

    DEFAULT_CSS = """
    LinkDialog { align: center middle; }
    LinkDialog > VerticalScroll {
        width: 96; max-width: 100%; height: auto; max-height: 100%;
        padding: 0 1; border: thick $primary; background: $surface;
    }
    LinkDialog .link-title { text-style: bold; }
    LinkDialog #link-now, LinkDialog #link-note { height: auto; color: $text-muted; }
    LinkDialog Grid {
        grid-size: 3; grid-columns: 19 14 1fr; grid-gutter: 0 1;
        height: auto; margin: 1 0 0 0;
    }
    LinkDialog Grid > * { height: auto; }
    LinkDialog Grid Select { height: 1; }
    LinkDialog Grid Label { padding: 0; }
    LinkDialog .link-error { color: $error; }
    LinkDialog .link-hint { color: $text-muted; }
    LinkDialog #link-buttons { height: auto; margin-top: 1; }
    LinkDialog Button { margin-right: 2; }
    LinkDialog #link-progress { display: none; height: 1; }
    LinkDialog #link-result { height: auto; margin-top: 1; }
    """

    BINDINGS = [Binding("escape", "cancel", "Close")]

    def __init__(self, session: SessionApi, address: str, name: str) -> None:
        super().__init__()
        self.session = session
        self.address = address
        self.device = name
        self.changed = False
        self.link: dict[str, Any] | None = None
        self.applying = False
        self.report: LinkReport | None = None

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self.link = self._read_link()
        now = self.link or {}
        with VerticalScroll():
            title = Text("Link: ", style="bold")
            title.append_text(safe_text(self.device, max_len=40))
            yield Label(title, classes="link-title")
            yield Static(self._now_text(), id="link-now")
            if self.link is None:
                yield Static(self._note(), id="link-note")
            with Grid():
                for field_id, label in NUMBER_FIELDS:
                    yield Label(label)
                    yield Input(placeholder=self._placeholder(field_id, now), compact=True,
                                id=f"link-{field_id}", classes="link-field")
                    yield Static(HINTS.get(field_id, ""), id=f"link-{field_id}-error",
                                 classes="link-error link-hint" if field_id in HINTS else "link-error")
                for side in ("tx", "rx"):
                    yield Label(f"PHY {side}")
                    current = now.get(f"{side}_phy")
                    prompt = f"as now ({PHY_LABELS.get(current, current)})" if current else "as now"
                    if side == "rx":
                        prompt = "as tx"
                    yield Select(PHY_CHOICES, prompt=prompt, compact=True, id=f"link-phy-{side}")
                    yield Static("", id=f"link-phy-{side}-error", classes="link-error")
            with Horizontal(id="link-buttons"):
                yield Button("Apply (Enter)", variant="primary", compact=True, id="link-apply")
                yield Button("Close (Esc)", compact=True, id="link-close")
            yield ProgressBar(total=None, show_eta=False, show_percentage=False,
                              id="link-progress")
            yield Static("Enter applies what is typed; empty fields stay as they are. "
                         "Escape closes.", id="link-result")

    def on_mount(self) -> None:
        self.query_one("#link-interval-min", Input).focus()

    def _read_link(self) -> dict[str, Any] | None:
        try:
            return self.session.link_state(self.address)
        except BlebenchError:
            return None

    def _mtu_now(self) -> int | None:
        connection = self.session.connection(self.address)
        return connection.mtu if connection is not None else None

    def _now_text(self) -> Text:
        return Text("now: " + link_line(self.link, self._mtu_now()))

    @staticmethod
    def _note() -> Text:
        return Text(
            "This radio gives no link control (the OS stack): the interval, latency, "
            "timeout, PHY and data length are its own; Apply says why for each.",
            style="yellow",
        )

    @staticmethod
    def _placeholder(field_id: str, now: dict[str, Any]) -> str:
        value = {
            "interval-min": now.get("interval_ms"),
            "interval-max": None,
            "latency": now.get("latency"),
            "timeout": now.get("supervision_timeout_ms"),
            "data-length": now.get("tx_octets"),
            "mtu": now.get("mtu"),
        }[field_id]
        if field_id == "interval-max":
            return "= min"
        return f"{value:g} now" if isinstance(value, float) else f"{value} now" if value is not None else ""

    # -- checking ---------------------------------------------------------------------------

    def _error(self, field_id: str, words: str) -> None:
        error = self.query_one(f"#link-{field_id}-error", Static)
        error.remove_class("link-hint")
        error.update(Text(words))

    def _clear_errors(self) -> None:
        for field_id, _label in (*NUMBER_FIELDS, ("phy-tx", ""), ("phy-rx", "")):
            error = self.query_one(f"#link-{field_id}-error", Static)
            error.set_class(field_id in HINTS, "link-hint")
            error.update(HINTS.get(field_id, ""))

    def _check_alone(self, field_id: str, request: LinkRequest) -> bool:
        try:
            self.session.check_link_request(request)
        except UserInputError as exc:
            self._error(field_id, str(exc))
            return False
        return True

    def _request(self) -> LinkRequest | None:
        """What is typed as a request the CLI's rules allow, or None with each problem in
        words beside its field."""
        self._clear_errors()
        values: dict[str, float | int | None] = {}
        ok = True
        for field_id, _label in NUMBER_FIELDS:
            text = self.query_one(f"#link-{field_id}", Input).value.strip()
            try:
                values[field_id] = _number(text, field_id in WHOLE) if text else None
            except ValueError as exc:
                self._error(field_id, str(exc))
                values[field_id] = None
                ok = False
        low, high = values["interval-min"], values["interval-max"]
        if low is None and high is not None:
            self._error("interval-min", "give the minimum too (or only it: min = max)")
            high, ok = None, False
        tx = self._phy("tx")
        rx = self._phy("rx")
        if rx is not None and tx is None:
            tx = (self.link or {}).get("tx_phy") or rx  # only rx asked: tx stays as it is
        latency, data_length, mtu = values["latency"], values["data-length"], values["mtu"]
        alone = [
            ("interval-min", LinkRequest(interval_min_ms=low, interval_max_ms=high)),
            ("latency", LinkRequest(latency=int(latency) if latency is not None else None)),
            ("data-length", LinkRequest(data_length=int(data_length)
                                        if data_length is not None else None)),
            ("mtu", LinkRequest(mtu=int(mtu) if mtu is not None else None)),
        ]
        for field_id, request in alone:
            ok = self._check_alone(field_id, request) and ok
        if not ok:
            return None
        timeout = values["timeout"]
        request = LinkRequest(
            interval_min_ms=low,
            interval_max_ms=high,
            latency=int(latency) if latency is not None else None,
            timeout_ms=float(timeout) if timeout is not None else None,
            tx_phy=tx,
            rx_phy=rx,
            data_length=int(data_length) if data_length is not None else None,
            mtu=int(mtu) if mtu is not None else None,
        )
        try:
            # With the live link's values: the timeout against the interval and latency.
            self.session.check_link_request(request, self.address)
        except UserInputError as exc:
            words = str(exc)
            field_id = ("timeout" if "timeout" in words else
                        "interval-min" if "interval" in words else "latency")
            self._error(field_id, words)
            return None
        return request

    def _phy(self, side: str) -> str | None:
        value = self.query_one(f"#link-phy-{side}", Select).value
        return value if isinstance(value, str) else None

    # -- applying ---------------------------------------------------------------------------

    @on(Input.Submitted, ".link-field")
    @on(Button.Pressed, "#link-apply")
    def action_apply(self) -> None:
        if self.applying:
            return
        request = self._request()
        result = self.query_one("#link-result", Static)
        if request is None:
            result.update(Text("Not sent: a value is refused (beside its field).",
                               style="bold red"))
            return
        if request.empty:
            result.update(Text("Nothing to change: type a value in a field (empty fields "
                               "stay as they are).", style="yellow"))
            return
        self._apply(request)

    @work(exclusive=True, group="link-apply", exit_on_error=False)
    async def _apply(self, request: LinkRequest) -> None:
        self.applying = True
        progress = self.query_one("#link-progress", ProgressBar)
        result = self.query_one("#link-result", Static)
        progress.display = True
        result.update(Text("Applying: " + self._asked(request) + " …", style="bold"))
        mtu_words: Text | None = None
        try:
            if request.mtu is not None:
                mtu_words = self._ask_mtu(request.mtu)
            sent = LinkRequest(
                interval_min_ms=request.interval_min_ms,
                interval_max_ms=request.interval_max_ms,
                latency=request.latency,
                timeout_ms=request.timeout_ms,
                tx_phy=request.tx_phy,
                rx_phy=request.rx_phy,
                data_length=request.data_length,
            )
            report = None if sent.empty else await self.session.change_link(self.address, sent)
        except BlebenchError as exc:
            words = Text(f"Not changed: {exc}", style="bold red")
            if exc.next_step:
                words.append(f"\nNext: {exc.next_step}")
            result.update(words)
            return
        finally:
            progress.display = False
            self.applying = False
        self.changed = True
        self.report = report
        self.link = report.link if report is not None and report.control else self._read_link()
        self.query_one("#link-now", Static).update(self._now_text())
        result.update(self._report_text(report, mtu_words))
        self.query_one(VerticalScroll).scroll_end(animate=False)

    @staticmethod
    def _asked(request: LinkRequest) -> str:
        asked: list[str] = []
        if request.interval_min_ms is not None:
            high = request.interval_max_ms
            span = f"{request.interval_min_ms:g}" + (
                f"..{high:g}" if high is not None and high != request.interval_min_ms else "")
            asked.append(f"interval {span} ms")
        if request.latency is not None:
            asked.append(f"latency {request.latency}")
        if request.timeout_ms is not None:
            asked.append(f"timeout {request.timeout_ms:g} ms")
        if request.tx_phy is not None:
            tx = PHY_LABELS.get(request.tx_phy, request.tx_phy)
            rx = PHY_LABELS.get(request.rx_phy or request.tx_phy, request.rx_phy)
            asked.append(f"PHY tx {tx} / rx {rx}")
        if request.data_length is not None:
            asked.append(f"data length {request.data_length}")
        if request.mtu is not None:
            asked.append(f"MTU {request.mtu}")
        return ", ".join(asked)

    def _ask_mtu(self, mtu: int) -> Text:
        now = self._mtu_now()
        if not self.session.prefer_mtu(mtu):
            return Text(f"mtu: not available: the OS stack exchanges its own ATT MTU at "
                        f"connect (this link: {now})", style="yellow")
        return Text(f"mtu: {mtu} is asked for at every later connect (ATT exchanges the MTU "
                    f"once, at connect): this link keeps {now}; disconnect (d) and connect "
                    "again (Enter in the Scan pane) to use it")

    def _report_text(self, report: LinkReport | None, mtu_words: Text | None) -> Text:
        """One line per change, as `blebench link` prints them, then the link now."""
        lines: list[Text] = []
        for step in report.steps if report is not None else ():
            line = Text(f"{step.name.replace('_', ' ')}: ")
            line.append(MARKS.get(step.status, "not available"),
                        style=MARK_STYLES.get(step.status, "yellow"))
            line.append(f": {step.words}")
            lines.append(line)
        if mtu_words is not None:
            lines.append(mtu_words)
        settled = report is not None and report.control
        lines.append(Text(("settled: " if settled else "now: ") + link_line(self.link, self._mtu_now()),
                          style="bold"))
        return Text("\n").join(lines)

    # -- closing ----------------------------------------------------------------------------

    @on(Button.Pressed, "#link-close")
    def action_cancel(self) -> None:
        self.workers.cancel_group(self, "link-apply")
        self.dismiss(self.changed)

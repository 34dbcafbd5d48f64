"""The Security pane: our pairing options (persisted), Pair, the matrix, the lab, the bonds.

Our side's options (IO capability, MITM, Secure Connections, bonding, keypress, key
sizes) live in the settings file's `[pairing]` section and are saved on every change.
The peer's options are what the matrix and the lab compare against. Pair runs the
session's pairing in a worker with `TuiPairingDelegate`, so its questions come up as
modals while the rest of the app keeps running.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from math import ceil

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TabbedContent, TabPane

from blebench.pairing.bonds import BondStore
from blebench.pairing.models import (
    KEY_SIZE_MAX,
    KEY_SIZE_MIN,
    IoCapability,
    PairingOptions,
    PairingOutcome,
)
from blebench.session.api import SessionApi, StaleBondError
from blebench.session.models import ConnectionState
from blebench.ui.safe_text import safe_text
from blebench.ui.security.bonds import BondManager
from blebench.ui.security.ladder import LadderView
from blebench.ui.security.matrix_view import MatrixView
from blebench.ui.security.prompts import RepairPrompt, TuiPairingDelegate
from blebench.ui.settings import PairingSettings, Settings
from blebench.ui.steady import SteadyStatic

IO_CHOICES = [(io.label, io.value) for io in IoCapability]
KEY_SIZES = [(str(n), n) for n in range(KEY_SIZE_MIN, KEY_SIZE_MAX + 1)]


def options_from_settings(pairing: PairingSettings) -> PairingOptions:
    try:
        io = IoCapability.from_name(pairing.io)
    except ValueError:
        io = IoCapability.KEYBOARD_DISPLAY
    return PairingOptions(io=io, mitm=pairing.mitm, sc=pairing.sc, bonding=pairing.bonding,
                          keypress=pairing.keypress, min_key_size=pairing.min_key_size,
                          max_key_size=pairing.max_key_size)


def failure_text(outcome: PairingOutcome, ours: PairingOptions, who: Text | None = None) -> Text:
    """A failed pairing as what was tried and who refused it with what reason: our options
    (and the pairing they asked for), then the SMP reason in words. `who`: the device, as
    the result says which one it was (the label above may name another by then)."""
    failure = outcome.failure
    assert failure is not None
    text = Text("✗ Pairing ", style="bold red")
    if who is not None:
        text.append("with ")
        text.append_text(who)
        text.append(" ")
    if failure.no_answer:
        text.append(f"failed: the device did not answer ({failure.name})")
    else:
        refused = {
            "responder": "refused by the device (responder)",
            "initiator": "refused by our side (initiator)",
        }.get(failure.by or "", "failed")
        code = f"0x{failure.code:02X} " if failure.code else ""
        text.append(f"{refused}: {code}{failure.name}")
    kind = "LE Secure Connections" if outcome.sc else "LE legacy pairing"
    text.append(f"\nwe offered {ours.describe()} ({kind})", style="red")
    text.append("\n")
    text.append_text(safe_text(failure.why, max_len=600, style="red"))
    return text


class SecurityPane(Horizontal):
    """Options on the left; the matrix, the lab ladder and the bonds on the right."""

    # Compact controls (one row each, no tall borders) so the column fits a 100x30
    # terminal with Pair in view; Pair comes right after our options, which it uses.
    DEFAULT_CSS = """
    SecurityPane { height: 1fr; }
    SecurityPane #security-options { width: 44; border-right: solid $primary-muted; }
    SecurityPane #security-options > * { margin: 0 1; }
    SecurityPane #security-options > .section { text-style: bold; color: $accent;
                                                margin: 1 1 0 1; }
    SecurityPane Checkbox { border: none; height: 1; padding: 0; background: transparent; }
    SecurityPane Select { width: 1fr; }
    SecurityPane Select:focus > SelectCurrent { background: $primary 25%; }
    SecurityPane Input { width: 1fr; background: $boost; }
    SecurityPane Input:focus { background: $primary 25%; }
    SecurityPane .keysizes { height: 1; }
    SecurityPane .keysizes Label { padding: 0 1 0 0; }
    SecurityPane .keysizes Select { width: 1fr; }
    SecurityPane #pair-current { height: 2; }  /* fixed: typing a target never moves the Pair button */
    SecurityPane #security-options > #pair-row { height: 1; margin: 1 1 0 1; }
    SecurityPane #pair-target { width: 1fr; }
    SecurityPane #pair-button { width: 10; min-width: 10; margin-left: 1; }
    SecurityPane #pair-result { height: auto; }
    SecurityPane #security-tabs { width: 1fr; }
    """

    BINDINGS = [Binding("P", "pair", "Pair")]

    def __init__(self, session: SessionApi, *, settings: Settings | None = None,
                 bond_store: BondStore | None = None, focus_on_show: bool = True,
                 id: str | None = None) -> None:  # noqa: A002 - Textual's parameter name
        super().__init__(id=id)
        self.session = session
        # False where the screen gives the focus to the pane it shows (the main screen).
        self.focus_on_show = focus_on_show
        self._settings = settings
        # The session's one bond store (what the radio's key store writes through), so a
        # bond deleted in the Bonds tab is gone from the session too.
        self.bond_store = bond_store if bond_store is not None else session.bonds
        # The SMP timeout of Pair (None: the settings' [pairing] smp_timeout_s, 30 s
        # unless changed; the tests shorten it here).
        self.pair_timeout: float | None = None
        self.last_outcome: PairingOutcome | None = None
        self.last_error: str | None = None
        self._loading = True
        # The device the GATT pane shows (address, name): what P pairs with by default.
        self.current_device: tuple[str, str | None] | None = None
        self._shown_target: tuple[str, str | None, str] | None = None  # what "Pair with" says

    # -- settings ---------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        """The app's settings object (shared, so saving never loses another pane's change)."""
        if self._settings is None:
            app_settings = getattr(self.app, "settings", None)
            self._settings = app_settings if isinstance(app_settings, Settings) else Settings()
        return self._settings

    @property
    def options(self) -> PairingOptions:
        return options_from_settings(self.settings.pairing)

    @property
    def smp_timeout(self) -> float:
        """How long Pair waits for SMP: the tests' override, else the setting."""
        if self.pair_timeout is not None:
            return self.pair_timeout
        return self.settings.pairing.smp_timeout_s

    def peer_options(self) -> PairingOptions:
        io = IoCapability(str(self.query_one("#peer-io", Select).value))
        return PairingOptions(
            io=io,
            mitm=self.query_one("#peer-mitm", Checkbox).value,
            sc=self.query_one("#peer-sc", Checkbox).value,
            requires_mitm=self.query_one("#peer-requires-mitm", Checkbox).value,
            sc_only=self.query_one("#peer-sc-only", Checkbox).value,
        )

    # -- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        ours = self.options
        with VerticalScroll(id="security-options"):
            yield Label("Our side (initiator)", classes="section")
            yield Select(IO_CHOICES, value=ours.io.value, allow_blank=False, id="our-io",
                         compact=True)
            yield Checkbox("MITM protection", ours.mitm, id="our-mitm", compact=True)
            yield Checkbox("Secure Connections", ours.sc, id="our-sc", compact=True)
            yield Checkbox("Bonding", ours.bonding, id="our-bonding", compact=True)
            yield Checkbox("Keypress notifications", ours.keypress, id="our-keypress",
                           compact=True)
            with Horizontal(classes="keysizes"):
                yield Label("key size")
                yield Select(KEY_SIZES, value=ours.min_key_size, allow_blank=False,
                             id="our-min-key", compact=True)
                yield Label(" .. ")
                yield Select(KEY_SIZES, value=ours.max_key_size, allow_blank=False,
                             id="our-max-key", compact=True)
            yield Label("Pair with", classes="section")
            yield SteadyStatic(id="pair-current")
            with Horizontal(id="pair-row"):
                yield Input(placeholder="or another: address or name", id="pair-target",
                            compact=True)
                yield Button("Pair", variant="primary", id="pair-button", compact=True)
            yield Static("", id="pair-result")
            yield Label("Peer (responder) for the matrix", classes="section")
            yield Select(IO_CHOICES, value=IoCapability.DISPLAY_ONLY.value, allow_blank=False,
                         id="peer-io", compact=True)
            yield Checkbox("MITM", True, id="peer-mitm", compact=True)
            yield Checkbox("Secure Connections", True, id="peer-sc", compact=True)
            yield Checkbox("requires MITM (policy)", False, id="peer-requires-mitm",
                           compact=True)
            yield Checkbox("SC only mode (policy)", False, id="peer-sc-only", compact=True)
        with TabbedContent(id="security-tabs"):
            with TabPane("Matrix", id="tab-matrix"):
                yield MatrixView(id="matrix-view")
            with TabPane("Lab ladder", id="tab-lab"):
                yield LadderView(self.session, id="lab-view")
            with TabPane("Bonds", id="tab-bonds"):
                yield BondManager(self.bond_store, id="bond-manager")

    def on_mount(self) -> None:
        self._loading = False
        self._options_changed()
        self._show_current()

    def on_show(self) -> None:
        # Shown by its tab: focus the first option, so keys and the footer belong here.
        focused = self.screen.focused
        if self.focus_on_show and (focused is None or self not in focused.ancestors):
            self.query_one("#our-io", Select).focus()
        self._show_current()

    def set_current_device(self, address: str, name: str | None) -> None:
        """The device just connected (and shown in the GATT pane): P pairs with it."""
        self.current_device = (address, name)
        self._show_current()

    def follow_connections(self) -> None:
        """Called on the screen's status timer: the "Pair with" line follows the session's
        connections, which a pairing (or a drop) changes without the Scan pane knowing."""
        self._show_current()

    @on(Input.Changed, "#pair-target")
    def _typed_target(self) -> None:
        # The label names what P pairs with: a typed target wins, so it shows at once.
        self._show_current()

    def _show_current(self) -> None:
        typed = self.query_one("#pair-target", Input).value.strip()
        target = self._connected_device()
        name: str | None = None
        if target:
            current = self.current_device
            if current is not None and current[0] == target:
                name = current[1]
            if not name:
                info = self.session.connection(target)
                name = info.name if info is not None else None
        if (target, name, typed) == self._shown_target:
            return  # unchanged: no repaint on every tick
        self._shown_target = (target, name, typed)
        line = Text()
        if typed:
            line.append("P pairs with ")
            line.append_text(safe_text(typed, max_len=40, style="bold"))
            line.append(" (typed below)", style="dim")
        elif not target:
            line.append("no device connected: connect one in the Scan pane, or type one below",
                        style="dim")
        else:
            line.append("P pairs with ")
            if name:
                line.append_text(safe_text(name, max_len=32, style="bold"))
                line.append(" ")
            line.append_text(safe_text(target, max_len=40, style="dim" if name else "bold"))
        self.query_one("#pair-current", Static).update(line)

    # -- palette ----------------------------------------------------------------------

    def palette_commands(self) -> Iterator[SystemCommand]:
        """The pane's buttons (lab, bonds) and its tabs, reachable from the palette too."""
        bonds = self.query_one(BondManager)
        lab = self.query_one(LadderView)

        def shown(tab: str, then: Callable[[], object] | None = None) -> Callable[[], None]:
            def run() -> None:
                screen = self.screen
                show = getattr(screen, "action_show_pane", None)
                if callable(show):
                    show("security")
                self.query_one("#security-tabs", TabbedContent).active = tab
                if then is not None:
                    then()
            return run

        yield SystemCommand("Security: Show the pairing matrix", "our options against the "
                            "peer's, each combination explained", shown("tab-matrix"))
        yield SystemCommand("Security: Show the PDU ladder", "the last pairing attempt's "
                            "PDUs as they went (live), or the lab's", shown("tab-lab"))
        yield SystemCommand("Security: Run the current combination in the pairing lab",
                            "real SMP between two in-process Bumble devices, the PDU ladder",
                            shown("tab-lab", lab.run_lab))
        yield SystemCommand("Security: Show the bonds", "list, delete, export", shown("tab-bonds"))
        yield SystemCommand("Security: Delete the selected bond…", "asks first",
                            shown("tab-bonds", bonds.action_delete_bond))
        yield SystemCommand("Security: Export the bonds with their keys…", "asks for the file",
                            shown("tab-bonds", bonds.export_bonds))

    # -- options ----------------------------------------------------------------------

    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _changed(self, event: Select.Changed | Checkbox.Changed) -> None:
        widget_id = event.control.id or ""
        if not (widget_id.startswith("our-") or widget_id.startswith("peer-")):
            return
        event.stop()
        if self._loading:
            return
        if widget_id.startswith("our-"):
            self._store_ours()
        self._options_changed()

    def _store_ours(self) -> None:
        pairing = self.settings.pairing
        pairing.io = str(self.query_one("#our-io", Select).value)
        pairing.mitm = self.query_one("#our-mitm", Checkbox).value
        pairing.sc = self.query_one("#our-sc", Checkbox).value
        pairing.bonding = self.query_one("#our-bonding", Checkbox).value
        pairing.keypress = self.query_one("#our-keypress", Checkbox).value
        low = int(str(self.query_one("#our-min-key", Select).value))
        high = int(str(self.query_one("#our-max-key", Select).value))
        if low > high:
            # Keep the pair consistent instead of refusing: the last change wins.
            low = high
            self.query_one("#our-min-key", Select).value = low
        pairing.min_key_size, pairing.max_key_size = low, high
        save = getattr(self.app, "save_settings", None)
        if callable(save):
            save()
        else:
            try:
                self.settings.save()
            except OSError as exc:
                self.notify(f"Settings not saved: {exc}", severity="error", markup=False)

    def _options_changed(self) -> None:
        ours, peer = self.options, self.peer_options()
        self.query_one(MatrixView).show(ours, peer)
        self.query_one(LadderView).set_options(ours, peer)

    # -- pairing ----------------------------------------------------------------------

    @on(Button.Pressed, "#pair-button")
    @on(Input.Submitted, "#pair-target")
    def action_pair(self) -> None:
        field = self.query_one("#pair-target", Input)
        target = field.value.strip() or self._connected_device()
        if not target:
            self._result(Text("Give the device to pair with: its address or its name.",
                              style="yellow"), final=False)
            field.focus()
            return
        # The default stays out of the field: the next device connected is the next default.
        self.pair(target)

    def _connected_device(self) -> str:
        """What Pair means by default: the device the GATT pane shows while it is
        connected, else the connected device when there is exactly one."""
        live = [c.address for c in self.session.all_connections()
                if c.state == ConnectionState.CONNECTED]
        if self.current_device is not None and self.current_device[0] in live:
            return self.current_device[0]
        return live[0] if len(live) == 1 else ""

    def _result(self, text: Text, *, final: bool = True) -> None:
        self.query_one("#pair-result", Static).update(text)
        if final:
            self.query_one(LadderView).end_live(text)

    def pair_again(self, target: str) -> None:
        """The guided re-pair of a stale bond (the Connect dialog's "Pair again"): this pane
        is shown, the bond deleted, and the device paired with the first pairing's options."""
        show = getattr(self.screen, "action_show_pane", None)
        if callable(show):
            show("security")
        self.pair(target, repair_first=True)

    @work(exclusive=True, group="pair")
    async def pair(self, target: str, *, repair_first: bool = False) -> PairingOutcome | None:
        """Pair through the session; prompts come up as modals. `repair_first`: the bond is
        known to be stale, so re-pair at once with the options of the first pairing."""
        ladder = self.query_one(LadderView)
        ladder.start_live(target)
        delegate = TuiPairingDelegate(self.app, on_ladder=ladder.add_step)
        button = self.query_one("#pair-button", Button)
        button.disabled = True
        limit = self.smp_timeout
        # The session's clock (a replay's or a test's frozen one included), so the countdown
        # agrees with every other age the session shows.
        now = self.session.clock
        deadline = [now() + limit]  # a re-pair after the stale-bond prompt restarts it

        def waiting() -> None:
            # A countdown while SMP waits (the stack gives up at the deadline).
            left = max(0, ceil(deadline[0] - now()))
            line = Text("pairing with ")
            line.append_text(safe_text(target, max_len=40))
            line.append(f"… the device has {left} s to answer", style="dim")
            self._result(line, final=False)

        waiting()
        countdown = self.set_interval(1.0, waiting)
        ended = False  # an outcome or an error was shown
        outcome: PairingOutcome | None = None
        offered = self.options  # what the result says we offered (a re-pair: the bond's)
        try:
            try:
                if repair_first:
                    outcome, old = await self.session.repair(target, delegate, None,
                                                             timeout=limit)
                    offered = old.options or offered
                else:
                    outcome = await self.session.pair(target, self.options, delegate,
                                                      timeout=limit)
            except StaleBondError as stale:
                # The guided re-pair (field note 001): ask, then delete and pair again.
                explanation = stale.explanation.meaning if stale.explanation else str(stale)
                if not await self.app.push_screen_wait(RepairPrompt(target, explanation)):
                    raise
                deadline[0] = now() + limit
                outcome, _old = await self.session.repair(target, delegate, self.options,
                                                          timeout=limit)
        except Exception as exc:  # noqa: BLE001 - the session's errors are sentences for users
            ended = True
            self.last_error = str(exc)
            self.last_outcome = None
            line = Text("✗ ", style="bold red")
            line.append_text(safe_text(str(exc), max_len=400, style="red"))
            next_step = getattr(exc, "next_step", None)
            if next_step:
                line.append_text(safe_text(f"\nNext: {next_step}", max_len=400, style="red"))
            self._result(line)
            return None
        finally:
            countdown.stop()
            delegate.close()
            button.disabled = False
            if not ended and outcome is None and self.is_mounted:
                # Cancelled (the pane closed, a new attempt): every attempt ends said.
                self.last_error = "pairing stopped before it finished"
                self._result(Text("✗ pairing stopped before it finished", style="bold red"))
        self.last_outcome = outcome
        self.last_error = None
        who = self._paired_device(target)
        if outcome.failure is None:
            line = Text("✓ Paired with ", style="bold green")
            line.append_text(who)
            line.append(": " + outcome.summary())
            self._result(line)
            # Paired: the typed target is now the connected default, so the field empties
            # and no leftover text outranks the device the label names next time. (After
            # a failure it stays, so P tries the same device again.)
            field = self.query_one("#pair-target", Input)
            if field.value.strip() == target:
                field.value = ""
        else:
            self._result(failure_text(outcome, offered, who))
        self.query_one(BondManager).refresh_bonds()
        return outcome

    def _paired_device(self, target: str) -> Text:
        """`UART Bridge (E8:1C:5A:77:02:C4)` for what was typed (`UART`): the result names
        the device, since the field empties and the label goes back to the GATT pane's."""
        info = self.session.connection(target)
        if info is None:
            # A part of the name, as the session matched it: the linked device it names.
            part = target.strip().lower()
            named = [c for c in self.session.all_connections()
                     if c.is_connected and part and part in (c.name or "").lower()]
            if len(named) != 1:
                return safe_text(target, max_len=40)
            info = named[0]
        if not info.name:
            return Text(info.address)
        who = safe_text(info.name, max_len=40)
        who.append(f" ({info.address})")
        return who

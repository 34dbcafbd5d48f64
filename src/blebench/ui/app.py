"""The blebench App: only global concerns live here (themes, palette commands, settings,
the log). The workflow is `MainScreen`; the session is built outside and passed in, so
the CLI, the tests, the screenshot script and the benchmarks all drive the same App
(`blebench.ui.factory.make_app`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Center, Middle
from textual.keys import _character_to_key
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Footer, LoadingIndicator, Static

from blebench import paths
from blebench.ui.palette import pane_commands, theme_commands
from blebench.ui.settings import DEFAULT_THEME, Settings

if TYPE_CHECKING:
    from textual.timer import Timer

    from blebench.session.api import SessionApi
    from blebench.ui.main_screen import MainScreen

log = logging.getLogger("blebench.ui")

SessionOpener = Callable[[], Awaitable["SessionApi"]]

# Keys typed after an Escape out of a field, or after a pane key, wait for it to be
# handled (a frame or two; under a flood on a loaded machine, a few tenths of a second).
# Every KEY_HOLD_CHECK_S the App looks whether a widget stopped that key (it then never
# reaches the App): the keys go on. KEY_HOLD_MAX_S bounds the wait whatever happens.
KEY_HOLD_CHECK_S = 0.1
KEY_HOLD_MAX_S = 3.0


class StartupScreen(Screen[None]):
    """Shown while the session opens (Bumble's import alone takes about half a second):
    the first frame comes at once, and a radio that cannot be opened is explained here."""

    def compose(self) -> ComposeResult:
        with Middle(), Center():
            yield Static(Text("blebench", style="bold"), id="startup-title")
            yield Static(Text("opening the radio…", style="dim"), id="startup-message")
            yield LoadingIndicator(id="startup-spinner")
        yield Footer()

    def failed(self, message: str) -> None:
        self.query_one("#startup-spinner").display = False
        text = Text("The radio could not be opened:\n", style="bold red")
        text.append(message)
        text.append(
            "\n\nTry `blebench --sim` for the virtual world, or check the options in "
            "`blebench --help`. Press q to quit.",
            style="",
        )
        self.query_one("#startup-message", Static).update(text)


class BlebenchApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "blebench"
    BINDINGS = [
        Binding("q", "quit", "Quit", priority=False),
    ]

    def __init__(
        self,
        settings: Settings,
        session: SessionApi | SessionOpener,
        *,
        themes: Iterable[Theme] = (),
        problems: Iterable[str] = (),
        scan_on_start: bool = True,
        steady_gc: bool = False,
    ) -> None:
        super().__init__()
        _escape_digits_as_alt()
        self.settings = settings
        self.session: SessionApi | None = None
        self._opener: SessionOpener | None = None
        if callable(session):
            self._opener = session
        else:
            self.session = session
        self.scan_on_start = scan_on_start
        self._steady_gc = steady_gc
        # Problems with the user's files (settings, themes), shown once after start.
        self.startup_problems = list(problems)
        for theme in themes:
            self.register_theme(theme)
        wanted = settings.ui.theme
        if wanted not in self.available_themes:
            self.startup_problems.append(
                f"theme {wanted!r} (from the settings) is not installed; using {DEFAULT_THEME}"
            )
            wanted = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
        self.theme = wanted
        self.main_screen: MainScreen | None = None
        # The key whose handling the keys typed after it wait for (see on_event).
        self._key_in_flight: events.Key | None = None
        self._key_handled = False
        self._key_arrived = False
        self._hold_started = 0.0
        self._hold_timer: Timer | None = None
        self._held_keys: list[events.Key] = []

    # -- keys in the order they were typed ---------------------------------------------
    #
    # Textual hands each key to the focused widget at once, while a key's binding (Escape
    # out of a text field, 1-4 for a pane: MainScreen's or a pane's) runs only once the key
    # has bubbled back up to the App, and a pane shown hands the focus over only after its
    # next refresh. Under load, a key typed right after Escape was handed to the field
    # before the Escape had moved the focus, and typed into it (the review's `p` in the
    # console request); a key typed right after a pane key found no focus and nothing bound
    # (`3` then `p` never paused the log). So outside a text field, and after Escape in
    # one, the next keys wait until the key is handled and the focus has settled. A terminal (or tmux) that sends Escape and the
    # next key together gives Alt+key (ESC x): in a field that is Escape, then the key.

    def _in_field(self) -> bool:
        from textual.widgets import Input

        main = self.main_screen
        return main is not None and self.screen is main and isinstance(self.focused, Input)

    def _holds_next(self, key: str) -> bool:
        """Whether the keys typed after `key` wait for it (see above): in a text field only
        Escape (typing goes straight on); elsewhere on the main screen every key, since
        any may move the focus (1-4, `/`, `i`) or change what the next one acts on."""
        main = self.main_screen
        if main is None or self.screen is not main:
            return False
        return key == "escape" or not self._in_field()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not self.screen_stack:
            return  # the App is closing: a key still on its way has nothing to go to
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self._key_in_flight is not None:
                self._held_keys.append(event)
                return
            if self._in_field():
                split = _split_alt(event)
                if split is not None:
                    event, after = split
                    self._held_keys.append(after)
            if self._holds_next(event.key):
                self._key_in_flight = event
                self._key_handled = self._key_arrived = False
                self._hold_started = time.monotonic()
                self._hold_timer = self.set_timer(KEY_HOLD_CHECK_S, self._check_hold)
        await super().on_event(event)

    async def _on_key(self, event: events.Key) -> None:
        # A key reaching the App has bubbled up from the focused widget, and App._on_key
        # (Textual calls it after this one) runs its bindings: the keys typed after it go
        # on once that is done and no pane is still being handed the focus.
        if event is self._key_in_flight:
            self._key_arrived = True
            self.call_next(self._key_done)

    def _key_done(self) -> None:
        self._key_handled = True
        self.keys_may_go()

    def keys_may_go(self) -> None:
        """The main screen has handed the focus to the pane it shows: the keys held behind
        the key that showed it go on (once that key is handled)."""
        main = self.main_screen
        if self._key_in_flight is None or not self._key_handled:
            return
        if main is not None and main.handing_over is not None:
            return
        self._release_keys()

    def _check_hold(self) -> None:
        key = self._key_in_flight
        if key is None:
            return
        # A widget took it (stopped it on its way): it will not reach the App.
        stopped = key._stop_propagation and not self._key_arrived
        if stopped or time.monotonic() - self._hold_started >= KEY_HOLD_MAX_S:
            self._release_keys()
        else:
            self._hold_timer = self.set_timer(KEY_HOLD_CHECK_S, self._check_hold)

    def _release_keys(self) -> None:
        self._key_in_flight = None
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        held, self._held_keys = self._held_keys, []
        # Behind the focus change the key's action queued (Widget.focus is deferred).
        for key in held:
            self.post_message(key)

    def get_default_screen(self) -> Screen[None]:
        if self.session is None:
            return StartupScreen()
        self.main_screen = self._make_main_screen(self.session)
        return self.main_screen

    def _make_main_screen(self, session: SessionApi) -> MainScreen:
        # Imported here, not at the top: the panes (and the decoders they import) are a
        # quarter of a second of imports that the startup screen's first frame need not
        # wait for; they load while the radio opens.
        from blebench.ui.main_screen import MainScreen

        return MainScreen(session, self.settings, scan_on_start=self.scan_on_start)

    @work(exclusive=True, group="session-open", exit_on_error=False)
    async def _open_session(self, opener: SessionOpener) -> None:
        try:
            session = await opener()
        except Exception as exc:  # noqa: BLE001 - said on screen in words, never a traceback
            log.error("the radio could not be opened: %s", exc)
            if isinstance(self.screen, StartupScreen):
                self.screen.failed(str(exc) or type(exc).__name__)
            return
        self.session = session
        self.main_screen = self._make_main_screen(session)
        await self.push_screen(self.main_screen)
        self._settle_collector_later()

    def _settle_collector_later(self) -> None:
        # After the main screen's first frame: what exists then lives as long as the App.
        if self._steady_gc and self.main_screen is not None:
            from blebench.ui.collector import settle_collector

            self.main_screen.call_after_refresh(settle_collector)

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self._opener is None:
            self._settle_collector_later()
        else:
            # After the startup screen's first frame: opening imports bleak and Bumble,
            # half a second that would otherwise come before anything is drawn.
            self.call_after_refresh(self._open_session, self._opener)
        if self.startup_problems:
            for problem in self.startup_problems:
                log.warning("%s", problem)
            self.notify(
                "\n".join(self.startup_problems),
                title="Some settings were not used",
                severity="warning",
                timeout=20,
                markup=False,
            )

    def _theme_changed(self, theme: Theme) -> None:
        if self.settings.ui.theme == theme.name:
            return
        self.settings.ui.theme = theme.name
        self.save_settings()

    def save_settings(self) -> None:
        try:
            self.settings.save()
        except OSError as exc:
            self.notify(
                f"Settings not saved to {self.settings.path or paths.config_file()}: "
                f"{exc.strerror or exc}",
                severity="error",
                markup=False,
            )

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from theme_commands(self)
        main = self.main_screen
        if main is not None and screen is main:
            yield from pane_commands(self, main.command_groups(), main.show_pane_of)
        yield SystemCommand(
            "Show the log file's path",
            "where blebench writes its log (rotated)",
            self.action_show_log_path,
        )

    def action_show_log_path(self) -> None:
        self.notify(f"Log file: {paths.log_file()}", timeout=10, markup=False)



def _escape_digits_as_alt() -> None:
    """ESC and a digit (or - =) in one read is Alt+key, as ESC and a letter already is.

    Textual maps those to the characters macOS's Option key would type (ESC 1 is '¡'),
    which a text field then takes: Escape then 1 typed quickly, or through tmux, typed
    '¡' into the field instead of showing the Scan pane. A '¡' typed as a character
    (UTF-8, not ESC 1) is unchanged."""
    from textual._ansi_sequences import ANSI_SEQUENCES_KEYS

    table = cast("dict[str, object]", ANSI_SEQUENCES_KEYS)
    for sequence in [k for k, v in table.items()
                     if len(k) == 2 and k[0] == "\x1b" and isinstance(v, str)]:
        del table[sequence]


def _split_alt(key: events.Key) -> tuple[events.Key, events.Key] | None:
    """Alt+x as a terminal sends it (ESC, then x, too fast to tell apart) as Escape and x,
    x named as Textual names the key typed alone."""
    character = key.character
    if not key.key.startswith("alt+") or character is None or len(character) != 1:
        return None
    if not character.isprintable():
        return None
    return events.Key("escape", "\x1b"), events.Key(_character_to_key(character), character)

"""`make_app(settings, session)`: the one way to build the App, shared by the CLI
(`blebench.commands.tui`), the tests, `scripts/screenshots.py` and the benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from blebench.ui.app import BlebenchApp, SessionOpener
from blebench.ui.settings import Settings
from blebench.ui.themes import load_all

if TYPE_CHECKING:
    from blebench.session.api import SessionApi


def make_app(
    settings: Settings,
    session: SessionApi | SessionOpener,
    *,
    user_themes_dir: Path | None = None,
    scan_on_start: bool = True,
    steady_gc: bool = False,
) -> BlebenchApp:
    """The App over a built session (or an opener it awaits after its first frame), with
    every theme file loaded and every problem with the user's files collected to be shown
    once. `steady_gc` sets the garbage collector for a long UI session (ui/collector.py):
    the `blebench tui` process and the benchmarks, never a process that builds many Apps."""
    themes = load_all(user_themes_dir)
    return BlebenchApp(
        settings,
        session,
        themes=themes.themes.values(),
        problems=[*settings.problems, *themes.problems],
        scan_on_start=scan_on_start,
        steady_gc=steady_gc,
    )

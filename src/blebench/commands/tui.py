"""`blebench` with no subcommand: the TUI.

The App draws its first frame at once and opens the session (`open_session(args)`, which
imports Bumble: about half a second) behind a startup screen; the session is closed in the
same event loop when the App exits, so `q` leaves no Bumble task behind. The log goes to
`blebench.paths.log_file()`, rotated.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import logging.handlers
import sys

from blebench import paths

LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 3


def setup_logging(level: str = "INFO") -> logging.Handler | None:
    """Everything blebench (and Bumble) logs goes to the rotated log file, never to the
    terminal the TUI draws on. Returns the handler, or None when the file can't be opened."""
    target = paths.log_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            target, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
    except OSError as exc:
        print(f"blebench: no log file ({target}: {exc.strerror}); going on without", file=sys.stderr)
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level, logging.INFO))
    return handler


async def _run(args: argparse.Namespace) -> int:
    from blebench.commands.radio import open_session
    from blebench.ui.factory import make_app
    from blebench.ui.settings import load

    settings = load()
    setup_logging(settings.log.level)
    log = logging.getLogger("blebench.tui")
    log.info("starting the TUI")
    app = make_app(settings, lambda: open_session(args), steady_gc=True)
    try:
        await app.run_async()
    finally:
        if app.session is not None:
            try:
                await app.session.close()
            except Exception:  # noqa: BLE001 - leaving anyway; the log keeps the reason
                log.exception("closing the session")
        log.info("TUI closed")
    return app.return_code or 0


def terminal_problem() -> str | None:
    """Why the TUI cannot run here, or None. Textual reads keys from stdin and draws on
    stderr: without a terminal on both it would crash (stdin closed) or wait forever for
    keys nobody can type (stdin from a file or /dev/null)."""
    stdin, stderr = sys.__stdin__, sys.__stderr__
    if stdin is None or stdin.closed or not stdin.isatty():
        return "the TUI reads keys from a terminal, and stdin is not one"
    if stderr is None or stderr.closed or not stderr.isatty():
        return "the TUI draws on stderr, and stderr is not a terminal"
    return None


def run_tui(args: argparse.Namespace) -> int:
    problem = terminal_problem()
    if problem is not None:
        print(
            f"blebench: {problem}: run it in a terminal, or use a subcommand in scripts "
            "(`blebench scan --json`; `blebench --help` lists them)",
            file=sys.stderr,
        )
        return 2
    return asyncio.run(_run(args))

"""TUI figures: `first_frame_s`, process start to the first frame drawn (goal <= 0.6 s),
and `first_device_s_tui`, process start to the first virtual device in the Scan list
(goal <= 1.5 s). Each run is a fresh process (`blebench`'s own path, as
blebench.commands.tui runs it: make_app over an opener that imports and opens the session
after the first frame), headless, medians reported.

`first_frame_textual_s` is the same figure for a bare Textual app (a title, a spinner and
a footer, as blebench's startup screen has), measured in the same run, its processes
interleaved with blebench's so both see the same machine load; `first_frame_ratio_vs_textual`
is the ratio of the medians (goal <= 1.15): what blebench adds to Textual's own start."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from blebench.session.api import SessionApi

HERE = Path(__file__).resolve().parent


def _child(what: str) -> None:
    import asyncio

    if what == "textual_frame":
        _bare_textual()
        return

    async def main() -> None:
        from blebench.ui.factory import make_app
        from blebench.ui.settings import load

        async def opener() -> SessionApi:
            # As blebench.commands.radio.open_session: the session's imports (bleak,
            # Bumble) happen here, after the first frame.
            from blebench.session.manager import SessionManager, SessionSettings

            return await SessionManager.open(SessionSettings(sim=True, user_devices=False))

        app = make_app(load(), opener)
        done = {"t": 0.0}

        def first_frame() -> None:
            done["t"] = time.time()
            app.exit()

        async def watch_devices() -> None:
            from blebench.ui.scan.table import DeviceTable

            while True:
                await asyncio.sleep(0.01)
                main = app.main_screen
                if main is None or not main.is_mounted:
                    continue
                tables = main.query(DeviceTable)
                if tables and len(tables.first().rows):
                    done["t"] = time.time()
                    app.exit()
                    return

        if what == "first_frame":
            app.call_after_refresh(first_frame)
            watcher = None
        else:
            watcher = asyncio.ensure_future(watch_devices())
        await app.run_async(headless=True, size=(160, 45))
        if watcher is not None:
            watcher.cancel()
        if app.session is not None:
            await app.session.close()
        print(f"{done['t']:.6f}")

    asyncio.run(main())


def _bare_textual() -> None:
    """A bare Textual app's first frame: the yardstick for blebench's."""
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, LoadingIndicator, Static

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("blebench")
            yield LoadingIndicator()
            yield Footer()

    app = Bare()
    done = {"t": 0.0}

    def first_frame() -> None:
        done["t"] = time.time()
        app.exit()

    app.call_after_refresh(first_frame)
    app.run(headless=True, size=(160, 45))
    print(f"{done['t']:.6f}")


# Bytecode as an installed blebench has it (pip compiles at install): the children may
# write it, to a cache of this run's own, even where PYTHONDONTWRITEBYTECODE is set (as on
# the CI machine), so neither app pays for compiling its sources at every start.
_PYCACHE = tempfile.mkdtemp(prefix="blebench-bench-pycache-")


def _measure(what: str) -> float:
    env = dict(os.environ, BLEBENCH_HOME=tempfile.mkdtemp(prefix="blebench-bench-"),
               PYTHONPYCACHEPREFIX=_PYCACHE)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.time()
    out = subprocess.run(
        [sys.executable, str(Path(__file__)), "--child", what],
        capture_output=True, text=True, env=env, timeout=60, check=True,
    )
    return float(out.stdout.strip().splitlines()[-1]) - started


def run(quick: bool) -> dict[str, object]:
    runs = 3 if quick else 7
    _measure("textual_frame")  # warm the file cache (bytecode, shared libraries)
    _measure("first_frame")
    frames: list[float] = []
    bare: list[float] = []
    for _ in range(runs):
        frames.append(_measure("first_frame"))
        bare.append(_measure("textual_frame"))
    devices = [_measure("first_device") for _ in range(2 if quick else 5)]
    frame, bare_frame = statistics.median(frames), statistics.median(bare)
    return {
        "first_frame_s": round(frame, 3),
        "first_frame_textual_s": round(bare_frame, 3),
        "first_frame_ratio_vs_textual": round(frame / bare_frame, 3),
        "first_device_s_tui": round(statistics.median(devices), 3),
    }


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _child(sys.argv[2])
    else:
        print(run("--quick" in sys.argv))

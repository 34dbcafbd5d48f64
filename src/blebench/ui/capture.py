"""The btsnoop capture toggle: key B (and the palette) starts a capture of the session's
HCI traffic to a new file in the data dir, or stops the one running; a palette command
asks for a path first. The file's path is shown in a notification each time, and in the
status line while it runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand

from blebench.session.api import CaptureError
from blebench.ui.path_dialog import PathDialog

if TYPE_CHECKING:
    from blebench.session.api import SessionApi

CAPTURE_KEY = "B"


class CapturePathScreen(PathDialog[Path]):
    """Ask for the capture file; dismisses with the path, or None."""

    PREFIX = "capture"
    OK_LABEL = "Start"

    def __init__(self, default: Path) -> None:
        super().__init__("btsnoop capture of the HCI traffic to", default, lambda path: path)


def _running(session: SessionApi) -> bool:
    status = session.capture_status()
    return status is not None and status.running


def capture_note(session: SessionApi) -> str:
    """The status line's words while a capture runs."""
    status = session.capture_status()
    if status is None or not status.running:
        return ""
    return f"● btsnoop {status.path.name}"


def start_capture(app: App[Any], session: SessionApi, path: Path | None = None) -> None:
    try:
        target = session.start_capture(path)
    except CaptureError as exc:
        app.notify(str(exc), title="No btsnoop capture", severity="error", markup=False)
        return
    app.notify(
        f"Capturing the HCI traffic to {target}\n"
        f"({CAPTURE_KEY} stops it; Wireshark opens the file)",
        title="btsnoop capture started",
        timeout=10,
        markup=False,
    )


def stop_capture(app: App[Any], session: SessionApi) -> None:
    try:
        status = session.stop_capture()
    except CaptureError as exc:
        app.notify(str(exc), severity="warning", markup=False)
        return
    app.notify(
        f"{status.path}\n{status.packets:,} HCI packets, {status.size:,} bytes",
        title="btsnoop capture saved",
        timeout=15,
        markup=False,
    )


def toggle_capture(app: App[Any], session: SessionApi) -> None:
    """Stop the running capture, or start one to a new file in the data dir."""
    if _running(session):
        stop_capture(app, session)
    else:
        start_capture(app, session)


def ask_and_start_capture(app: App[Any], session: SessionApi) -> None:
    def chosen(path: Path | None) -> None:
        if path is not None:
            start_capture(app, session, path)

    app.push_screen(CapturePathScreen(session.new_capture_path()), chosen)


def capture_commands(app: App[Any], session: SessionApi) -> Iterator[SystemCommand]:
    """Palette entries beside the key's own ("btsnoop capture on/off"): a capture to a
    path typed first, when none is running."""
    if _running(session):
        return
    yield SystemCommand(
        "Capture: start a btsnoop capture to a file…",
        "type the path of the capture file (Bumble backend and virtual world)",
        lambda: ask_and_start_capture(app, session),
    )

"""Start and stop a btsnoop capture of the session's HCI traffic while it runs (the
TUI's toggle; `--btsnoop FILE` captures a whole run from the start).

A radio with the `hci_capture` capability (the Bumble backend: a dongle over HCI, or the
virtual world) captures; on any other (the OS stack through bleak: the kernel and
bluetoothd own the packets) the radio's own words say why not.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from blebench import paths
from blebench.backends.base import CaptureFileError
from blebench.session.errors import CaptureError  # (old home)
from blebench.session.models import CaptureStatus  # (old home)

if TYPE_CHECKING:
    from blebench.backends.base import Capture, Radio

CAPTURE_SUFFIX = ".btsnoop"


def captures_dir() -> Path:
    return paths.data_dir() / "captures"


def default_capture_path(now: float | None = None) -> Path:
    """A new file in the data dir, named for the time: captures/blebench-YYYYmmdd-HHMMSS.btsnoop."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    base = captures_dir() / f"blebench-{stamp}"
    candidate = base.with_suffix(CAPTURE_SUFFIX)
    n = 2
    while candidate.exists():  # two captures in one second: never overwrite one
        candidate = base.with_name(f"{base.name}-{n}").with_suffix(CAPTURE_SUFFIX)
        n += 1
    return candidate


def check_capture_file(path: Path | str, option: str = "--btsnoop") -> Path:
    """`path` as a capture can be written to, checked before any radio opens: a folder,
    a missing folder, a device, FIFO or socket (`/dev/full`: every write fails), a file
    or folder without write permission are a `CaptureError` in words (exit 2)."""
    import os
    import stat

    target = Path(path).expanduser()
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise CaptureError(f"{option} {target}: cannot write: {exc.strerror or exc}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise CaptureError(f"{option} {target}: is a folder: give a file name")
    if mode is not None and not stat.S_ISREG(mode):
        raise CaptureError(
            f"{option} {target}: not a regular file (a device, FIFO or socket): "
            "a capture is a file that Wireshark opens"
        )
    if mode is None and not target.parent.is_dir():
        raise CaptureError(f"{option} {target}: no folder {target.parent}")
    try:
        # Opened as the capture will be, without truncating what is there yet.
        with open(target, "ab"):
            pass
    except OSError as exc:
        raise CaptureError(f"{option} {target}: cannot write: {exc.strerror or exc}") from None
    if mode is None:
        target.unlink(missing_ok=True)  # made by the check: the radio may yet not open
    return target


class CaptureControl:
    """The session's one on-demand capture (`session.capture`); `radio()` is the session's
    radio at the moment (its `hci_capture` capability says whether it can)."""

    def __init__(self, radio: Callable[[], Radio]) -> None:
        self._radio = radio
        self._capture: Capture | None = None
        self.last: CaptureStatus | None = None  # the capture that ended last

    @property
    def available(self) -> bool:
        return self._radio().capabilities.hci_capture

    def unavailable_reason(self) -> str | None:
        radio = self._radio()
        if radio.capabilities.hci_capture:
            return None
        return radio.why_not("hci_capture")

    @property
    def running(self) -> bool:
        return self._capture is not None

    def status(self) -> CaptureStatus | None:
        capture = self._capture
        if capture is None:
            return self.last
        return CaptureStatus(
            capture.path, capture.started_wall, capture.packets, capture.size, running=True
        )

    def start(self, path: Path | str | None = None) -> Path:
        """Capture to `path` (a new file in the data dir when None); the path written."""
        why = self.unavailable_reason()
        if why is not None:
            raise CaptureError(why)
        if self._capture is not None:
            raise CaptureError(f"a capture is already running, to {self._capture.path}")
        radio = self._radio()
        if path:
            target = Path(path).expanduser()  # a folder that is missing is a typo: not made
        else:
            target = default_capture_path()
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise CaptureError(f"{target.parent}: cannot make it: {exc.strerror or exc}") from None
        if target.is_dir():
            raise CaptureError(f"{target} is a folder: give a file name")
        try:
            self._capture = radio.start_capture(target)
        except CaptureFileError as exc:
            raise CaptureError(str(exc)) from None
        return target

    def stop(self) -> CaptureStatus:
        capture, self._capture = self._capture, None
        if capture is None:
            raise CaptureError("no capture is running")
        capture.close()
        self.last = CaptureStatus(
            capture.path, capture.started_wall, capture.packets, capture.size, running=False
        )
        return self.last

    def close(self) -> None:
        """End a running capture (the session is closing)."""
        if self._capture is not None:
            self.stop()

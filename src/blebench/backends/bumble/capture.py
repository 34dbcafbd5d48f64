"""A btsnoop capture of a Bumble host's HCI traffic, started and stopped while it runs.

Bumble's host hands every HCI packet to `host.snooper`; a capture puts a `BtSnooper`
there (beside the one `--btsnoop FILE` may have put at startup, which keeps running) and
takes it away on `close()`. The file is written unbuffered, so it grows as packets go
by and Wireshark can open it before the capture ends.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import BinaryIO

from bumble.device import Device
from bumble.snoop import BtSnooper, Snooper

from blebench.backends.base import CaptureFileError

__all__ = ["CaptureFileError", "FileSnooper", "HciCapture"]

logger = logging.getLogger(__name__)


class FileSnooper(BtSnooper):
    """Bumble's btsnoop writer that survives its file: a write that fails (the disk
    full) ends the capture with one warning in the log, never an exception inside the
    host's HCI path (which would break the radio)."""

    def __init__(self, output: BinaryIO) -> None:
        self.failed: str | None = None
        try:
            super().__init__(output)
        except OSError as exc:
            self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        self.failed = exc.strerror or str(exc)
        name = getattr(self.output, "name", "the capture file")
        logger.warning("btsnoop capture to %s stopped: %s", name, self.failed)

    def snoop(self, hci_packet: bytes, direction: Snooper.Direction) -> None:
        if self.failed is not None:
            return
        try:
            super().snoop(hci_packet, direction)
        except OSError as exc:
            self._fail(exc)


class _CountingSnooper(FileSnooper):
    def __init__(self, output: BinaryIO) -> None:
        super().__init__(output)
        self.packets = 0

    def snoop(self, hci_packet: bytes, direction: Snooper.Direction) -> None:
        super().snoop(hci_packet, direction)
        if self.failed is None:
            self.packets += 1


class _Tee(Snooper):
    """Every packet to each snooper in turn (a running --btsnoop capture and ours)."""

    def __init__(self, *snoopers: Snooper) -> None:
        self.snoopers = snoopers

    def snoop(self, hci_packet: bytes, direction: Snooper.Direction) -> None:
        for snooper in self.snoopers:
            snooper.snoop(hci_packet, direction)


class HciCapture:
    """One capture to `path` of `device`'s HCI traffic; `close()` ends it."""

    def __init__(self, device: Device, path: Path) -> None:
        self.device = device
        self.path = path
        self.started_wall = time.time()
        try:
            self._file: BinaryIO = open(path, "wb", buffering=0)  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise CaptureFileError(f"{path}: cannot write: {exc.strerror or exc}") from None
        self._snooper = _CountingSnooper(self._file)
        self._previous = device.host.snooper
        device.host.snooper = (
            self._snooper if self._previous is None else _Tee(self._previous, self._snooper)
        )
        self.closed = False

    @property
    def packets(self) -> int:
        return self._snooper.packets

    @property
    def size(self) -> int:
        """Bytes written so far (the 16-byte header included)."""
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        host = self.device.host
        current = host.snooper
        if current is self._snooper or (
            isinstance(current, _Tee) and self._snooper in current.snoopers
        ):
            host.snooper = self._previous
        self._file.close()

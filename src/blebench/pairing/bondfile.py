"""A bond file on disk: locked, looked at before it is read, written atomically.

Both bond stores (blebench's `bonds.json` and the virtual devices' `sim-bonds.json`) go
through here:

- `locked(path)`: an exclusive lock (flock) on `<file>.lock` beside the file, held around
  every read-modify-write, so two processes pairing at once never lose each other's bond.
  The data file itself is replaced on each write, so it cannot carry the lock. Re-entrant
  within a process.
- `read_file(path)`: only a regular file is opened (never a directory, symlink, FIFO, device
  or socket, which are `Unusable`), without blocking, at most `MAX_BYTES`; a file or folder
  open to others is narrowed to 0600 / 0700 and said in `ReadResult.notes`.
- `loads(raw)`: JSON whose non-finite numbers (`1e999`, `NaN`) become `NonFinite` markers,
  so one bad record can be refused without refusing its neighbours; absurd nesting is
  `Unusable`.
- `atomic_write(path, data)`: a 0600 temp file beside the target, fsync, rename, fsync of
  the folder; `remove_stale_temps(path)` drops the temp files a killed writer left.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import math
import os
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from blebench.decode.text import printable
from blebench.errors import BlebenchError

logger = logging.getLogger(__name__)

MAX_BYTES = 16 * 1024 * 1024  # thousands of bonds fit in a few MB; more is not a bond file
LOCK_TIMEOUT_S = 10.0  # a writer holds the lock for milliseconds; this long means stuck
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class Unusable(Exception):  # noqa: N818 - a state of a file, not a failure of ours
    """The file cannot be used as a bond file; `reason` says why, in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BondFileBusy(BlebenchError, OSError):
    """Another process held the bond file's lock for longer than a write ever takes."""

    kind = "bond_file_busy"


@dataclass(frozen=True, slots=True)
class NonFinite:
    """A JSON number that is not a finite float (`1e999`, `NaN`, `Infinity`): kept as its
    text so a record holding one is refused by name."""

    text: str

    def __repr__(self) -> str:
        return self.text


@dataclass(slots=True)
class ReadResult:
    data: bytes | None  # None: there is no file
    file_note: str | None = None  # the file's mode narrowed (or not narrowable), in words
    folder_note: str | None = None  # the same for its folder

    @property
    def notes(self) -> list[str]:
        return [n for n in (self.file_note, self.folder_note) if n]


# -- the lock -------------------------------------------------------------------------

if sys.platform == "win32":  # pragma: no cover - blebench's CI runs on Linux
    import msvcrt

    def _try_lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


_BUSY = {errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK, getattr(errno, "EDEADLK", -1)}
# One process-wide guard: nested or parallel uses in one process share the flock, which
# would otherwise block against itself (flock belongs to an open file, not a process).
_guard = threading.RLock()
_held: dict[str, tuple[int, int]] = {}  # lock file -> (fd, depth)


def lock_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.lock")


@contextlib.contextmanager
def locked(path: Path, *, timeout: float | None = None, required: bool = True) -> Iterator[bool]:
    """Hold the exclusive lock of the bond file `path`; yields whether it is held.

    `required=False` (reading): a folder where no lock file can be made (read-only) is read
    unlocked, since nothing will be written there either.
    """
    target = lock_path(path)
    key = str(target)
    with _guard:
        if key in _held:
            fd, depth = _held[key]
            _held[key] = (fd, depth + 1)
            try:
                yield True
            finally:
                fd, depth = _held[key]
                _held[key] = (fd, depth - 1)
            return
        try:
            fd = _open_lock(target)
        except OSError:
            if required:
                raise
            yield False
            return
        try:
            _acquire(fd, path, LOCK_TIMEOUT_S if timeout is None else timeout)
        except BaseException:
            os.close(fd)
            raise
        _held[key] = (fd, 1)
        try:
            yield True
        finally:
            del _held[key]
            try:
                _unlock(fd)
            finally:
                os.close(fd)


def _open_lock(target: Path) -> int:
    ensure_private_dir(target.parent)
    fd = os.open(target, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC, PRIVATE_FILE)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, f"{target} is not a regular file")
    return fd


def _acquire(fd: int, path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            _try_lock(fd)
            return
        except OSError as err:
            if err.errno not in _BUSY:
                raise
        if time.monotonic() >= deadline:
            raise BondFileBusy(
                f"another process has held the lock on {path} for over {timeout:.0f} s",
                next_step="let the other blebench finish (or stop it), then try again",
            )
        time.sleep(0.01)


# -- reading --------------------------------------------------------------------------

def kind_of(mode: int) -> str | None:
    """What a file that is not a regular file is, in words; None for a regular file."""
    for test, words in ((stat.S_ISDIR, "a directory"), (stat.S_ISLNK, "a symbolic link"),
                        (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                        (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return words
    return None if stat.S_ISREG(mode) else "not a regular file"


def read_file(path: Path, *, private: bool = True, max_bytes: int = MAX_BYTES) -> ReadResult:
    """The bytes of the regular file `path` (None when there is none). Raises `Unusable`.

    `private`: a file (and its folder) open to others is narrowed to 0600 (0700), with a note.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return ReadResult(None)
    except OSError as err:
        raise Unusable(f"cannot be looked at ({err.strerror})") from None
    kind = kind_of(info.st_mode)
    if kind is not None:
        detail = ""
        if stat.S_ISLNK(info.st_mode):
            with contextlib.suppress(OSError):
                detail = f" to {printable(os.readlink(path), 120)}"
        raise Unusable(f"is {kind}{detail}, not a regular file")
    result = ReadResult(None)
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
    except OSError as err:
        raise Unusable(f"cannot be read ({err.strerror})") from None
    try:
        info = os.fstat(fd)
        kind = kind_of(info.st_mode)
        if kind is not None:  # swapped between the look and the open
            raise Unusable(f"is {kind}, not a regular file")
        if private:
            result.file_note, result.folder_note = _narrow(path, fd, info.st_mode)
        if info.st_size > max_bytes:
            raise Unusable(f"is {info.st_size:,} bytes, more than the {max_bytes:,} a bond file may be")
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise Unusable(f"is more than the {max_bytes:,} bytes a bond file may be")
    except OSError as err:
        raise Unusable(f"cannot be read ({err.strerror})") from None
    finally:
        os.close(fd)
    result.data = data
    return result


def _narrow(path: Path, fd: int, mode: int) -> tuple[str | None, str | None]:
    file_note = folder_note = None
    if stat.S_IMODE(mode) & 0o077:
        try:
            os.fchmod(fd, PRIVATE_FILE)
            file_note = (f"{path} was open to others (mode {stat.S_IMODE(mode):04o}); "
                         "blebench made it 0600, as its keys are secrets")
        except OSError as err:
            file_note = (f"{path} is open to others (mode {stat.S_IMODE(mode):04o}) and "
                         f"blebench cannot make it 0600 ({err.strerror}): its keys are secrets")
    folder = path.parent
    with contextlib.suppress(OSError):
        folder_mode = stat.S_IMODE(os.stat(folder).st_mode)
        if folder_mode & 0o077:
            try:
                os.chmod(folder, PRIVATE_DIR)
                folder_note = (f"the folder {folder} was open to others (mode "
                               f"{folder_mode:04o}); blebench made it 0700")
            except OSError as err:
                folder_note = (f"the folder {folder} is open to others (mode {folder_mode:04o}) "
                               f"and blebench cannot make it 0700 ({err.strerror})")
    return file_note, folder_note


def _finite(text: str) -> float | NonFinite:
    value = float(text)
    return value if math.isfinite(value) else NonFinite(text)


def loads(raw: bytes) -> Any:
    """JSON with `NonFinite` markers for numbers no float holds. Raises `Unusable`."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise Unusable(f"is not UTF-8 text (byte {err.start})") from None
    try:
        return json.loads(text, parse_float=_finite, parse_constant=NonFinite)
    except RecursionError:
        raise Unusable("is nested deeper than any bond file (brackets inside brackets "
                       "thousands deep)") from None
    except ValueError as err:  # JSONDecodeError, or an integer of thousands of digits
        raise Unusable(f"is not valid JSON ({err})") from None


def keep_aside(path: Path) -> Path:
    """Rename `path` (whatever it is) to `<name>.corrupt-<UTC time>` beside it; never deleted."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    os.rename(path, aside)
    with contextlib.suppress(OSError):
        if stat.S_ISREG(os.lstat(aside).st_mode):
            os.chmod(aside, PRIVATE_FILE)
    return aside


# -- writing --------------------------------------------------------------------------

def temp_prefix(path: Path) -> str:
    return f".{path.name}."


def has_temps(path: Path) -> bool:
    """Whether temp files of `path` lie beside it (a writer's, live or killed)."""
    try:
        with os.scandir(path.parent) as entries:
            prefix = temp_prefix(path)
            return any(e.name.startswith(prefix) and e.name.endswith(".tmp") for e in entries)
    except OSError:
        return False


def remove_stale_temps(path: Path) -> int:
    """Remove the temp files of `path` that a writer killed mid-write left. Call under the
    lock: then no live writer has one open."""
    removed = 0
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            if entry.name.startswith(temp_prefix(path)) and entry.name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    if not entry.is_dir(follow_symlinks=False):
                        os.unlink(entry.path)
                        removed += 1
    if removed:
        logger.info("removed %d temp file(s) an interrupted write left beside %s", removed, path)
    return removed


def ensure_private_dir(folder: Path) -> None:
    if not folder.is_dir():
        folder.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            os.chmod(folder, PRIVATE_DIR)


def write_temp(path: Path, data: bytes) -> str:
    """`data` in a new 0600 temp file beside `path`, synced; returns the temp file's path."""
    fd, temp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, PRIVATE_FILE)  # mkstemp already gives 0600; say it, whatever the umask
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return temp


def sync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # the rename itself survives a crash once it is synced
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` all at once (readers see the old or the new file)."""
    temp = write_temp(path, data)
    try:
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    sync_dir(path.parent)

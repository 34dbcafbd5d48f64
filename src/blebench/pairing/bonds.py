"""The bond store: one private JSON file of the peers we bonded with, and their keys.

- Path: `blebench.paths.bonds_file()` (BLEBENCH_HOME in tests). Directory 0700, file 0600;
  wider modes found on opening are narrowed, with a warning.
- Safe beside other processes: every change is a read-modify-write under the file's lock
  (`bondfile.locked`), on the file as it is on disk then, so two `pair` commands at once keep
  both bonds. Reads notice a file another process replaced and load it again.
- Writes are atomic: a temp file in the same directory, fsync, rename, fsync of the dir;
  temp files a killed writer left are removed under the lock.
- A file that cannot be used (not JSON, non-finite numbers, absurd nesting, wrong types, a
  directory or a special file in its place) is moved aside (`bonds.json.corrupt-<UTC
  timestamp>`), never deleted, and reported once as a `BondFileProblem` (a typed warning,
  also kept in `store.problems` for the UI) that says why; the valid bonds found in it are kept.
- Keys are secrets: never logged, never in `repr`; only `export()` writes them, to a
  0600 regular file the user named, on purpose.

The same class is the virtual devices' store (`sim-bonds.json`), one identity per device.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from blebench import paths
from blebench.errors import UserInputError
from blebench.pairing import bondfile
from blebench.pairing.bond_records import (
    FORMAT,
    VERSION,
    BadRecord,
    bonds_of_document,
    normalise_address,
)
from blebench.pairing.models import Bond

logger = logging.getLogger(__name__)

T = TypeVar("T")

RECHECK_S = 0.2  # how stale a read may be of what another process wrote (its writes merge)
_writes: dict[str, int] = {}  # bond file -> writes by this process (all its stores see them)


class BondFileProblem(UserWarning):
    """The bond file could not be used as it was (kept aside when `aside` is set), or its
    mode was narrowed. `message` says what, in words."""

    def __init__(self, message: str, aside: Path | None) -> None:
        super().__init__(message)
        self.message = message
        self.aside = aside


class KeysRefused(UserInputError, OSError):
    """An export or import that would put keys where the user did not mean, or read a file
    that is not a bond export: nothing was written (exit 2)."""

    kind = "keys_refused"


@dataclass(slots=True)
class ImportResult:
    """What `BondStore.import_file` did, bond by bond."""

    source: Path
    added: list[Bond] = field(default_factory=list)
    replaced: list[Bond] = field(default_factory=list)
    unchanged: list[Bond] = field(default_factory=list)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _same_slot(a: Bond, b: Bond) -> bool:
    """One bond per peer per local identity."""
    return a.address == b.address and a.local_address == b.local_address


class BondStore:
    """All bonds: read from the file when it changed, changed under its lock, written atomically."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.bonds_file()
        self.problems: list[BondFileProblem] = []
        self._bonds: list[Bond] | None = None
        self._seen: tuple[int, int, int] | None = None  # (inode, mtime_ns, size) loaded
        self._key = os.fspath(self.path)
        self._checked = 0.0  # when the file was last looked at (monotonic)
        self._writes_seen = 0  # this process's writes to the file, as of the last load
        # Goes up on every change (load, write): caches of what the bonds resolve to
        # (the device registry's) compare it instead of the bonds themselves.
        self.generation = 0
        # Only the first load warns (the faces catch it at open); damage found later, while
        # a TUI owns the terminal, waits in `problems` for the face to show.
        self._warn = True

    # -- reading ----------------------------------------------------------------------
    def bonds(self) -> list[Bond]:
        """The bonds; loaded again when another process replaced the file since."""
        if self._bonds is None or self._stale():
            self._bonds = self._load()
            self.generation += 1
        return self._bonds

    def reload(self) -> list[Bond]:
        self._bonds = None
        return self.bonds()

    def _stale(self) -> bool:
        """Written since by another store of this process (at once), or replaced by another
        process (looked at most every RECHECK_S: `bonds()` runs once per advertisement)."""
        if _writes.get(self._key, 0) != self._writes_seen:
            return True
        now = time.monotonic()
        if now - self._checked < RECHECK_S:
            return False
        self._checked = now
        return self._signature() != self._seen

    def _signature(self) -> tuple[int, int, int] | None:
        self._writes_seen = _writes.get(self._key, 0)
        try:
            info = os.lstat(self._key)
        except OSError:
            return None
        return (info.st_ino, info.st_mtime_ns, info.st_size)

    def _load(self) -> list[Bond]:
        if self._signature() is None:
            self._seen = None  # no file: nothing to lock, nothing made on disk by a read
            if bondfile.has_temps(self.path):
                # ... unless a writer was killed before the first file was made: its temp
                # goes, under the lock (a live writer holds it while its temp is open).
                with bondfile.locked(self.path, required=False) as held:
                    if held:
                        bondfile.remove_stale_temps(self.path)
            return []
        with bondfile.locked(self.path, required=False) as held:
            if held:
                bondfile.remove_stale_temps(self.path)
            try:
                return self._read_locked()
            finally:
                self._seen = self._signature()
                self._warn = False

    def _read_locked(self) -> list[Bond]:
        """The bonds in the file now (call under the lock); damage kept aside and said."""
        result = bondfile.ReadResult(None)
        try:
            result = bondfile.read_file(self.path)
            if result.data is None:
                return []
            document = bondfile.loads(result.data)
            bonds, refused = bonds_of_document(document)
        except (bondfile.Unusable, BadRecord) as err:
            reason = err.reason if isinstance(err, bondfile.Unusable) else str(err)
            aside = self._keep_aside()
            where = f"it was kept as {aside}" if aside else "it could not be moved aside"
            self._problem(f"the bond file {self.path} {reason}; {where} and blebench goes on "
                          "with no bonds from it", aside)
            result.file_note = None  # what was kept aside is 0600 now
            return []
        finally:
            for note in result.notes:  # modes narrowed: said after what matters more
                self._problem(note, aside=None)
        if refused:
            aside = self._keep_aside()
            shown = "; ".join(refused[:3]) + (f"; and {len(refused) - 3} more" if len(refused) > 3 else "")
            self._problem(f"{len(refused)} unreadable bond(s) in {self.path} ({shown}); the file "
                          f"was kept as {aside} and the {len(bonds)} readable bond(s) are used",
                          aside)
            try:
                self._write(bonds)
            except OSError as err:
                logger.info("could not write the readable bonds back to %s: %s", self.path,
                            err.strerror)
        return bonds

    def _keep_aside(self) -> Path | None:
        try:
            return bondfile.keep_aside(self.path)
        except OSError as err:
            logger.info("could not move %s aside: %s", self.path, err.strerror)
            return None

    def _problem(self, message: str, aside: Path | None) -> None:
        problem = BondFileProblem(message, aside)
        self.problems.append(problem)
        logger.info("%s", message)
        if self._warn:
            warnings.warn(problem, stacklevel=4)

    def get(self, address: str, *, local_address: str | None = None) -> Bond | None:
        """The bond of a peer by identity address (or the address it bonded with)."""
        return _find(self.bonds(), normalise_address(address), local_address)

    def resolve(self, address: str, *, local_address: str | None = None) -> Bond | None:
        """The bond a resolvable private address belongs to (its IRK), or the bond of that address."""
        direct = self.get(address, local_address=local_address)
        if direct is not None:
            return direct
        from blebench.decode.address import resolve_rpa

        for bond in self.bonds():
            if local_address is not None and bond.local_address not in (None, local_address):
                continue
            irk = bond.keys.irk
            # Stored IRKs are as SMP carries them (least significant byte first);
            # resolve_rpa wants the spec's most-significant-first key.
            if irk is not None and resolve_rpa(address, [bytes(irk.value)[::-1]]) is not None:
                return bond
        return None

    # -- writing ----------------------------------------------------------------------
    def change(self, edit: Callable[[list[Bond]], tuple[T, bool]]) -> T:
        """Run `edit` on the bonds as the file holds them now, under the file's lock, and
        write them back when it says it changed them. `edit` returns (result, changed)."""
        with bondfile.locked(self.path):
            bondfile.remove_stale_temps(self.path)
            warn, self._warn = self._warn, False  # damage found at a write: in `problems`
            try:
                bonds = self._read_locked()
            finally:
                self._warn = warn
            result, changed = edit(bonds)
            if changed:
                self._write(bonds)
            self._bonds = bonds
            self._seen = self._signature()
            self.generation += 1
            return result

    def put(self, bond: Bond) -> None:
        bond.address = normalise_address(bond.address)
        if not bond.created:
            bond.created = _now()
        if not bond.last_used:
            bond.last_used = bond.created

        def edit(bonds: list[Bond]) -> tuple[None, bool]:
            bonds[:] = [b for b in bonds if not _same_slot(b, bond)]
            bonds.append(bond)
            return None, True

        self.change(edit)

    def annotate(self, address: str, *, local_address: str | None = None,
                 **fields: Any) -> Bond | None:
        """Set what pairing learnt (authenticated, sc, key size, name) on an existing bond."""
        wanted = normalise_address(address)

        def edit(bonds: list[Bond]) -> tuple[Bond | None, bool]:
            bond = _find(bonds, wanted, local_address)
            if bond is None:
                return None, False
            for name, value in fields.items():
                if value is not None:
                    setattr(bond, name, value)
            bond.last_used = _now()
            return bond, True

        return self.change(edit)

    def touch(self, address: str) -> None:
        self.annotate(address)

    def delete(self, address: str, *, local_address: str | None = None) -> bool:
        wanted = normalise_address(address)

        def edit(bonds: list[Bond]) -> tuple[bool, bool]:
            after = [b for b in bonds
                     if not (wanted in (b.address, b.identity_address)
                             and (local_address is None or b.local_address in (None, local_address)))]
            gone = len(after) != len(bonds)
            bonds[:] = after
            return gone, gone

        return self.change(edit)

    def delete_all(self, *, local_address: str | None = None) -> int:
        """Forget every bond of one identity (all when None), in one write; returns how many."""
        def edit(bonds: list[Bond]) -> tuple[int, bool]:
            after = [b for b in bonds
                     if local_address is not None and b.local_address not in (None, local_address)]
            gone = len(bonds) - len(after)
            bonds[:] = after
            return gone, gone > 0

        return self.change(edit)

    def export(self, target: Path, *, replace: bool = True) -> int:
        """Write every bond WITH its keys to the regular file `target` (0600, atomically: a
        temp file beside it, then a rename). Returns how many.

        Refuses (`KeysRefused`, nothing written) a target that is a directory, a symlink, a
        FIFO, a device or a socket, whatever `replace` says; an existing file unless `replace`.
        """
        _check_export_target(target, replace=replace)
        bonds = self.bonds()
        temp = bondfile.write_temp(target, _document(bonds))
        try:
            _check_export_target(target, replace=replace)  # again, just before the rename
            if replace:
                os.replace(temp, target)
            else:
                _link_new(temp, target)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        bondfile.sync_dir(target.parent)
        return len(bonds)

    def import_file(self, source: Path) -> ImportResult:
        """Add (or replace, peer by peer and identity by identity) the bonds of a file that
        `export()` wrote. Refuses (`KeysRefused`, nothing changed) a file that is not a
        regular file, not a bond export, or holds any record that cannot be used."""
        bonds = read_export(source)
        result = ImportResult(source=source)

        def edit(current: list[Bond]) -> tuple[None, bool]:
            for bond in bonds:
                at = next((i for i, b in enumerate(current) if _same_slot(b, bond)), None)
                if at is None:
                    current.append(bond)
                    result.added.append(bond)
                elif current[at].to_record() == bond.to_record():
                    result.unchanged.append(bond)
                else:
                    current[at] = bond
                    result.replaced.append(bond)
            return None, bool(result.added or result.replaced)

        self.change(edit)
        return result

    def _write(self, bonds: list[Bond]) -> None:
        bondfile.ensure_private_dir(self.path.parent)
        with contextlib.suppress(OSError):
            os.chmod(self.path.parent, bondfile.PRIVATE_DIR)
        bondfile.atomic_write(self.path, _document(bonds))
        _writes[self._key] = _writes.get(self._key, 0) + 1


def _find(bonds: list[Bond], wanted: str, local_address: str | None) -> Bond | None:
    for bond in bonds:
        if local_address is not None and bond.local_address not in (None, local_address):
            continue
        if wanted in (bond.address, bond.identity_address):
            return bond
    return None


def _check_export_target(target: Path, *, replace: bool) -> None:
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    except OSError as err:
        raise KeysRefused(f"cannot look at {target} ({err.strerror}); no keys written") from None
    if info is not None:
        kind = bondfile.kind_of(info.st_mode)
        if stat.S_ISDIR(info.st_mode):
            raise KeysRefused(f"{target} is a folder: give a file name; no keys written")
        if kind is not None:
            hint = (" (it would replace the link, not the file it points to)"
                    if stat.S_ISLNK(info.st_mode) else "")
            raise KeysRefused(
                f"{target} is {kind}{hint}: keys go only to a regular file; no keys written",
                next_step="give the name of a new file (or of a regular file, with --force)",
            )
        if not replace:
            raise KeysRefused(f"{target} exists; no keys written",
                              next_step="use --force to replace it, or give another name")
    parent = target.parent
    if not parent.is_dir():
        # A typo in the folder: never made silently for a file of secrets.
        raise KeysRefused(f"{parent} is not a folder here; no keys written",
                          next_step="check the path (or make the folder first)")


def _link_new(temp: str, target: Path) -> None:
    """Put `temp` at `target` only if nothing is there (a hard link never replaces)."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise KeysRefused(f"{target} exists; no keys written",
                          next_step="use --force to replace it, or give another name") from None
    except OSError:
        # A filesystem without hard links: the check just made is the best there is.
        os.replace(temp, target)


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: read_file says what it is
        return path


def read_export(source: Path) -> list[Bond]:
    """The bonds of a file `export()` wrote; every record must be usable. Raises `KeysRefused`."""
    try:
        # The user named this file: a symlink to their export is read as what it points to.
        result = bondfile.read_file(_resolved(source), private=False)
        if result.data is None:
            raise bondfile.Unusable("does not exist")
        document = bondfile.loads(result.data)
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise bondfile.Unusable(f"is not a blebench bond export (no \"format\": \"{FORMAT}\")")
        version = document.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version > VERSION:
            raise bondfile.Unusable(f"is a bond export of version {version!r}; this blebench "
                                    f"reads version {VERSION}")
        bonds, refused = bonds_of_document(document)
    except bondfile.Unusable as err:
        raise KeysRefused(f"{source} {err.reason}; nothing imported") from None
    except BadRecord as err:
        raise KeysRefused(f"{source} {err}; nothing imported") from None
    if refused:
        shown = "; ".join(refused[:3]) + (f"; and {len(refused) - 3} more" if len(refused) > 3 else "")
        raise KeysRefused(f"{source} holds {len(refused)} bond(s) that cannot be used ({shown}); "
                          "nothing imported",
                          next_step="import the file `blebench bonds export` wrote, unedited")
    seen: set[tuple[str, str | None]] = set()
    for bond in bonds:
        bond.address = normalise_address(bond.address)
        slot = (bond.address, bond.local_address)
        if slot in seen:
            raise KeysRefused(f"{source} holds two bonds of {bond.address} for one identity; "
                              "nothing imported")
        seen.add(slot)
    return bonds


def _document(bonds: list[Bond]) -> bytes:
    document = {"format": FORMAT, "version": VERSION, "bonds": [b.to_record() for b in bonds]}
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")

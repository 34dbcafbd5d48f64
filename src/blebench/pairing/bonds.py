"""The bond store: one private JSON file of the peers we bonded with, and their keys.

- Path: `blebench.paths.bonds_file()` (BLEBENCH_HOME in tests). Directory 0700, file 0600.
- Writes are atomic: a temp file in the same directory, fsync, rename, fsync of the dir.
- A file that cannot be read is moved aside (`bonds.json.corrupt-<UTC timestamp>`), never
  deleted, and reported once as a `BondFileProblem` (a typed warning, also kept in
  `store.problems` for the UI); the valid bonds found in it are kept.
- Keys are secrets: never logged, never in `repr`; only `export()` writes them, to a
  0600 file, on purpose.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from blebench import paths
from blebench.pairing.models import Bond

logger = logging.getLogger(__name__)

FORMAT = "blebench-bonds"
VERSION = 1


class BondFileProblem(UserWarning):
    """The bond file could not be read as it was; it was kept aside. `message` says where."""

    def __init__(self, message: str, aside: Path | None) -> None:
        super().__init__(message)
        self.message = message
        self.aside = aside


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def normalise_address(address: str) -> str:
    """`aa-bb-cc-dd-ee-ff` / `aabbccddeeff` / `AA:BB:..` -> `AA:BB:CC:DD:EE:FF`. Raises ValueError."""
    text = address.strip().upper().removesuffix("/P").replace("-", ":")
    if ":" not in text and len(text) == 12:
        text = ":".join(text[i:i + 2] for i in range(0, 12, 2))
    parts = text.split(":")
    if len(parts) != 6 or not all(len(p) == 2 and all(c in "0123456789ABCDEF" for c in p) for p in parts):
        raise ValueError(f"not a Bluetooth address: {address!r} (expected AA:BB:CC:DD:EE:FF)")
    return text


class BondStore:
    """All bonds, loaded once and written back atomically on every change."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.bonds_file()
        self.problems: list[BondFileProblem] = []
        self._bonds: list[Bond] | None = None
        # Goes up on every change (load, write): caches of what the bonds resolve to
        # (the device registry's) compare it instead of the bonds themselves.
        self.generation = 0

    # -- reading ----------------------------------------------------------------------
    def bonds(self) -> list[Bond]:
        if self._bonds is None:
            self._bonds = self._load()
            self.generation += 1
        return self._bonds

    def reload(self) -> list[Bond]:
        self._bonds = None
        return self.bonds()

    def _load(self) -> list[Bond]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as err:
            self._problem(f"cannot read the bond file {self.path}: {err.strerror}; no bonds loaded",
                          aside=None)
            return []
        try:
            document = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            aside = self._move_aside()
            self._problem(f"the bond file {self.path} is not valid JSON ({err}); it was kept as "
                          f"{aside} and blebench starts with no bonds", aside)
            return []
        records = document.get("bonds") if isinstance(document, dict) else None
        if not isinstance(records, list):
            aside = self._move_aside()
            self._problem(f"the bond file {self.path} has no list of bonds; it was kept as {aside}",
                          aside)
            return []
        bonds: list[Bond] = []
        bad = 0
        for record in records:
            try:
                if not isinstance(record, dict):
                    raise ValueError("not an object")
                bond = Bond.from_record(record)
                normalise_address(bond.address)
                bonds.append(bond)
            except (KeyError, ValueError, TypeError):
                bad += 1
        if bad:
            aside = self._move_aside()
            self._problem(f"{bad} unreadable bond(s) in {self.path}; the file was kept as {aside} "
                          f"and the {len(bonds)} readable bond(s) are used", aside)
            self._bonds = bonds
            self._save()
        return bonds

    def _move_aside(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        os.replace(self.path, aside)
        with contextlib.suppress(OSError):
            os.chmod(aside, 0o600)
        return aside

    def _problem(self, message: str, aside: Path | None) -> None:
        problem = BondFileProblem(message, aside)
        self.problems.append(problem)
        logger.info("%s", message)
        warnings.warn(problem, stacklevel=3)

    def get(self, address: str, *, local_address: str | None = None) -> Bond | None:
        """The bond of a peer by identity address (or the address it bonded with)."""
        wanted = normalise_address(address)
        for bond in self.bonds():
            if local_address is not None and bond.local_address not in (None, local_address):
                continue
            if wanted in (bond.address, bond.identity_address):
                return bond
        return None

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
    def put(self, bond: Bond) -> None:
        bond.address = normalise_address(bond.address)
        bonds = [b for b in self.bonds()
                 if not (b.address == bond.address and b.local_address == bond.local_address)]
        if not bond.created:
            bond.created = _now()
        if not bond.last_used:
            bond.last_used = bond.created
        bonds.append(bond)
        self._bonds = bonds
        self._save()

    def annotate(self, address: str, **fields: Any) -> Bond | None:
        """Set what pairing learnt (authenticated, sc, key size, name) on an existing bond."""
        bond = self.get(address)
        if bond is None:
            return None
        for name, value in fields.items():
            if value is not None:
                setattr(bond, name, value)
        bond.last_used = _now()
        self._save()
        return bond

    def touch(self, address: str) -> None:
        self.annotate(address)

    def delete(self, address: str, *, local_address: str | None = None) -> bool:
        wanted = normalise_address(address)
        before = self.bonds()
        after = [b for b in before
                 if not (wanted in (b.address, b.identity_address)
                         and (local_address is None or b.local_address in (None, local_address)))]
        if len(after) == len(before):
            return False
        self._bonds = after
        self._save()
        return True

    def export(self, target: Path) -> int:
        """Write every bond WITH its keys to `target` (0600). Returns how many."""
        bonds = self.bonds()
        _atomic_write(target, _document(bonds), make_dir_private=False)
        return len(bonds)

    def _save(self) -> None:
        self.generation += 1
        _atomic_write(self.path, _document(self.bonds()), make_dir_private=True)


def _document(bonds: list[Bond]) -> bytes:
    document = {"format": FORMAT, "version": VERSION, "bonds": [b.to_record() for b in bonds]}
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def _atomic_write(path: Path, data: bytes, *, make_dir_private: bool) -> None:
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    if make_dir_private:
        os.chmod(directory, 0o700)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, 0o600)  # mkstemp already gives 0600; say it, whatever the umask
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    with contextlib.suppress(OSError):  # the rename itself survives a crash once the dir is synced
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

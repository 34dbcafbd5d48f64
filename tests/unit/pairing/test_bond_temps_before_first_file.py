"""A writer killed -9 before its store's first file was made (the virtual devices'
`sim-bonds.json` after it was kept aside, a first pairing) leaves only its temp file: the
next read of that store removes it under the lock (issue 17 item 2), and a read with
nothing to clean still makes nothing on disk."""

from __future__ import annotations

from pathlib import Path

from blebench import paths
from blebench.pairing import bondfile
from blebench.pairing.bonds import BondStore


def test_a_temp_left_before_the_first_file_goes_at_the_next_read() -> None:
    path = paths.sim_bonds_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    left = path.parent / f"{bondfile.temp_prefix(path)}k9x2.tmp"
    left.write_text('{"format": "blebench-bo')  # cut where the kill came
    assert BondStore(path).bonds() == []
    assert not left.exists()
    assert not path.exists()  # nothing written by a read


def test_a_read_without_a_file_or_temps_makes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "data" / "bonds.json"
    path.parent.mkdir()
    assert BondStore(path).bonds() == []
    assert list(path.parent.iterdir()) == []  # no lock file either

"""Where bleak's own tests and examples come from (hbldh/bleak's source tree), first found:

1. `BLEBENCH_BLEAK_SOURCE`: a checkout (or an unpacked source tree, or a .tar.gz of one)
   of hbldh/bleak holding `tests/integration`, ideally at the installed version's tag;
2. the installed version's sdist from PyPI (`pip download --no-binary bleak`), when it
   ships `tests/` (bleak 3.1.0's does not: the tests using it are skipped and say so).

Nothing of bleak's is copied into this project: it is read where it lies.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from importlib.metadata import version
from pathlib import Path


def _tree_with_tests(root: Path) -> Path | None:
    for candidate in (root, *sorted(p for p in root.iterdir() if p.is_dir())):
        if (candidate / "tests" / "integration" / "conftest.py").is_file():
            return candidate
    return None


def _unpack(archive: Path, into: Path) -> Path:
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into


def bleak_source(tmp: Path) -> tuple[Path | None, str]:
    """A bleak source tree holding tests/integration, or None and why there is none."""
    given = os.environ.get("BLEBENCH_BLEAK_SOURCE")
    if given:
        path = Path(given)
        if path.is_file():
            path = _unpack(path, tmp / "given")
        found = _tree_with_tests(path) if path.is_dir() else None
        if found is None:
            return None, f"BLEBENCH_BLEAK_SOURCE={given} holds no tests/integration/conftest.py"
        return found, f"BLEBENCH_BLEAK_SOURCE={given}"
    wanted = version("bleak")
    download = tmp / "sdist"
    result = subprocess.run(
        [
            sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", "bleak",
            "--disable-pip-version-check", "-q", "-d", str(download), f"bleak=={wanted}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    archives = sorted(download.glob("bleak-*.tar.gz")) if download.is_dir() else []
    if result.returncode != 0 or not archives:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"the package registry did not give bleak {wanted}'s sdist ({last})"
    found = _tree_with_tests(_unpack(archives[0], tmp / "unpacked"))
    if found is None:
        return None, (
            f"bleak {wanted}'s sdist on PyPI ships no tests/ (only the package); set "
            "BLEBENCH_BLEAK_SOURCE to a checkout of hbldh/bleak (tag v" + wanted + ") to run them"
        )
    return found, f"bleak {wanted}'s sdist"

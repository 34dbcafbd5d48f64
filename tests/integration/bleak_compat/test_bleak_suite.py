"""bleak's own integration tests (hbldh/bleak `tests/integration`), run unchanged with
BumbleScanner/BumbleClient as bleak's backend on stock Bumble controllers.

bleak's tests drive a Bumble peripheral over `--bleak-hci-transport` and the OS backend
for the central; `plugin/blebench_bleak_plugin.py` makes our backend bleak's default and
runs `python -m bumble.apps.controllers` (two controllers on one LocalLink, over TCP).

Where bleak's tests come from, first found:
1. `BLEBENCH_BLEAK_SOURCE`: a checkout (or an unpacked source tree, or a .tar.gz of one)
   of hbldh/bleak holding `tests/integration`, ideally at the installed version's tag;
2. the installed version's sdist from PyPI (`pip download --no-binary bleak`), when it
   ships `tests/` (bleak 3.1.0's does not: then the test is skipped and says so).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.integration.scan.conftest import free_port

PLUGIN_DIR = Path(__file__).parent / "plugin"
# Skips bleak's own tests make on a backend that is neither CoreBluetooth nor BlueZ.
# (a module-level skip is reported as "collection skipped" under the module's name).
PLATFORM_SKIPS = ("corebluetooth", "bluez")
MIN_PASSED = 60  # bleak's snapshot of 2026-04 has 88 tests that run on our backend


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


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_bleaks_integration_tests_pass_on_our_backend(tmp_path: Path) -> None:
    source, where = bleak_source(tmp_path)
    if source is None:
        pytest.skip(where)
    peripheral, central = free_port(), free_port()
    report = tmp_path / "bleak-junit.xml"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PLUGIN_DIR), env.get("PYTHONPATH", "")) if p
    )
    env["BLEBENCH_HOME"] = str(tmp_path / "home")
    args = [
        sys.executable, "-m", "pytest", "tests/integration",
        "-p", "blebench_bleak_plugin",
        "-p", "no:cacheprovider",
        "-o", "addopts=",  # bleak's own: coverage of bleak into htmlcov/
        f"--rootdir={source}",
        f"--bleak-hci-transport=tcp-client:127.0.0.1:{peripheral}",
        f"--blebench-radio=tcp-client:127.0.0.1:{central}",
        f"--blebench-controllers={peripheral},{central}",
        f"--blebench-bonds={tmp_path / 'bonds.json'}",
        f"--junitxml={report}",
        "-q", "-rs",
    ]
    run = subprocess.run(
        args, cwd=source, env=env, capture_output=True, text=True, timeout=840
    )
    tail = "\n".join((run.stdout + run.stderr).splitlines()[-60:])
    assert report.is_file(), f"bleak's tests did not run ({where}):\n{tail}"
    cases = ET.parse(report).getroot().iter("testcase")
    passed: list[str] = []
    failed: list[str] = []
    skipped: list[tuple[str, str]] = []
    for case in cases:
        name = f"{case.get('classname')}::{case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            failed.append(name)
        elif (skip := case.find("skipped")) is not None:
            skipped.append((name, skip.get("message", "")))
        else:
            passed.append(name)
    assert not failed, f"bleak's tests failing on our backend ({where}): {failed}\n{tail}"
    assert run.returncode == 0, tail
    unexpected = [
        (name, why)
        for name, why in skipped
        if not any(word in f"{name} {why}".lower() for word in PLATFORM_SKIPS)
    ]
    assert not unexpected, f"skipped for another reason than the platform: {unexpected}"
    assert len(passed) >= MIN_PASSED, f"only {len(passed)} of bleak's tests ran:\n{tail}"

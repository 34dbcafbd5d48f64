"""bleak's own integration tests (hbldh/bleak `tests/integration`), run unchanged with
BumbleScanner/BumbleClient as bleak's backend on stock Bumble controllers.

bleak's tests drive a Bumble peripheral over `--bleak-hci-transport` and the OS backend
for the central; `plugin/blebench_bleak_plugin.py` makes our backend bleak's default and
runs `python -m bumble.apps.controllers` (two controllers on one LocalLink, over TCP).

Where bleak's tests come from: source.py (BLEBENCH_BLEAK_SOURCE, else bleak's sdist).
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.integration.bleak_compat.source import bleak_source
from tests.integration.scan.conftest import free_port

PLUGIN_DIR = Path(__file__).parent / "plugin"
# Skips bleak's own tests make on a backend that is neither CoreBluetooth nor BlueZ.
# (a module-level skip is reported as "collection skipped" under the module's name).
PLATFORM_SKIPS = ("corebluetooth", "bluez")
MIN_PASSED = 60  # bleak's snapshot of 2026-04 has 88 tests that run on our backend


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

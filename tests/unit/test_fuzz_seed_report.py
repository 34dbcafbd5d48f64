"""The README's promise: a failing fuzz test's report has its seed, and FUZZ_SEED=N replays."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # pytest subprocesses

FAILING = """
import random

from hypothesis import given, seed, settings
from hypothesis import strategies as st

from tests.fuzzing import FUZZ_SEED


@seed(FUZZ_SEED)
@settings(max_examples=20, database=None)
@given(st.integers())
def test_hypothesis_fails(n):
    assert n is None


def test_seeded_loop_fails():
    assert random.Random(FUZZ_SEED).random() < 0, "the loop hit a bad payload"


def test_passes():
    pass
"""


def _run(tmp_path: Path, seed: str | None) -> subprocess.CompletedProcess[str]:
    test = tmp_path / "test_fuzz_failing.py"
    test.write_text(FAILING)
    env = {k: v for k, v in os.environ.items() if k != "FUZZ_SEED"}
    if seed is not None:
        env["FUZZ_SEED"] = seed
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "tests.fuzzing",
            "--rootdir",
            str(tmp_path),
            "--junitxml",
            str(tmp_path / "junit.xml"),
            str(test),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_failing_fuzz_test_reports_the_seed_that_replays_it(tmp_path: Path) -> None:
    result = _run(tmp_path, "123456789")
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert "2 failed, 1 passed" in out
    # One "fuzz seed" section per failure, with the command that replays it.
    assert out.count("FUZZ_SEED=123456789 replays this run") == 2, out
    assert "FUZZ_SEED=123456789 pytest 'test_fuzz_failing.py::test_seeded_loop_fails'" in out
    junit = (tmp_path / "junit.xml").read_text()
    assert '<property name="fuzz_seed" value="123456789"' in junit


def test_without_fuzz_seed_each_run_draws_a_new_seed_and_says_it(tmp_path: Path) -> None:
    seeds = set()
    for _ in range(2):
        out = _run(tmp_path, None).stdout
        line = next(w for w in out.split() if w.startswith("FUZZ_SEED="))
        seeds.add(line)
    assert len(seeds) == 2

"""Shared fixtures: every test gets its own BLEBENCH_HOME so nothing touches real files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

# One fuzz seed per run, in the header and in every failing fuzz test's report.
from tests.fuzzing import pytest_report_header, pytest_runtest_makereport  # noqa: F401


@pytest.fixture(autouse=True)
def blebench_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "blebench-home"
    monkeypatch.setenv("BLEBENCH_HOME", str(home))
    yield home

"""Fixtures for the TUI tests.

No test here is rerun on failure: a Pilot walk waits, bounded, for the state it asserts
(app_harness.wait_until), never for a fixed time, so it passes on a loaded machine and a
failure means something. To look for races, run the walks pinned to one core under
coverage: `taskset -c 0 coverage run -m pytest tests/ui`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest


@pytest.fixture
def utc() -> Iterator[None]:
    """Local time is UTC for the test (log lines show local time), restored after."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()

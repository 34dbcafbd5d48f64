"""Running `python -m blebench ...` as a user does, in a subprocess (stdin given or closed).

With coverage's `patch = subprocess` (pyproject, .ci/run) these processes are measured too.
"""

from __future__ import annotations

import subprocess
import sys


def blebench(
    *args: str, input: str | None = None, timeout: float = 90  # noqa: A002 - subprocess's name
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "blebench", *args],
        input=input if input is not None else "",
        capture_output=True,
        text=True,
        timeout=timeout,
    )

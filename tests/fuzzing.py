"""One fuzz seed per test run, said wherever a fuzz test fails.

`FUZZ_SEED` is random on each run (so CI fuzzes new inputs every time) unless the
environment sets it; `FUZZ_SEED=N pytest ...` replays run N. The seed is in pytest's header
and, for a failing test of a module that uses it, in the failure report (a "fuzz seed"
section with the command that replays it) and in the JUnit XML (`record_property`).

This module is a pytest plugin (tests/conftest.py loads it); fuzz modules import
`FUZZ_SEED` from here and pass it to hypothesis's `@seed` and to their `random.Random`.
"""

from __future__ import annotations

import os
import random
from collections.abc import Generator

import pytest

FUZZ_SEED = int(os.environ.get("FUZZ_SEED") or random.randrange(2**32))
# pytest-xdist's workers start with this process's environment: the seed in the header is
# the one every worker fuzzes with.
os.environ["FUZZ_SEED"] = str(FUZZ_SEED)


def replay_line(nodeid: str) -> str:
    return f"FUZZ_SEED={FUZZ_SEED} replays this run: FUZZ_SEED={FUZZ_SEED} pytest '{nodeid}'"


def _uses_the_seed(item: pytest.Item) -> bool:
    module = getattr(item, "module", None)
    return module is not None and getattr(module, "FUZZ_SEED", None) == FUZZ_SEED


def pytest_report_header() -> str:
    return f"fuzz seed: FUZZ_SEED={FUZZ_SEED}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if _uses_the_seed(item):
        if call.when == "setup":
            item.user_properties.append(("fuzz_seed", FUZZ_SEED))
        if report.failed:
            report.sections.append(("fuzz seed", replay_line(item.nodeid)))

"""Snapshot tests of the whole App: a fixed terminal size and theme, a steady cursor, the
log's time zone pinned, and an async `svg_snapshot` check.

The App runs in the test's own event loop (`App.run_test`), next to the session it was
given, so the session is opened and closed in that loop too. The SVG is compared and
stored exactly as pytest-textual-snapshot's `snap_compare` does it (its SVG extension of
syrupy, `__snapshots__/<test file>/<Class.test>.svg`, `--snapshot-update` to accept), and
a mismatch lands in the same HTML report (`snapshot_report.html`).
"""

from __future__ import annotations

import pickle
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from pytest_textual_snapshot import (  # type: ignore[import-untyped]
    PseudoApp,
    PseudoConsole,
    SVGImageExtension,
    node_to_report_path,
)
from rich.console import Console
from syrupy.assertion import SnapshotAssertion
from textual.pilot import Pilot
from textual.widgets import Input

SIZE = (160, 45)
THEME = "blebench-dark"

SnapshotCheck = Callable[[Pilot[Any]], Awaitable[bool]]


@pytest.fixture(autouse=True)
def steady_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    """A focused Input shows its cursor all the time instead of blinking."""

    def keep_visible(self: Input) -> None:
        self._cursor_visible = True

    monkeypatch.setattr(Input, "_toggle_cursor", keep_visible)


@pytest.fixture(autouse=True)
def _in_utc(utc: None) -> None:
    """Log lines show local time: UTC here (tests/ui/conftest.py), so the pictures are the
    same everywhere."""


async def settle(pilot: Pilot[Any]) -> None:
    """What `snap_compare` does before its screenshot: let messages and animations finish."""
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def steady_screenshot(pilot: Pilot[Any], tries: int = 20) -> str:
    """The screen once it stopped changing: two screenshots, a settle apart, the same.

    The clocks are frozen, so a finished screen does not change; one settle was not always
    enough pinned to one core under coverage (Pulse HRM's detail drawn before its vendor
    lines were laid out: TestScan::test_device_list). Bounded: a screen that never stops
    changing fails."""
    await settle(pilot)
    svg = pilot.app.export_screenshot(title="blebench")
    for _ in range(tries):
        # Longer than one pull of the panes (refresh_hz 10: 100 ms) and the status line's
        # 4 Hz tick: two pictures inside one tick could agree while a pull is still due
        # (TestScan::test_filtered_by_service once drawn before Pulse HRM's last report).
        await pilot.pause(0.3)
        await settle(pilot)
        again = pilot.app.export_screenshot(title="blebench")
        if again == svg:
            return svg
        svg = again
    raise AssertionError("the screen never stopped changing")


@pytest.fixture
def svg_snapshot(snapshot: SnapshotAssertion, request: pytest.FixtureRequest) -> SnapshotCheck:
    """`await svg_snapshot(pilot)`: the App's screen now, compared with the stored SVG."""
    svg_snapshot = snapshot.use_extension(SVGImageExtension)

    async def check(pilot: Pilot[Any]) -> bool:
        svg = await steady_screenshot(pilot)
        result: bool = svg_snapshot == svg
        _report(svg_snapshot, request, result, svg)
        return result

    return check


def _report(
    snapshot: SnapshotAssertion, request: pytest.FixtureRequest, result: bool, svg: str
) -> None:
    """The data pytest-textual-snapshot's HTML report is built from (as `snap_compare`)."""
    index = (
        snapshot._custom_index  # noqa: SLF001 - the plugin reads the same fields
        and snapshot._execution_name_index.get(snapshot._custom_index)  # noqa: SLF001
    ) or snapshot.num_executions - 1
    executed = snapshot.executions.get(index)
    exists = bool(executed and executed.final_data is not None)
    console = Console(legacy_windows=False, force_terminal=True)
    node = request.node
    full_path, line_number, name = node.reportinfo()
    data = (
        result,
        str(snapshot),
        svg,
        PseudoApp(PseudoConsole(console.legacy_windows, console.size)),
        full_path,
        line_number,
        name,
        (node.function.__doc__ or "").strip(),
        "",
        exists,
    )
    node_to_report_path(node).write_bytes(pickle.dumps(data))

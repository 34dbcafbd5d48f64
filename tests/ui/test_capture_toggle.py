"""The btsnoop toggle in the TUI (key B and the palette), and the RSSI the Streams plot
gets from the link while connected (advertisements stop then)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from textual.widgets import Input

from blebench.session.manager import SessionManager
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from blebench.ui import settings as settings_mod
from blebench.ui.capture import CapturePathScreen
from blebench.ui.factory import make_app
from blebench.ui.status import StatusBar
from blebench.ui.streams.pane import RSSI_KEY, StreamsPane
from blebench.ui.streams.plot import LivePlot
from tests.ui.app_harness import SIZE, opened_session, palette_offers, wait_until

pytestmark = pytest.mark.slow

BTSNOOP_MAGIC = b"btsnoop\x00"


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    async with opened_session((PulseHrm(),)) as manager:
        yield manager


def notices(app: object) -> list[str]:
    return [str(n.message) for n in app._notifications]  # type: ignore[attr-defined]


async def test_b_starts_a_capture_in_the_data_dir_and_b_stops_it(
    session: SessionManager, blebench_home: Path
) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("B")
        status = session.capture.status()
        assert status is not None and status.running
        path = status.path
        assert path.parent == blebench_home / "data" / "captures"
        assert await wait_until(pilot, lambda: any(str(path) in text for text in notices(app)))
        assert await wait_until(pilot, lambda: "btsnoop" in app.screen.query_one(StatusBar).info.note)
        assert path.read_bytes().startswith(BTSNOOP_MAGIC)
        first = path.stat().st_size
        # Scanning goes on: advertising reports are HCI events, so the file grows.
        assert await wait_until(pilot, lambda: path.stat().st_size > first)
        await pilot.press("B")
        assert not session.capture.running
        ended = session.capture.status()
        assert ended is not None and ended.packets > 0
        assert await wait_until(
            pilot, lambda: any("packets" in text and str(path) in text for text in notices(app))
        )
        size = path.stat().st_size
        # Scanning goes on after the stop: five more reports (HCI events a running capture
        # would write), and the file has not grown.
        version = session.registry.changed_since(0)[0]
        assert await wait_until(pilot, lambda: session.registry.changed_since(0)[0] >= version + 5)
        assert path.stat().st_size == size  # closed: nothing more is written
        await pilot.press("q")


async def test_palette_capture_to_a_typed_path(session: SessionManager, tmp_path: Path) -> None:
    target = tmp_path / "typed.btsnoop"
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.press(*"btsnoop capture to a file")
        assert await wait_until(pilot, lambda: palette_offers(app, "capture to a file"))
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: isinstance(app.screen, CapturePathScreen))
        field = app.screen.query_one("#capture-path", Input)
        field.value = str(target)
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: session.capture.running)
        assert await wait_until(pilot, lambda: target.exists() and target.stat().st_size > 16)
        assert target.read_bytes().startswith(BTSNOOP_MAGIC)
        await pilot.press("B")
        assert not session.capture.running
        await pilot.press("q")


async def test_a_capture_that_cannot_be_written_is_a_notification(
    session: SessionManager, tmp_path: Path
) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        from blebench.ui.capture import start_capture

        blocker = tmp_path / "a-file"
        blocker.write_text("not a folder")
        start_capture(app, session, blocker / "inside.btsnoop")
        assert not session.capture.running
        assert await wait_until(
            pilot, lambda: any("Not a directory" in text for text in notices(app))
        )
        await pilot.press("q")


async def test_streams_plot_gets_link_rssi_while_connected(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        conn = await session.connections.connect("Pulse HRM", timeout=10)
        from blebench.session import gatt

        await gatt.subscribe(conn, session.streams, "2a37")
        await session.stop_scan()  # no advertisement adds RSSI from now on
        assert session.link_rssi.running
        pane = app.screen.query_one(StreamsPane)
        assert await wait_until(pilot, lambda: len(session.link_rssi.history(conn.address)) >= 2)
        assert await wait_until(pilot, lambda: pane.feed.plot is not None, steps=100)
        plot = pane.query_one(LivePlot)
        link_times = {t for t, _ in session.link_rssi.history(conn.address)}
        assert await wait_until(
            pilot,
            lambda: RSSI_KEY in plot.series
            and bool(link_times & {t for t, _ in plot.series[RSSI_KEY].points}),
        )
        values = [v for _, v in plot.series[RSSI_KEY].points]
        assert all(-100 <= v <= 0 for v in values)
        await pilot.press("q")

"""The Streams plot reads at a glance: the decoded value and the RSSI each on their own
panel and y axis, a legend with the latest values, a time axis counting back from now,
and redraws only when something changed."""

from __future__ import annotations

import re

import pytest
from textual.app import App, ComposeResult
from textual.widget import Widget

from blebench.ui.streams.plot import LivePlot, axis_span, decimate, value_range

NOW = 1_000.0


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


class PlotHost(App[None]):
    CSS = "LivePlot { width: 70; height: 30; }"

    def __init__(self, clock: Clock, height: int = 30) -> None:
        super().__init__()
        self.clock = clock
        self.plot_height = height

    def compose(self) -> ComposeResult:
        plot = LivePlot(clock=self.clock, id="plot")
        plot.styles.height = self.plot_height
        yield plot


def text_of(app: App[None], widget: Widget) -> list[str]:
    """The lines a person reads inside `widget` (screen text cut to its region)."""
    region = widget.region
    lines = [strip.text for strip in app.screen._compositor.render_strips()]  # noqa: SLF001
    return [line[region.x : region.right] for line in lines[region.y : region.bottom]]


def y_labels(lines: list[str]) -> list[float]:
    """The numbers printed left of the y axis ticks (┤)."""
    found = []
    for line in lines:
        match = re.match(r"\s*(-?\d+(?:\.\d+)?)┤", line)
        if match:
            found.append(float(match.group(1)))
    return found


def braille_columns(lines: list[str]) -> list[int]:
    return [i for line in lines for i, ch in enumerate(line) if "\u2801" <= ch <= "\u28ff"]


def heart_and_rssi(plot: LivePlot) -> None:
    plot.set_series([("bpm", "heart_rate_bpm", False), ("rssi", "RSSI dBm (advertising)", True)])
    # A heart rate from 30 s to 10 s ago, then silence; RSSI twice a second till now.
    plot.add_points("bpm", [(NOW - 30 + i, 61.0 + i % 3) for i in range(21)])
    plot.add_points("rssi", [(NOW - 30 + i / 2, -58.0 - i % 4) for i in range(61)])
    plot.redraw()


async def test_value_and_rssi_each_get_a_panel_an_axis_and_a_legend_entry() -> None:
    app = PlotHost(Clock())
    async with app.run_test(size=(80, 34)) as pilot:
        plot = app.query_one(LivePlot)
        heart_and_rssi(plot)
        await pilot.pause()
        value = text_of(app, plot.query_one("#plot-value"))
        rssi = text_of(app, plot.query_one("#plot-secondary"))
        # Own y axes: the bpm panel's labels around 61-63, the RSSI panel's negative.
        assert y_labels(value) and all(55 <= v <= 70 for v in y_labels(value))
        assert y_labels(rssi) and all(-70 <= v <= -50 for v in y_labels(rssi))
        # Both series drawn as lines, each in its own panel.
        assert braille_columns(value) and braille_columns(rssi)
        # One legend line names both, with their latest values, apart from the plots.
        legend = "\n".join(text_of(app, plot.query_one("#plot-legend")))
        assert re.search(r"heart_rate_bpm 63 .*RSSI dBm \(advertising\) -58", legend)
        # The time axis once, under the lowest panel, counting back from now.
        assert not any("now" in line for line in value)
        assert re.search(r"30s\s.*20s\s.*10s\s.*now", "\n".join(rssi))


async def test_the_time_axis_counts_back_from_now_not_from_the_last_value() -> None:
    clock = Clock()
    app = PlotHost(clock)
    async with app.run_test(size=(80, 34)) as pilot:
        plot = app.query_one(LivePlot)
        heart_and_rssi(plot)
        plot.set_series([("bpm", "heart_rate_bpm", False)])  # no RSSI: one panel
        plot.add_points("bpm", [(NOW - 30 + i, 61.0 + i % 3) for i in range(21)])
        plot.redraw()
        await pilot.pause()
        assert not plot.query_one("#plot-secondary").display
        value = text_of(app, plot.query_one("#plot-value"))
        assert any("now" in line for line in value)  # the value panel has the axis now
        # The newest value is 10 s old on a 30 s axis: its line ends two thirds across.
        frame = next(line for line in value if "┌" in line)
        left, right = frame.index("┌"), frame.index("┐")
        newest_at = (max(braille_columns(value)) - left) / (right - left)
        assert 0.55 < newest_at < 0.8


async def test_redraws_only_when_points_arrive_or_the_clock_moves_a_second() -> None:
    clock = Clock()
    app = PlotHost(clock)
    async with app.run_test(size=(80, 34)) as pilot:
        plot = app.query_one(LivePlot)
        heart_and_rssi(plot)
        await pilot.pause()
        drawn = plot.redraws
        plot._redraw_if_dirty()  # noqa: SLF001 - the redraw timer's callback
        assert plot.redraws == drawn  # nothing new: no figure built
        for i in range(50):  # a burst between two ticks: one redraw
            plot.add_points("bpm", [(NOW - 1 + i * 0.01, 62.0)])
        plot._redraw_if_dirty()  # noqa: SLF001
        plot._redraw_if_dirty()  # noqa: SLF001
        assert plot.redraws == drawn + 1
        clock.now += 0.5
        plot._redraw_if_dirty()  # noqa: SLF001
        assert plot.redraws == drawn + 1  # under a second: the axis stays
        clock.now += 0.6
        plot._redraw_if_dirty()  # noqa: SLF001
        assert plot.redraws == drawn + 2  # the axis moved on


def test_ranges_give_a_steady_value_some_air_and_the_axis_fits_the_data() -> None:
    low, high = value_range([61.0, 62.0, 63.0])
    assert low < 60 and high > 64  # a line, not bars from the floor to the ceiling
    assert value_range([5.0]) == (4.0, 6.0)
    assert axis_span(4.0, 60.0) == 10.0
    assert axis_span(25.0, 60.0) == 30.0
    assert axis_span(500.0, 60.0) == 60.0


def test_a_flood_is_thinned_to_what_the_screen_can_show_keeping_its_extremes() -> None:
    points = [(i / 100, float(i % 17)) for i in range(6_000)]  # 60 s at 100 Hz
    thin = decimate(points, 0.0, 60.0, 120)
    assert len(thin) <= 240
    assert [t for t, _ in thin] == sorted(t for t, _ in thin)
    assert min(v for _, v in thin) == 0.0 and max(v for _, v in thin) == 16.0
    few = points[:100]
    assert decimate(few, 0.0, 60.0, 120) == few


@pytest.mark.parametrize("height", [16, 20, 24, 30, 36, 44])
async def test_both_panels_frames_line_up_whatever_their_labels(height: int) -> None:
    app = PlotHost(Clock(), height)
    async with app.run_test(size=(80, height + 4)) as pilot:
        plot = app.query_one(LivePlot)
        plot.set_series([("bpm", "heart_rate_bpm", False), ("rssi", "RSSI dBm", True)])
        plot.add_points("bpm", [(NOW - 9 + i, 61.0 + i % 3) for i in range(10)])
        plot.add_points("rssi", [(NOW - 9 + i / 4, -55.0 - i % 6) for i in range(37)])
        plot.redraw()
        await pilot.pause()
        frames = []
        for panel in ("#plot-value", "#plot-secondary"):
            lines = text_of(app, plot.query_one(panel))
            frames.append(next(line for line in lines if "┌" in line).index("┌"))
        assert frames[0] == frames[1]

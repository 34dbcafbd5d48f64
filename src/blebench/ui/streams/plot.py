"""A live plot of numeric series over time: a decoded field (bpm, ...) and the device's RSSI.

Two panels sharing one time axis (seconds back from now): the decoded value as a line on
its own y axis, and below it, when there is one, the RSSI (from advertisements and, while
connected, from the link) as a line of points in its own colour on its own y axis. A
legend line above names both with their latest value; series never share a plotting area,
so neither their lines nor their labels overlap.

Points arrive in batches from the pane's timer; the plot keeps a bounded window per
series and redraws at most a few times a second, and only when something changed (new
points, or the clock moved a second on, since the axis counts back from now): building a
plotext figure costs milliseconds, which a flood must not multiply.
Series labels are ours (decoder field names, "RSSI"), never strings from the air, because
plotext output is parsed as ANSI.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.color import Color
from textual.containers import Vertical
from textual.widgets import Static
from textual_plotext import PlotextPlot

MAX_POINTS = 600  # per series: 60 s at 10 Hz, a minute of heart beats many times over
REDRAW_INTERVAL_S = 0.3
# The time axis shows the smallest of these that holds the oldest point (up to the window):
# a stream that started 5 s ago fills the width instead of hugging the right edge.
SPANS_S = (10.0, 30.0, 60.0, 120.0, 300.0)
CLOCK_STEP_S = 1.0  # with no new points, the axis moves on once a second
# Theme colours (Textual variables) of the two kinds of series, and plotext markers.
VALUE_COLOR, SECONDARY_COLOR = "primary", "warning"
VALUE_MARKER, SECONDARY_MARKER = "braille", "braille"


@dataclass(slots=True)
class Series:
    label: str
    right_axis: bool = False  # the secondary panel (RSSI), under the value's
    points: deque[tuple[float, float]] = field(default_factory=lambda: deque(maxlen=MAX_POINTS))


def axis_span(age_s: float, window_s: float) -> float:
    """The time axis length that shows a point `age_s` old, at most `window_s`."""
    for span in SPANS_S:
        if age_s <= span:
            return min(span, window_s)
    return window_s


def value_range(values: Sequence[float]) -> tuple[float, float]:
    """A y range around `values` with some air, never flat: a bpm steady between 61 and
    63 draws as a gentle line, not as bars from the floor to the ceiling."""
    low, high = min(values), max(values)
    pad = max((high - low) * 0.2, abs(high + low) / 2 * 0.04, 1.0)
    return low - pad, high + pad


def decimate(points: Sequence[tuple[float, float]], start: float, end: float,
             buckets: int) -> list[tuple[float, float]]:
    """At most the lowest and the highest point of each of `buckets` time slices, in time
    order: a line as the screen can show it (a braille column holds two x positions), at a
    fraction of plotext's cost for a flood's hundreds of points."""
    if len(points) <= 2 * buckets or end <= start:
        return list(points)
    width = (end - start) / buckets
    out: list[tuple[float, float]] = []
    bucket = -1
    low = high = points[0]
    for point in points:
        index = min(buckets - 1, max(0, int((point[0] - start) / width)))
        if index != bucket:
            if bucket >= 0:
                out.extend(sorted({low, high}))
            bucket, low, high = index, point, point
        elif point[1] < low[1]:
            low = point
        elif point[1] > high[1]:
            high = point
    out.extend(sorted({low, high}))
    return out


def _nice_ticks(low: float, high: float, count: int) -> list[float]:
    """About `count` round ticks inside [low, high]."""
    if count < 2 or high <= low:
        return [low]
    raw = (high - low) / (count - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def y_tick_count(height: int) -> int:
    return max(2, min(6, height // 2))


def _tick_label(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 1e-9 else f"{value:g}"


class _Panel(PlotextPlot):
    """One plotting area; the LivePlot fills it at each redraw."""

    DEFAULT_CSS = """
    _Panel { height: 1fr; min-height: 4; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.y_range: tuple[float, float] | None = None
        self.label_width = 0  # the same for both panels, so their time axes line up

    def render(self) -> RenderResult:
        # Round y ticks, as many as the height allows (known only here).
        if self.y_range is not None:
            ticks = _nice_ticks(*self.y_range, y_tick_count(self.size.height))
            self.plt.yticks(ticks, [_tick_label(t).rjust(self.label_width) for t in ticks])
        return super().render()


class LivePlot(Vertical):
    """Numeric series against time: a value panel and, when there is one, an RSSI panel."""

    DEFAULT_CSS = """
    LivePlot { height: 1fr; min-height: 8; }
    LivePlot > #plot-legend { height: 1; padding: 0 1; }
    LivePlot > #plot-value { height: 1fr; }
    LivePlot > #plot-secondary { height: 2fr; max-height: 12; display: none; }
    LivePlot.-split > #plot-value { height: 3fr; }
    LivePlot.-split > #plot-secondary { display: block; }
    """

    def __init__(
        self,
        *,
        window_s: float = 60.0,
        clock: Callable[[], float] | None = None,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's parameter name
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.window_s = window_s
        # "Now" on the points' clock (monotonic seconds); without one, the newest point.
        self.clock = clock
        self._series: dict[str, Series] = {}
        self._dirty = True
        self._drawn_at: float | None = None
        self.redraws = 0
        self.empty_message = "no numeric data yet"
        self.legend = Text()

    def compose(self) -> ComposeResult:
        yield Static(id="plot-legend")
        yield _Panel(id="plot-value")
        yield _Panel(id="plot-secondary")

    @property
    def series(self) -> dict[str, Series]:
        return self._series

    def on_mount(self) -> None:
        self.set_interval(REDRAW_INTERVAL_S, self._redraw_if_dirty)
        self.redraw()

    def set_series(self, wanted: Iterable[tuple[str, str, bool]]) -> None:
        """Which series to show: (key, label, in the secondary panel). Drops the others."""
        by_key = {key: (label, right) for key, label, right in wanted}
        for key in list(self._series):
            if key not in by_key:
                del self._series[key]
        for key, (label, right) in by_key.items():
            if key not in self._series:
                self._series[key] = Series(label, right)
        self._dirty = True

    def relabel(self, key: str, label: str) -> None:
        series = self._series.get(key)
        if series is not None and series.label != label:
            series.label = label
            self._dirty = True

    def add_points(self, key: str, points: Iterable[tuple[float, float]]) -> None:
        """Append (monotonic seconds, value) points to a series shown by `set_series`."""
        series = self._series.get(key)
        if series is None:
            return
        before = len(series.points)
        series.points.extend(points)
        if len(series.points) != before or before == MAX_POINTS:
            self._dirty = True

    def clear(self) -> None:
        for series in self._series.values():
            series.points.clear()
        self._dirty = True

    def _now(self) -> float | None:
        newest = max((s.points[-1][0] for s in self._series.values() if s.points), default=None)
        if self.clock is None or newest is None:
            return newest
        return max(self.clock(), newest)

    def _redraw_if_dirty(self) -> None:
        if self._dirty:
            self.redraw()
            return
        # Nothing new, but the axis counts back from now: move it on once a second.
        if self.clock is not None and self._drawn_at is not None:
            if self.clock() - self._drawn_at >= CLOCK_STEP_S:
                self.redraw()

    # -- drawing ------------------------------------------------------------------------

    def _theme_rgb(self, variable: str, fallback: tuple[int, int, int]) -> tuple[int, int, int]:
        try:
            value = self.app.theme_variables.get(variable)
            return Color.parse(value).rgb if value else fallback
        except Exception:  # noqa: BLE001 - a theme without the variable keeps the fallback
            return fallback

    def redraw(self) -> None:
        self._dirty = False
        self.redraws += 1
        now = self._now()
        self._drawn_at = now
        value_panel = self.query_one("#plot-value", _Panel)
        secondary_panel = self.query_one("#plot-secondary", _Panel)
        primary = [s for s in self._series.values() if not s.right_axis]
        secondary = [s for s in self._series.values() if s.right_axis]
        has_secondary = any(s.points for s in secondary)
        self.set_class(has_secondary, "-split")
        if now is None:
            self._draw_empty(value_panel, self.empty_message)
            self._draw_empty(secondary_panel, "")
            self._show_legend([], None)
            return
        oldest = min((s.points[0][0] for s in self._series.values() if s.points), default=now)
        span = axis_span(now - oldest, self.window_s)
        value_rgb = self._theme_rgb(VALUE_COLOR, (80, 160, 255))
        secondary_rgb = self._theme_rgb(SECONDARY_COLOR, (255, 170, 60))
        self._draw_panel(value_panel, primary, now, span, value_rgb, VALUE_MARKER,
                         time_axis=not has_secondary, empty="waiting for values")
        if has_secondary:
            self._draw_panel(secondary_panel, secondary, now, span, secondary_rgb,
                             SECONDARY_MARKER, time_axis=True, empty="")
        # Whatever tick count a panel's height gives at render time, its labels fit.
        width = max((len(_tick_label(t)) for panel in (value_panel, secondary_panel)
                     if panel.y_range is not None for count in range(2, 7)
                     for t in _nice_ticks(*panel.y_range, count)), default=0)
        value_panel.label_width = secondary_panel.label_width = width
        self._show_legend([(s, value_rgb, "━") for s in primary]
                          + [(s, secondary_rgb, "━") for s in secondary if s.points], now)

    def _draw_empty(self, panel: _Panel, message: str) -> None:
        plt = panel.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(message)
        panel.refresh()

    def _draw_panel(
        self,
        panel: _Panel,
        series: list[Series],
        now: float,
        span: float,
        rgb: tuple[int, int, int],
        marker: str,
        *,
        time_axis: bool,
        empty: str,
    ) -> None:
        plt = panel.plt
        plt.clear_data()
        plt.clear_figure()
        panel.y_range = None
        shown_values: list[float] = []
        # Two x positions per braille cell across the plotting width (about the panel's).
        buckets = max(16, (panel.size.width or 60) * 2)
        for one in series:
            shown = [(t - now, v) for t, v in one.points if now - t <= span and math.isfinite(v)]
            if not shown:
                continue
            shown = decimate(shown, -span, 0.0, buckets)
            shown_values.extend(v for _, v in shown)
            plt.plot([x for x, _ in shown], [y for _, y in shown], marker=marker, color=rgb)
        if not shown_values:
            plt.title(empty)
        else:
            panel.y_range = value_range(shown_values)
            plt.ylim(*panel.y_range)
        plt.xlim(-span, 0)
        if time_axis:
            xticks = _nice_ticks(-span, 0, 5)
            plt.xticks(xticks, ["now" if t == 0 else f"{_tick_label(-t)}s" for t in xticks])
        else:
            plt.xticks([])  # the panel below carries the time axis
        panel.refresh()

    def _show_legend(self, entries: list[tuple[Series, tuple[int, int, int], str]],
                     now: float | None) -> None:
        legend = Text(no_wrap=True, overflow="ellipsis")
        for one, (r, g, b), mark in entries:
            if legend:
                legend.append("   ")
            legend.append(f"{mark} ", style=f"bold rgb({r},{g},{b})")
            legend.append(one.label)
            if one.points:
                legend.append(f" {_tick_label(round(one.points[-1][1], 2))}", style="bold")
        if legend.plain == self.legend.plain and legend.spans == self.legend.spans:
            return
        self.legend = legend
        # One row whatever it says: no layout pass for the screen at every redraw.
        self.query_one("#plot-legend", Static).update(legend, layout=False)

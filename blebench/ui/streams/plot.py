"""A live plot of numeric series over time (a decoded field such as bpm, and RSSI).

Points arrive in batches from the pane's timer; the plot keeps a bounded window per
series and redraws at most a few times a second, and only when something changed:
building a plotext figure costs milliseconds, which a flood must not multiply.
Series labels are ours (decoder field names, "RSSI"), never strings from the air, because
plotext output is parsed as ANSI.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from textual_plotext import PlotextPlot

MAX_POINTS = 600  # per series: 60 s at 10 Hz, a minute of heart beats many times over
REDRAW_INTERVAL_S = 0.3


@dataclass(slots=True)
class Series:
    label: str
    right_axis: bool = False
    points: deque[tuple[float, float]] = field(default_factory=lambda: deque(maxlen=MAX_POINTS))


class LivePlot(PlotextPlot):
    """Numeric series against time (seconds before the newest point)."""

    DEFAULT_CSS = """
    LivePlot { height: 1fr; min-height: 8; }
    """

    def __init__(
        self,
        *,
        window_s: float = 60.0,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's parameter name
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.window_s = window_s
        self._series: dict[str, Series] = {}
        self._dirty = True
        self.redraws = 0
        self.empty_message = "no numeric data yet"

    @property
    def series(self) -> dict[str, Series]:
        return self._series

    def on_mount(self) -> None:
        self.set_interval(REDRAW_INTERVAL_S, self._redraw_if_dirty)
        self.redraw()

    def set_series(self, wanted: Iterable[tuple[str, str, bool]]) -> None:
        """Which series to show: (key, label, on the right axis). Drops the others."""
        by_key = {key: (label, right) for key, label, right in wanted}
        for key in list(self._series):
            if key not in by_key:
                del self._series[key]
        for key, (label, right) in by_key.items():
            if key not in self._series:
                self._series[key] = Series(label, right)
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

    def _redraw_if_dirty(self) -> None:
        if self._dirty:
            self.redraw()

    def redraw(self) -> None:
        self._dirty = False
        self.redraws += 1
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        newest = max(
            (s.points[-1][0] for s in self._series.values() if s.points), default=None
        )
        if newest is None:
            plt.title(self.empty_message)
            self.refresh()
            return
        for series in self._series.values():
            shown = [(t - newest, v) for t, v in series.points if newest - t <= self.window_s]
            if not shown:
                continue
            plt.plot(
                [x for x, _ in shown],
                [y for _, y in shown],
                label=series.label,
                yside="right" if series.right_axis else "left",
                marker="braille",
            )
        plt.xlabel("seconds")
        plt.xlim(-self.window_s, 0)
        self.refresh()

"""One device's RSSI over time, from both places it comes from: its advertisements (the
registry's history) and, since a connected peripheral stops advertising, the link while
connected (blebench.session.link_rssi). Both are on the registry's clock (monotonic
seconds), so they merge into one series. Pure: `SessionManager.rssi_history(address)` feeds
it the two histories.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["RssiHistory", "merge_rssi"]


@dataclass(frozen=True, slots=True)
class RssiHistory:
    """(monotonic s, dBm) points, oldest first, and where they came from ("advertising",
    "link"), in that order."""

    points: tuple[tuple[float, int], ...] = ()
    sources: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.points)

    def label(self) -> str:
        """`RSSI dBm (advertising, link)`, for a plot's legend."""
        return f"RSSI dBm ({', '.join(self.sources)})" if self.sources else "RSSI dBm"

    def since(self, t: float) -> list[tuple[float, int]]:
        """The points after time `t`."""
        return [p for p in self.points if p[0] > t]


def merge_rssi(
    advertising: Iterable[tuple[float, int]], link: Iterable[tuple[float, int]]
) -> RssiHistory:
    """The two histories as one series in time order."""
    adv, lnk = list(advertising), list(link)
    sources = tuple(name for name, points in (("advertising", adv), ("link", lnk)) if points)
    return RssiHistory(tuple(sorted(adv + lnk)), sources)

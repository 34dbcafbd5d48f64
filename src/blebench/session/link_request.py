"""`LinkRequest`: the changes a face asks of a live link, plain data.

Its own module, importing nothing, so that the TUI (which may not import the session's
link control, the radios or the virtual world: the import contracts in pyproject) builds
one; `blebench.session.link` checks and runs it (`SessionApi.check_link_request`,
`SessionApi.change_link`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LinkRequest:
    """The changes asked for; None leaves a value as it is."""

    interval_min_ms: float | None = None
    interval_max_ms: float | None = None
    latency: int | None = None
    timeout_ms: float | None = None
    tx_phy: str | None = None  # "1m", "2m", "coded-s2", "coded-s8"
    rx_phy: str | None = None
    data_length: int | None = None
    mtu: int | None = None

    @property
    def parameters(self) -> bool:
        return (
            self.interval_min_ms is not None
            or self.latency is not None
            or self.timeout_ms is not None
        )

    @property
    def empty(self) -> bool:
        return not (self.parameters or self.tx_phy or self.data_length or self.mtu)

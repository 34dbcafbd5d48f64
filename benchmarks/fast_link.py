"""The fast link the notification benchmarks flood on, and what the air carries on it.

Asked for through the session facade (`SessionApi.change_link`, as `blebench link` does):
7.5 ms interval, LE 2M both ways, data length 251. The air's capacity for that link is
`sim/airtime.capacity` at the settled values, with the virtual controllers' packets per
event limit (`sim/air_link.DEFAULT_LINK_MODEL`), so `measured / capacity` says whether
blebench keeps up with what the air carries (1.0: all of it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from blebench.session.api import SessionApi

FAST_LINK: dict[str, Any] = {
    "interval_min_ms": 7.5,
    "interval_max_ms": 7.5,
    "tx_phy": "2m",
    "rx_phy": "2m",
    "data_length": 251,
}


async def request_fast_link(session: SessionApi, address: str) -> dict[str, Any]:
    """Ask for the fast link; the link as settled (raises when a change is refused: the
    figure would then not be the fast link's)."""
    from blebench.session.link_request import LinkRequest

    report = await session.change_link(address, LinkRequest(**FAST_LINK))
    if not report.ok:
        raise RuntimeError(f"the fast link was refused: {[s.words for s in report.steps]}")
    return report.link


def air_values_per_s(
    link: dict[str, Any], value_octets: int, packets_per_event: int | None | str = "phone"
) -> float:
    """Notifications of `value_octets` a second the air carries peripheral -> central on
    `link` (a `link_state()` dict), at a packets-per-event limit ("phone": the virtual
    controllers' default; None: only the interval limits an event)."""
    from blebench.sim import airtime
    from blebench.sim.air_link import DEFAULT_LINK_MODEL

    phy_name = str(link["rx_phy"])  # the central receives what the peripheral sends
    phy = airtime.Phy.parse("coded-s8" if phy_name == "coded" else phy_name)
    cap = airtime.capacity(
        float(link["interval_ms"]),
        phy,
        int(link["rx_octets"]),
        value_octets,
        packets_per_event=(
            DEFAULT_LINK_MODEL.packets_per_event
            if packets_per_event == "phone"
            else packets_per_event  # type: ignore[arg-type]
        ),
    )
    return cap.values_per_s

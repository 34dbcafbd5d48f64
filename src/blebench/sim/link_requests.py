"""A virtual peripheral that asks its central for other connection parameters, as many real
ones do a second or so after connecting (an L2CAP Connection Parameter Update Request, Core
spec Vol 3 Part A 4.20): a device file's `[device.link]` section.

    [device.link]
    request_interval_ms = 30          # or [30, 45]: the range asked for (7.5..4000)
    request_latency = 0               # optional, 0..499
    request_timeout_ms = 4000         # optional; default 4 s or the smallest above the spec's floor
    request_after_ms = 300            # optional: how long after the connection it asks
    request_procedure = "l2cap"       # or "link-layer": LE Connection Update from the
                                      # peripheral (LL_CONNECTION_PARAM_REQ, Vol 6 Part B
                                      # 5.1.7), which the central's host is asked about
    request_phy = "2m"                # optional: then starts a PHY update (1m, 2m, coded-s2, coded-s8)
    request_data_length = 251         # optional: then a data length update (27..251)

Only `request_interval_ms` sends the L2CAP request; the PHY and data length updates are the
link layer's own procedures (LE Set PHY, LE Set Data Length on the device's controller),
settled by the two controllers without asking the central's host.

The central answers accepted or rejected (blebench's `--peer-requests accept|refuse`); the
device logs the answer and keeps the link it is given either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from blebench.errors import SetupError
from blebench.sim import airtime

logger = logging.getLogger(__name__)

LINK_FIELDS = frozenset(
    {
        "request_interval_ms",
        "request_latency",
        "request_timeout_ms",
        "request_after_ms",
        "request_phy",
        "request_data_length",
        "request_procedure",
        "packets_per_event",
    }
)
UNLIMITED = "unlimited"  # packets_per_event: the event goes on while the interval allows


class LinkSectionError(SetupError, ValueError):
    """A `[device.link]` section that cannot be used (said with its place in the file)."""


@dataclass(frozen=True, slots=True)
class PeerLinkRequest:
    """What the device asks for, and when."""

    interval_min_ms: float | None = None  # None: no connection parameter request
    interval_max_ms: float | None = None
    latency: int = 0
    timeout_ms: float = 4000.0
    after_ms: float = 300.0
    phy: airtime.Phy | None = None
    data_length: int | None = None
    l2cap: bool = True  # False: the link layer's Connection Parameters Request
    # The device's own controller: packets it sends or takes per connection event
    # (None: as a phone's, sim/air_link DEFAULT_LINK_MODEL; 0: while the interval allows).
    packets_per_event: int | None = None

    @property
    def asks(self) -> bool:
        """Whether the device asks the central for anything after connecting."""
        return (
            self.interval_min_ms is not None or self.phy is not None or self.data_length is not None
        )


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LinkSectionError(f"{where}: expected a number, not {value!r}")
    return float(value)


def parse_link_section(value: object, where: str) -> PeerLinkRequest:
    """The `[device.link]` table, checked against the spec's ranges (`sim/airtime`)."""
    if not isinstance(value, Mapping):
        raise LinkSectionError(f"{where}: expected a table ([device.link])")
    unknown = set(value) - LINK_FIELDS
    if unknown:
        raise LinkSectionError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    if not set(value) & {
        "request_interval_ms",
        "request_phy",
        "request_data_length",
        "packets_per_event",
    }:
        raise LinkSectionError(
            f"{where}: give request_interval_ms, request_phy, request_data_length "
            "or packets_per_event"
        )
    packets = _packets_per_event(
        value.get("packets_per_event"), f"{where}, field 'packets_per_event'"
    )
    low = high = None
    latency_value = value.get("request_latency", 0)
    if isinstance(latency_value, bool) or not isinstance(latency_value, int):
        raise LinkSectionError(f"{where}, field 'request_latency': expected a whole number")
    timeout = 4000.0
    if "request_interval_ms" in value:
        interval = value["request_interval_ms"]
        field_where = f"{where}, field 'request_interval_ms'"
        if isinstance(interval, list):
            if len(interval) != 2:
                raise LinkSectionError(f"{field_where}: one number or [MIN, MAX]")
            low, high = _number(interval[0], field_where), _number(interval[1], field_where)
        else:
            low = high = _number(interval, field_where)
        problem = airtime.interval_problem(low, high) or airtime.latency_problem(latency_value)
        timeout = (
            _number(value["request_timeout_ms"], f"{where}, field 'request_timeout_ms'")
            if "request_timeout_ms" in value
            else airtime.default_timeout_ms(high, latency_value)
        )
        problem = problem or airtime.timeout_problem(timeout, high, latency_value)
        if problem:
            raise LinkSectionError(f"{where}: {problem}")
    phy = None
    if "request_phy" in value:
        try:
            phy = airtime.Phy.parse(str(value["request_phy"]))
        except ValueError as exc:
            raise LinkSectionError(f"{where}, field 'request_phy': {exc}") from None
    data_length = None
    if "request_data_length" in value:
        octets = value["request_data_length"]
        if isinstance(octets, bool) or not isinstance(octets, int):
            raise LinkSectionError(f"{where}, field 'request_data_length': a whole number")
        problem = airtime.data_length_problem(octets)
        if problem:
            raise LinkSectionError(f"{where}, field 'request_data_length': {problem}")
        data_length = octets
    after = _number(value.get("request_after_ms", 300.0), f"{where}, field 'request_after_ms'")
    if not 0 <= after <= 60_000:
        raise LinkSectionError(f"{where}, field 'request_after_ms': 0 to 60000, not {after:g}")
    procedure = value.get("request_procedure", "l2cap")
    if procedure not in ("l2cap", "link-layer"):
        raise LinkSectionError(
            f"{where}, field 'request_procedure': l2cap or link-layer, not {procedure!r}"
        )
    return PeerLinkRequest(
        low, high, latency_value, timeout, after, phy, data_length, procedure == "l2cap", packets
    )


def _packets_per_event(value: object, where: str) -> int | None:
    if value is None:
        return None
    if value == UNLIMITED:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 255:
        raise LinkSectionError(f"{where}: 1 to 255, or {UNLIMITED!r}, not {value!r}")
    return value


async def ask_after_connect(connection: Any, request: PeerLinkRequest) -> None:
    """Wait `after_ms`, then send what the section asks for (a Bumble peripheral's
    Connection), logging the central's answer; the device keeps the link it is given."""
    from bumble import hci
    from bumble.core import ConnectionParameterUpdateError

    if not request.asks:
        return
    await asyncio.sleep(request.after_ms / 1000.0)
    if request.interval_min_ms is not None and request.interval_max_ms is not None:
        try:
            await connection.update_parameters(
                request.interval_min_ms,
                request.interval_max_ms,
                request.latency,
                request.timeout_ms,
                use_l2cap=request.l2cap,
            )
        except (ConnectionParameterUpdateError, hci.HCI_Error):
            logger.info("the central rejected our connection parameter update request")
        except Exception:  # noqa: BLE001 - the link may be gone; the device keeps running
            logger.info("connection parameter update request not answered", exc_info=True)
    if request.phy is not None:
        hci_phy = hci.Phy(request.phy.hci)
        options = {airtime.Phy.CODED_S2: 1, airtime.Phy.CODED_S8: 2}.get(request.phy, 0)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                connection.set_phy([hci_phy], [hci_phy], phy_options=options), 2.0
            )
    if request.data_length is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(connection.set_data_length(request.data_length, 0x4290), 2.0)

"""A virtual peripheral that asks its central for other connection parameters, as many real
ones do a second or so after connecting (an L2CAP Connection Parameter Update Request, Core
spec Vol 3 Part A 4.20): a device file's `[device.link]` section.

    [device.link]
    request_interval_ms = 30          # or [30, 45]: the range asked for (7.5..4000)
    request_latency = 0               # optional, 0..499
    request_timeout_ms = 4000         # optional; default 4 s or the smallest above the spec's floor
    request_after_ms = 300            # optional: how long after the connection it asks

The central answers accepted or rejected (blebench's `--peer-requests accept|refuse`); the
device logs the answer and keeps the link it is given either way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from blebench.errors import SetupError
from blebench.sim import airtime

logger = logging.getLogger(__name__)

LINK_FIELDS = frozenset(
    {"request_interval_ms", "request_latency", "request_timeout_ms", "request_after_ms"}
)


class LinkSectionError(SetupError, ValueError):
    """A `[device.link]` section that cannot be used (said with its place in the file)."""


@dataclass(frozen=True, slots=True)
class PeerLinkRequest:
    """What the device asks for, and when."""

    interval_min_ms: float
    interval_max_ms: float
    latency: int = 0
    timeout_ms: float = 4000.0
    after_ms: float = 300.0


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
    if "request_interval_ms" not in value:
        raise LinkSectionError(f"{where}: field 'request_interval_ms' is missing")
    interval = value["request_interval_ms"]
    if isinstance(interval, list):
        if len(interval) != 2:
            raise LinkSectionError(
                f"{where}, field 'request_interval_ms': one number or [MIN, MAX]"
            )
        low = _number(interval[0], f"{where}, field 'request_interval_ms'")
        high = _number(interval[1], f"{where}, field 'request_interval_ms'")
    else:
        low = high = _number(interval, f"{where}, field 'request_interval_ms'")
    latency_value = value.get("request_latency", 0)
    if isinstance(latency_value, bool) or not isinstance(latency_value, int):
        raise LinkSectionError(f"{where}, field 'request_latency': expected a whole number")
    problem = airtime.interval_problem(low, high) or airtime.latency_problem(latency_value)
    timeout = (
        _number(value["request_timeout_ms"], f"{where}, field 'request_timeout_ms'")
        if "request_timeout_ms" in value
        else airtime.default_timeout_ms(high, latency_value)
    )
    problem = problem or airtime.timeout_problem(timeout, high, latency_value)
    if problem:
        raise LinkSectionError(f"{where}: {problem}")
    after = _number(value.get("request_after_ms", 300.0), f"{where}, field 'request_after_ms'")
    if not 0 <= after <= 60_000:
        raise LinkSectionError(f"{where}, field 'request_after_ms': 0 to 60000, not {after:g}")
    return PeerLinkRequest(low, high, latency_value, timeout, after)


async def ask_after_connect(connection: Any, request: PeerLinkRequest) -> None:
    """Wait `after_ms`, then send the request over L2CAP (a Bumble peripheral's Connection)
    and log the central's answer."""
    from bumble.core import ConnectionParameterUpdateError

    await asyncio.sleep(request.after_ms / 1000.0)
    try:
        await connection.update_parameters(
            request.interval_min_ms,
            request.interval_max_ms,
            request.latency,
            request.timeout_ms,
            use_l2cap=True,
        )
    except ConnectionParameterUpdateError:
        logger.info("the central rejected our connection parameter update request")
    except Exception:  # noqa: BLE001 - the link may be gone; the device keeps running
        logger.info("connection parameter update request not answered", exc_info=True)
    else:
        logger.info("the central accepted our connection parameter update request")

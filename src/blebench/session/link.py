"""Control of a live link: connection parameters, PHY, data length and ATT MTU.

`LinkRequest` is what a face asks for; `check_request` refuses values out of the Core
spec's range (a `UserInputError`, exit 2) before anything is sent, once before connecting
and once more against the live link's values (a supervision timeout must exceed
(1 + latency) x interval x 2, whichever of them the request leaves as they are);
`change_link` runs each change on the connection's `LinkControl` (the Bumble backend) and
gives one `LinkStep` per change in a `LinkReport`. On a radio without link control (bleak's
OS backends) each change is a step with status "not_available" and the reason.

The ATT MTU is exchanged once per connection, when it is made (Vol 3 Part F 3.4.2.1):
`--mtu` is asked for at connect (`SessionApi.prefer_mtu`) and reported here as what the
peer settled on.

The peer's own requests (a peripheral's L2CAP Connection Parameter Update Request) are
answered by the radio's policy, `answer_peer_requests` ("accept" or "refuse", default
accept; backends/bumble/link.py answers them), and each, with the PHY and data length
updates the peer starts, is a `PeerLinkEvent` in the report (`peer_requests`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from blebench.backends.link_control import (
    OS_STACK_REASONS,
    PEER_REQUEST_POLICIES,
    LinkStep,
    PeerLinkEvent,
    PeerRequests,
    link_control,
)
from blebench.errors import UserInputError
from blebench.session.link_request import LinkRequest
from blebench.sim import airtime

__all__ = [
    "LinkReport",
    "LinkRequest",
    "PeerLinkEvent",
    "answer_peer_requests",
    "change_link",
    "check_request",
    "peer_link_events",
]

if TYPE_CHECKING:
    from blebench.session.connections import DeviceConnection


@dataclass(slots=True)
class LinkReport:
    """What each change came to, and the link as it is after them."""

    address: str
    steps: list[LinkStep] = field(default_factory=list)
    link: dict[str, Any] = field(default_factory=dict)
    control: bool = True  # False: the radio gives no link control (the OS stack)
    peer_events: list[PeerLinkEvent] = field(default_factory=list)
    peer_policy: str | None = None  # how the peer's requests are answered (None: the OS's)
    started: float = 0.0  # the event loop's clock when the changes began

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "ok": self.ok,
            "link_control": self.control,
            "steps": [step.to_json() for step in self.steps],
            "link": self.link,
            "peer_requests_policy": self.peer_policy,
            "peer_requests": [event.to_json() for event in self.peer_events],
        }


def answer_peer_requests(radio: object, policy: str) -> bool:
    """Set how the radio's clients answer a peripheral's connection parameter requests;
    False when the radio has no say (the OS stack answers them itself)."""
    if policy not in PEER_REQUEST_POLICIES:
        raise UserInputError(f"peer requests: accept or refuse, not {policy!r}")
    if not hasattr(radio, "peer_requests"):
        return False
    radio.peer_requests = policy
    return True


def peer_link_events(conn: DeviceConnection) -> list[PeerLinkEvent]:
    backend = link_control(conn.client)
    return backend.peer_link_events() if isinstance(backend, PeerRequests) else []


def _refuse(problem: str | None) -> None:
    if problem:
        raise UserInputError(problem, next_step="see the ranges in `blebench link --help`")


def check_request(request: LinkRequest, current: dict[str, Any] | None = None) -> LinkRequest:
    """The request with the live link's values filled in where it leaves them, refused in
    words (UserInputError) when the spec does not allow it. `current` None: before
    connecting, only what can be checked alone."""
    now = current or {}
    interval_min = request.interval_min_ms
    interval_max = request.interval_max_ms if request.interval_max_ms is not None else interval_min
    if interval_min is not None and interval_max is not None:
        _refuse(airtime.interval_problem(interval_min, interval_max))
    if request.latency is not None:
        _refuse(airtime.latency_problem(request.latency))
    if request.data_length is not None:
        _refuse(airtime.data_length_problem(request.data_length))
    if request.mtu is not None:
        _refuse(airtime.mtu_problem(request.mtu))
    for phy in (request.tx_phy, request.rx_phy):
        if phy is not None:
            try:
                airtime.Phy(phy)
            except ValueError:
                _refuse(f"unknown PHY {phy!r}: use 1m, 2m, coded-s2 or coded-s8")
    if not request.parameters:
        return request
    if interval_max is None:
        interval = now.get("interval_ms")
        if interval is None:
            if current is None:
                return request  # the interval is known once connected
            raise UserInputError("the link's interval is unknown: give --interval-ms as well")
        interval_min = interval_max = float(interval)
    assert interval_min is not None and interval_max is not None
    latency = request.latency if request.latency is not None else int(now.get("latency") or 0)
    if request.latency is None and current is None:
        latency = 0
    timeout = request.timeout_ms
    if timeout is None:
        if current is None:
            return request  # the live timeout is checked once connected
        kept = now.get("supervision_timeout_ms")
        timeout = (
            float(kept)
            if kept is not None
            and airtime.timeout_problem(float(kept), interval_max, latency) is None
            else airtime.default_timeout_ms(interval_max, latency)
        )
    _refuse(airtime.timeout_problem(timeout, interval_max, latency))
    return LinkRequest(
        interval_min_ms=interval_min,
        interval_max_ms=interval_max,
        latency=latency,
        timeout_ms=timeout,
        tx_phy=request.tx_phy,
        rx_phy=request.rx_phy,
        data_length=request.data_length,
        mtu=request.mtu,
    )


def _mtu_step(request: LinkRequest, mtu: int | None, control: bool) -> LinkStep:
    assert request.mtu is not None
    settled = {"mtu": mtu}
    if mtu is None:
        return LinkStep("mtu", {"mtu": request.mtu}, "no_answer", "the ATT MTU is unknown")
    if not control:
        return LinkStep(
            "mtu",
            {"mtu": request.mtu},
            "not_available",
            OS_STACK_REASONS["mtu"] + f": {mtu}",
            settled,
        )
    if mtu == request.mtu:
        words = f"ATT MTU {mtu}: the peer took what was asked at connect"
        return LinkStep("mtu", {"mtu": request.mtu}, "settled", words, settled)
    words = (
        f"ATT MTU {mtu}: the Exchange MTU at connect settled on the smaller of ours "
        f"({request.mtu}) and the peer's receive MTU"
    )
    return LinkStep(
        "mtu", {"mtu": request.mtu}, "settled" if mtu < request.mtu else "unchanged", words, settled
    )


async def change_link(conn: DeviceConnection, request: LinkRequest) -> LinkReport:
    """Run each change of `request` on the live link (see the module doc)."""
    import asyncio

    control = link_control(conn.client)
    report = LinkReport(address=conn.address, control=control is not None)
    report.started = asyncio.get_running_loop().time()
    if control is None:
        if request.mtu is not None:
            report.steps.append(_mtu_step(request, conn.mtu, False))
        asked = [
            ("connection_parameters", request.parameters),
            ("phy", request.tx_phy is not None),
            ("data_length", request.data_length is not None),
        ]
        for name, wanted in asked:
            if wanted:
                report.steps.append(
                    LinkStep(name, {}, "not_available", OS_STACK_REASONS[name])  # type: ignore[arg-type]
                )
        report.link = {"mtu": conn.mtu}
        return report
    if isinstance(control, PeerRequests):
        report.peer_policy = control.peer_requests
    checked = check_request(request, control.link_state())
    if checked.mtu is not None:
        report.steps.append(_mtu_step(checked, control.link_state().get("mtu"), True))
    if checked.parameters:
        assert checked.interval_min_ms is not None and checked.interval_max_ms is not None
        assert checked.latency is not None and checked.timeout_ms is not None
        report.steps.append(
            await control.update_connection(
                checked.interval_min_ms,
                checked.interval_max_ms,
                checked.latency,
                checked.timeout_ms,
            )
        )
    if checked.tx_phy is not None:
        report.steps.append(await control.set_phy(checked.tx_phy, checked.rx_phy or checked.tx_phy))
    if checked.data_length is not None:
        octets = control.link_state().get("tx_octets")
        if octets == checked.data_length:
            # No procedure: a Data Length Update would also let the peer raise its own.
            report.steps.append(
                LinkStep(
                    "data_length",
                    {"tx_octets": checked.data_length},
                    "unchanged",
                    f"already {octets} octets out: no Data Length Update sent",
                    {"tx_octets": octets, "rx_octets": control.link_state().get("rx_octets")},
                )
            )
        else:
            report.steps.append(await control.set_data_length(checked.data_length))
    report.link = control.link_state()
    report.peer_events = peer_link_events(conn)
    return report

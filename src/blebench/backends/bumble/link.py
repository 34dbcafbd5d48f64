"""Link control on the Bumble backend: LE Connection Update, LE Set PHY, LE Set Data Length
on the client's connection, each waited for until its completion event (or refused in
words), over any HCI transport: the virtual world's modelled controller, a dongle, a stock
Bumble controller.

What a stock Bumble controller (0.0.236) does with them, measured: LE Connection Update is
applied at once, whatever the values; LE Set Data Length answers 0x01 Unknown HCI Command
(although the controller lists it as supported); LE Set PHY gets no answer at all, so the
command is given `COMMAND_ANSWER_S` before it is called unanswered (Bumble's host then
takes further commands again).

The peer's own requests: a peripheral's L2CAP Connection Parameter Update Request (Vol 3
Part A 4.20) reaches the central's host, which Bumble always accepts; here the central's
L2CAP signalling handler is replaced, per device, by one that answers by the client's
`peer_requests` policy ("accept": the values are checked against the spec's ranges, the
response is accepted and an LE Connection Update sent, its outcome recorded; "refuse":
rejected, the link keeps its parameters). The link layer's Connection Parameters Request
(HCI LE Remote Connection Parameter Request, also always accepted by Bumble's host) is
routed the same way on the host and answered with a Reply or a Negative Reply (0x3B). A PHY or data length update the peer starts is a
link-layer procedure its controller and ours settle without asking the host (Vol 6 Part B
5.1.10, 5.1.9): it is recorded as "changed", with what it changed to. Each is a
`PeerLinkEvent` (`peer_link_events()`).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bumble import hci, l2cap

from blebench.backends.link_control import (
    LinkStep,
    PeerLinkEvent,
    PeerRequestPolicy,
    StepName,
)
from blebench.decode.codes import hci_error

if TYPE_CHECKING:
    from bumble.device import Connection, Device

COMMAND_ANSWER_S = 2.0  # how long a controller may take to answer a command at all
_PROCEDURE_SLACK_S = 1.0

_PHYS: dict[str, tuple[hci.Phy, int]] = {
    # name -> (HCI PHY, PHY_options: 1 prefers S=2, 2 prefers S=8)
    "1m": (hci.Phy.LE_1M, 0),
    "2m": (hci.Phy.LE_2M, 0),
    "coded-s2": (hci.Phy.LE_CODED, 1),
    "coded-s8": (hci.Phy.LE_CODED, 2),
}
_PHY_NAMES = {1: "1m", 2: "2m", 3: "coded"}
PEER_EVENTS_KEPT = 64
_HANDLER = "on_l2cap_connection_parameter_update_request"


def _out_of_range(interval_min: int, interval_max: int, latency: int, timeout: int) -> str | None:
    """What the Core spec refuses in an L2CAP Connection Parameter Update Request, in its
    units (1.25 ms, 10 ms; Vol 3 Part A 4.20, Vol 6 Part B 4.5.1), or None."""
    if not 6 <= interval_min <= interval_max <= 3200:
        return "the interval must be 7.5 to 4000 ms, its minimum not above its maximum"
    if not 0 <= latency <= 499:
        return "the latency must be 0 to 499"
    if not 10 <= timeout <= 3200:
        return "the supervision timeout must be 100 to 32000 ms"
    if timeout * 10.0 <= (1 + latency) * interval_max * 1.25 * 2:
        return "the supervision timeout must exceed (1 + latency) x interval x 2"
    return None


def _parameter_words(requested: dict[str, Any]) -> str:
    low, high = requested["interval_min_ms"], requested["interval_max_ms"]
    interval = f"{low:g} ms" if low == high else f"{low:g}-{high:g} ms"
    return (
        f"interval {interval}, latency {requested['latency']}, supervision timeout "
        f"{requested['supervision_timeout_ms']:g} ms"
    )


class _PeerRequestRouter:
    """Installed once on a central device's L2CAP channel manager (Bumble finds a signalling
    handler by name on it): routes each Connection Parameter Update Request to the client of
    that connection, and to Bumble's own handler (accept) for a connection no client has."""

    def __init__(self, manager: Any) -> None:
        self.clients: dict[int, Callable[[Any, int, Any], None]] = {}
        self._bumble = getattr(type(manager), _HANDLER).__get__(manager)

    def __call__(self, connection: Any, cid: int, request: Any) -> None:
        handler = self.clients.get(connection.handle)
        if handler is None or connection.role != hci.Role.CENTRAL:
            self._bumble(connection, cid, request)
        else:
            handler(connection, cid, request)


_LL_HANDLER = "on_hci_le_remote_connection_parameter_request_event"


class _RemoteRequestRouter:
    """The same on a central device's host for the link layer's Connection Parameters
    Request (HCI LE Remote Connection Parameter Request, which Bumble's host always
    accepts): each to its connection's client, else to Bumble."""

    def __init__(self, host: Any) -> None:
        self.clients: dict[int, Callable[[Any], None]] = {}
        self._bumble = getattr(type(host), _LL_HANDLER).__get__(host)

    def __call__(self, event: Any) -> None:
        handler = self.clients.get(event.connection_handle)
        if handler is None:
            self._bumble(event)
        else:
            handler(event)


def _remote_router(device: Device) -> _RemoteRequestRouter:
    host = device.host
    router = host.__dict__.get(_LL_HANDLER)
    if not isinstance(router, _RemoteRequestRouter):
        router = _RemoteRequestRouter(host)
        setattr(host, _LL_HANDLER, router)
    return router


def _router(device: Device) -> _PeerRequestRouter:
    manager = device.l2cap_channel_manager
    router = manager.__dict__.get(_HANDLER)
    if not isinstance(router, _PeerRequestRouter):
        router = _PeerRequestRouter(manager)
        setattr(manager, _HANDLER, router)
    return router


def _refusal(name: StepName, requested: dict[str, Any], code: int, what: str) -> LinkStep:
    expl = hci_error(code)
    if code == hci.HCI_ErrorCode.UNKNOWN_HCI_COMMAND_ERROR:
        words = f"the controller does not implement {what} (HCI 0x01 Unknown HCI Command): this link keeps what it has; {expl.next_step}"
        status = "not_available"
    else:
        words = f"{what} refused: HCI 0x{code:02X} {expl.name}: {expl.meaning} {expl.next_step}"
        status = "refused"
    return LinkStep(
        name=name,
        requested=requested,
        status=status,  # type: ignore[arg-type]
        words=words,
        hci_status=int(code),
        hci_name=expl.name,
    )


class BumbleLinkControl:
    """The `LinkControl` half of `BumbleClient` (a mixin: it reads the client's connection)."""

    _connection: Connection | None
    _device: Device
    _tx_phy: int | None
    _rx_phy: int | None
    _coding: str | None = None  # "s2" / "s8": what was asked (HCI says only "coded")
    _radio: Any
    _asking: set[str]  # the procedures this side started and waits for
    _peer_events: collections.deque[PeerLinkEvent]
    _phy_updates: int = 0  # PHY Update Complete events seen on this connection

    # ------------------------------------------------------------------ the peer's requests

    @property
    def peer_requests(self) -> PeerRequestPolicy:
        """The radio's policy, read at each request (a change applies to live links)."""
        policy = getattr(self._radio, "peer_requests", "accept")
        return "refuse" if policy == "refuse" else "accept"

    def peer_link_events(self) -> list[PeerLinkEvent]:
        return list(getattr(self, "_peer_events", ()))

    def _watch_peer_requests(self, connection: Connection) -> None:
        """Called once the connection is made: route its L2CAP requests here, and note the
        PHY and data length updates the peer starts."""
        self._asking = set()
        self._peer_events = collections.deque(maxlen=PEER_EVENTS_KEPT)
        router = _router(self._device)
        handle = connection.handle
        router.clients[handle] = self._on_parameter_request
        remote = _remote_router(self._device)
        remote.clients[handle] = self._on_remote_parameter_request

        def forget(_reason: int) -> None:
            router.clients.pop(handle, None)
            remote.clients.pop(handle, None)

        connection.once(connection.EVENT_DISCONNECTION, forget)
        connection.on(connection.EVENT_CONNECTION_PHY_UPDATE, self._on_peer_phy)
        connection.on(connection.EVENT_CONNECTION_DATA_LENGTH_CHANGE, self._on_peer_data_length)

    def _record(self, event: PeerLinkEvent) -> None:
        with contextlib.suppress(RuntimeError):
            event.at = asyncio.get_running_loop().time()
        self._peer_events.append(event)

    def _on_peer_phy(self, *_args: Any) -> None:
        self._phy_updates += 1
        if "phy" in self._asking:
            return
        state = self.link_state()
        settled = {"tx_phy": state.get("tx_phy"), "rx_phy": state.get("rx_phy")}
        words = (
            f"the PHY changed to tx {settled['tx_phy']}, rx {settled['rx_phy']} without "
            "blebench asking (the peer or the controllers started it: a link-layer procedure "
            "settled without asking the host)"
        )
        self._record(PeerLinkEvent("phy", {}, "changed", words, settled))

    def _on_peer_data_length(self, *_args: Any) -> None:
        if "data_length" in self._asking:
            return
        state = self.link_state()
        settled = {"tx_octets": state.get("tx_octets"), "rx_octets": state.get("rx_octets")}
        words = (
            f"the data length changed to {settled['tx_octets']} octets out, "
            f"{settled['rx_octets']} in without blebench asking (the peer or the controllers "
            "started it: a link-layer procedure settled without asking the host)"
        )
        self._record(PeerLinkEvent("data_length", {}, "changed", words, settled))

    def _answer(self, connection: Any, cid: int, request: Any, accepted: bool) -> None:
        result = (
            l2cap.L2CAP_CONNECTION_PARAMETERS_ACCEPTED_RESULT
            if accepted
            else l2cap.L2CAP_CONNECTION_PARAMETERS_REJECTED_RESULT
        )
        self._device.l2cap_channel_manager.send_control_frame(
            connection,
            cid,
            l2cap.L2CAP_Connection_Parameter_Update_Response(
                identifier=request.identifier, result=result
            ),
        )

    def _on_remote_parameter_request(self, event: Any) -> None:
        requested = {
            "interval_min_ms": event.interval_min * 1.25,
            "interval_max_ms": event.interval_max * 1.25,
            "latency": int(event.max_latency),
            "supervision_timeout_ms": event.timeout * 10.0,
        }
        asked = (
            f"the peer asked for {_parameter_words(requested)} (link layer Connection "
            "Parameters Request)"
        )
        kept = self.link_state().get("interval_ms")
        problem = _out_of_range(
            int(event.interval_min),
            int(event.interval_max),
            int(event.max_latency),
            int(event.timeout),
        )
        if self.peer_requests == "refuse" or problem:
            why = (
                "peer requests: refuse"
                if problem is None
                else f"out of the spec's range ({problem})"
            )
            reply: hci.HCI_SyncCommand[Any] = (
                hci.HCI_LE_Remote_Connection_Parameter_Request_Negative_Reply_Command(
                    connection_handle=event.connection_handle,
                    reason=hci.HCI_ErrorCode(0x3B),  # Unacceptable Connection Parameters
                )
            )
            words = f"{asked}: refused ({why}, HCI 0x3B); the link keeps interval {kept:g} ms"
            self._record(PeerLinkEvent("connection_parameters", requested, "refused", words))
            asyncio.ensure_future(self._device.host.send_sync_command(reply))
            return
        reply = hci.HCI_LE_Remote_Connection_Parameter_Request_Reply_Command(
            connection_handle=event.connection_handle,
            interval_min=event.interval_min,
            interval_max=event.interval_max,
            max_latency=event.max_latency,
            timeout=event.timeout,
            min_ce_length=0,
            max_ce_length=0,
        )
        asyncio.ensure_future(self._reply_and_wait(reply, requested, asked))

    async def _reply_and_wait(
        self, reply: hci.HCI_SyncCommand[Any], requested: dict[str, Any], asked: str
    ) -> None:
        connection = self._link()
        watcher = asyncio.ensure_future(
            self._await_event(
                connection,
                connection.EVENT_CONNECTION_PARAMETERS_UPDATE,
                connection.EVENT_CONNECTION_PARAMETERS_UPDATE_FAILURE,
                COMMAND_ANSWER_S
                + 8 * max(self._interval_s(), requested["interval_max_ms"] / 1000.0),
            )
        )
        try:
            await self._device.host.send_sync_command(reply)
        except Exception as exc:  # noqa: BLE001 - said in words as the outcome
            watcher.cancel()
            words = f"{asked}: accepted, but the controller refused the reply: {exc}"
            self._record(PeerLinkEvent("connection_parameters", requested, "failed", words))
            return
        kind, _value = await watcher
        state = self.link_state()
        settled = {k: state.get(k) for k in ("interval_ms", "latency", "supervision_timeout_ms")}
        if kind == "ok":
            words = (
                f"{asked}: accepted (peer requests: accept); Connection Update Complete: interval "
                f"{settled['interval_ms']:g} ms, latency {settled['latency']}, supervision "
                f"timeout {settled['supervision_timeout_ms']:g} ms"
            )
            self._record(
                PeerLinkEvent("connection_parameters", requested, "accepted", words, settled)
            )
        else:
            words = f"{asked}: accepted, but no Connection Update Complete followed"
            self._record(PeerLinkEvent("connection_parameters", requested, "failed", words))

    def _on_parameter_request(self, connection: Any, cid: int, request: Any) -> None:
        requested = {
            "interval_min_ms": request.interval_min * 1.25,
            "interval_max_ms": request.interval_max * 1.25,
            "latency": int(request.latency),
            "supervision_timeout_ms": request.timeout * 10.0,
        }
        asked = f"the peer asked for {_parameter_words(requested)} (L2CAP Connection Parameter Update Request)"
        kept = self.link_state().get("interval_ms")
        if self.peer_requests == "refuse":
            self._answer(connection, cid, request, False)
            words = f"{asked}: refused (peer requests: refuse); the link keeps interval {kept:g} ms"
            self._record(PeerLinkEvent("connection_parameters", requested, "refused", words))
            return
        problem = _out_of_range(
            int(request.interval_min),
            int(request.interval_max),
            int(request.latency),
            int(request.timeout),
        )
        if problem:
            self._answer(connection, cid, request, False)
            words = f"{asked}: refused, out of the spec's range ({problem}); the link keeps interval {kept:g} ms"
            self._record(PeerLinkEvent("connection_parameters", requested, "refused", words))
            return
        self._answer(connection, cid, request, True)
        asyncio.ensure_future(self._apply_peer_parameters(requested, asked))

    async def _apply_peer_parameters(self, requested: dict[str, Any], asked: str) -> None:
        step = await self.update_connection(
            requested["interval_min_ms"],
            requested["interval_max_ms"],
            requested["latency"],
            requested["supervision_timeout_ms"],
        )
        if step.status == "settled":
            words = f"{asked}: accepted (peer requests: accept); {step.words}"
            outcome = "accepted"
        else:
            words = f"{asked}: accepted, but the update did not complete: {step.words}"
            outcome = "failed"
        self._record(
            PeerLinkEvent("connection_parameters", requested, outcome, words, step.settled)  # type: ignore[arg-type]
        )

    def _link(self) -> Connection:
        connection = self._connection
        if connection is None:
            raise ConnectionError("not connected")
        return connection

    def _interval_s(self) -> float:
        connection = self._connection
        interval_ms = float(connection.parameters.connection_interval) if connection else 50.0
        return max(interval_ms, 7.5) / 1000.0

    def _phy_text(self, phy: int | None) -> str | None:
        if phy is None:
            return None
        name = _PHY_NAMES.get(int(phy), f"phy-{int(phy)}")
        return f"coded-{self._coding}" if name == "coded" and self._coding else name

    def link_state(self) -> dict[str, Any]:
        connection = self._connection
        if connection is None:
            return {}
        params = connection.parameters
        length = connection.data_length
        return {
            "interval_ms": float(params.connection_interval),
            "latency": int(params.peripheral_latency),
            "supervision_timeout_ms": float(params.supervision_timeout),
            "tx_phy": self._phy_text(self._tx_phy if self._tx_phy is not None else 1),
            "rx_phy": self._phy_text(self._rx_phy if self._rx_phy is not None else 1),
            "tx_octets": int(length.max_tx_octets),
            "rx_octets": int(length.max_rx_octets),
            "mtu": int(connection.att_mtu),
        }

    def acl_backlog(self) -> int:
        host = self._device.host
        queue = host.le_acl_packet_queue or host.acl_packet_queue
        return int(queue.pending) if queue is not None else 0

    async def _await_event(
        self, connection: Connection, ok_event: str, failure_event: str, timeout: float
    ) -> tuple[str, Any]:
        """("ok", args) / ("failed", hci code) / ("timeout", None)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[tuple[str, Any]] = loop.create_future()

        def ok(*args: Any) -> None:
            if not done.done():
                done.set_result(("ok", args))

        def failed(code: int) -> None:
            if not done.done():
                done.set_result(("failed", int(code)))

        connection.on(ok_event, ok)
        connection.on(failure_event, failed)
        try:
            return await asyncio.wait_for(done, timeout)
        except TimeoutError:
            return ("timeout", None)
        finally:
            connection.remove_listener(ok_event, ok)
            connection.remove_listener(failure_event, failed)

    # ------------------------------------------------------------------ parameters

    async def update_connection(
        self, interval_min_ms: float, interval_max_ms: float, latency: int, timeout_ms: float
    ) -> LinkStep:
        connection = self._link()
        requested = {
            "interval_min_ms": interval_min_ms,
            "interval_max_ms": interval_max_ms,
            "latency": latency,
            "supervision_timeout_ms": timeout_ms,
        }
        # The instant comes some events after the request, at the old interval.
        wait = 8 * max(self._interval_s(), interval_max_ms / 1000.0) + COMMAND_ANSWER_S
        try:
            await asyncio.wait_for(
                connection.update_parameters(interval_min_ms, interval_max_ms, latency, timeout_ms),
                wait,
            )
        except hci.HCI_Error as exc:
            return _refusal(
                "connection_parameters", requested, int(exc.error_code or 0), "LE Connection Update"
            )
        except TimeoutError:
            return LinkStep(
                "connection_parameters",
                requested,
                "no_answer",
                f"no LE Connection Update Complete within {wait:.1f} s: the controller took the "
                "request but never said what it settled on",
            )
        state = self.link_state()
        settled = {k: state[k] for k in ("interval_ms", "latency", "supervision_timeout_ms")}
        return LinkStep(
            "connection_parameters",
            requested,
            "settled",
            f"Connection Update Complete: interval {settled['interval_ms']:g} ms, latency "
            f"{settled['latency']}, supervision timeout {settled['supervision_timeout_ms']:g} ms",
            settled=settled,
            hci_status=0,
        )

    # ------------------------------------------------------------------ PHY

    async def set_phy(self, tx: str, rx: str) -> LinkStep:
        connection = self._link()
        requested = {"tx_phy": tx, "rx_phy": rx}
        tx_phy, tx_options = _PHYS[tx]
        rx_phy, rx_options = _PHYS[rx]
        if not self._device.host.supports_command(hci.HCI_LE_SET_PHY_COMMAND):
            return LinkStep(
                "phy",
                requested,
                "not_available",
                "the controller does not list LE Set PHY among its commands (a Bluetooth 4.x "
                "controller): the link stays on LE 1M",
            )
        options = tx_options or rx_options
        with self._own("phy"):
            return await self._set_phy(connection, requested, tx, rx, tx_phy, rx_phy, options)

    @contextlib.contextmanager
    def _own(self, procedure: str) -> Any:
        """While this side runs `procedure`: its events are not the peer's."""
        asking = getattr(self, "_asking", None)
        if asking is None:
            asking = self._asking = set()
        asking.add(procedure)
        try:
            yield
        finally:
            asking.discard(procedure)

    async def _set_phy(
        self,
        connection: Connection,
        requested: dict[str, Any],
        tx: str,
        rx: str,
        tx_phy: hci.Phy,
        rx_phy: hci.Phy,
        options: int,
    ) -> LinkStep:
        watcher = asyncio.ensure_future(
            self._await_event(
                connection,
                connection.EVENT_CONNECTION_PHY_UPDATE,
                connection.EVENT_CONNECTION_PHY_UPDATE_FAILURE,
                COMMAND_ANSWER_S + 4 * self._interval_s() + _PROCEDURE_SLACK_S,
            )
        )
        try:
            await asyncio.wait_for(
                connection.set_phy([tx_phy], [rx_phy], phy_options=options), COMMAND_ANSWER_S
            )
        except hci.HCI_Error as exc:
            watcher.cancel()
            return _refusal("phy", requested, int(exc.error_code or 0), "LE Set PHY")
        except TimeoutError:
            watcher.cancel()
            return LinkStep(
                "phy",
                requested,
                "not_available",
                f"the controller never answered LE Set PHY (no Command Status in "
                f"{COMMAND_ANSWER_S:g} s): it lists the command but does not implement it "
                "(a stock Bumble controller does this); the link stays on its PHY",
            )
        kind, value = await watcher
        if kind == "failed":
            return _refusal("phy", requested, int(value), "the PHY update")
        if kind == "timeout":
            return LinkStep(
                "phy", requested, "no_answer", "no PHY Update Complete: the PHY is unchanged"
            )
        coding = {1: "s2", 2: "s8"}.get(options)
        self._coding = coding
        seen = self._phy_updates
        with contextlib.suppress(Exception):
            phy = await asyncio.wait_for(connection.get_phy(), COMMAND_ANSWER_S)
            if self._phy_updates == seen:  # else a later update (the peer's) is newer
                self._tx_phy, self._rx_phy = int(phy.tx_phy), int(phy.rx_phy)
        state = self.link_state()
        settled = {"tx_phy": state["tx_phy"], "rx_phy": state["rx_phy"]}
        same = settled == requested or (settled["tx_phy"] == tx and settled["rx_phy"] == rx)
        words = f"PHY Update Complete: tx {settled['tx_phy']}, rx {settled['rx_phy']}"
        if not same:
            words += " (the peer does not support what was asked, or chose otherwise)"
        return LinkStep("phy", requested, "settled" if same else "unchanged", words, settled, 0)

    # ------------------------------------------------------------------ data length

    async def set_data_length(self, octets: int) -> LinkStep:
        with self._own("data_length"):
            return await self._set_data_length(octets)

    async def _set_data_length(self, octets: int) -> LinkStep:
        connection = self._link()
        requested = {"tx_octets": octets}
        before = (
            int(connection.data_length.max_tx_octets),
            int(connection.data_length.max_rx_octets),
        )
        watcher = asyncio.ensure_future(
            self._await_event(
                connection,
                connection.EVENT_CONNECTION_DATA_LENGTH_CHANGE,
                "blebench_never",  # there is no failure event: no change is silence
                COMMAND_ANSWER_S + 4 * self._interval_s(),
            )
        )
        try:
            # The longest time the spec allows: the controller limits it to its PHY.
            await asyncio.wait_for(connection.set_data_length(octets, 0x4290), COMMAND_ANSWER_S)
        except hci.HCI_Error as exc:
            watcher.cancel()
            return _refusal(
                "data_length", requested, int(exc.error_code or 0), "LE Set Data Length"
            )
        except TimeoutError:
            watcher.cancel()
            return LinkStep(
                "data_length",
                requested,
                "no_answer",
                f"the controller never answered LE Set Data Length in {COMMAND_ANSWER_S:g} s",
            )
        kind, _ = await watcher
        length = connection.data_length
        settled = {
            "tx_octets": int(length.max_tx_octets),
            "rx_octets": int(length.max_rx_octets),
            "tx_time_us": int(length.max_tx_time),
            "rx_time_us": int(length.max_rx_time),
        }
        if kind != "ok":
            return LinkStep(
                "data_length",
                requested,
                "unchanged",
                f"no Data Length Change: the link stays at {before[0]} octets out, {before[1]} in "
                "(the peer has no data length extension, or these were already in effect)",
                settled,
                0,
            )
        return LinkStep(
            "data_length",
            requested,
            "settled",
            f"Data Length Change: {settled['tx_octets']} octets out, {settled['rx_octets']} in",
            settled,
            0,
        )

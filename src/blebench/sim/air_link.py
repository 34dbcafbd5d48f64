"""One LE connection on the modelled air: connection events, their capacity, and the link
layer's control procedures (connection update, PHY update, data length update).

The stock Bumble controller (0.0.236) hands every ACL packet to the peer at once and
answers the link's HCI commands loosely (measured, see BUMBLE-NOTES.md): LE Connection
Update accepts any value (an interval of 2.5 ms, a supervision timeout of 0) and applies it
at once; LE Set Data Length answers 0x01 Unknown HCI Command although the controller lists
it as supported; LE Set PHY gets no Command Status at all, so the host waits until its own
timeout. `AirConnection` replaces that for connections between two `ModelledController`s:

- ACL data waits in the sending controller until a connection event: events happen every
  interval from the connection's anchor; in each, the central and the peripheral take turns
  (one LL PDU each, an empty one when a side has nothing), each PDU's airtime from
  `sim/airtime.py`, T_IFS between them, until the event would run into the next anchor,
  nothing is left to send, or the controllers' packets-per-event limit is reached. An HCI
  ACL packet counts as completed (Number Of Completed Packets, which is what paces the
  host) when its last LL PDU has gone. With peripheral latency, a peripheral with nothing
  to send listens only every latency + 1 events.
- LE Connection Update: values out of the spec's range are refused with 0x12; a peripheral
  whose model does not accept the interval refuses with 0x3B (Unacceptable Connection
  Parameters, as a peripheral answering LL_CONNECTION_PARAM_REQ negatively does); else the
  new parameters apply at an instant six events later and both hosts get Connection Update
  Complete. From the peripheral's host, LE Connection Update is the Connection Parameters
  Request procedure: the central's host gets LE Remote Connection Parameter Request and
  its Reply makes the update (at an instant, as above), its Negative Reply gives the
  peripheral's host Connection Update Complete with the reason.
- LE Set PHY: the PHYs both controllers support; a peer without the PHY update procedure
  gives 0x1A Unsupported Remote Feature. PHY Update Complete two events later.
- LE Set Data Length: 0x12 out of range; the effective length each way is the smaller of
  the sender's maximum and the receiver's, limited by the time its PDU takes on the PHY
  in use; Data Length Change to both hosts when a value changed (no event when none did,
  as the spec says).
"""

from __future__ import annotations

import asyncio
import collections
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from bumble import hci

from blebench.sim import airtime
from blebench.sim.airtime import Phy

if TYPE_CHECKING:
    from bumble import controller as bumble_controller


class _Air(Protocol):
    """What a connection needs of the air both ends share (sim/radio.py's ModelledLink)."""

    def present(self, controller: Any) -> bool: ...  # a bumble Controller


class ModelledController(Protocol):
    """What a connection needs of each end's controller (sim/radio.py's
    ModelledController; named here so this module does not import the radio's)."""

    supervision_timeouts: dict[hci.Address, int]

    @property
    def modelled_link(self) -> _Air: ...

    @property
    def link_model(self) -> LinkModel: ...

    def send_hci_packet(self, packet: hci.HCI_Packet) -> None: ...

UPDATE_INSTANT_EVENTS = 6  # connection update: the instant, counted in events from now
PROCEDURE_EVENTS = 2  # a request and its response: PHY and data length updates
MAX_CATCH_UP_EVENTS = 64  # a loop that fell behind carries this many events' worth at once
DEFAULT_TX_TIME_US = 328  # connInitialMaxTxTime (Vol 6, Part B, 4.5.10)
MAX_TX_TIME_US = 17040

UNACCEPTABLE_PARAMETERS = hci.HCI_ErrorCode(0x3B)
UNSUPPORTED_REMOTE_FEATURE = hci.HCI_ErrorCode(0x1A)
INVALID_PARAMETERS = hci.HCI_ErrorCode(0x12)


@dataclass(frozen=True, slots=True)
class LinkModel:
    """What one device's controller and host accept on a connection (a catalogue device's
    `link_model`; the default is a current phone or dongle)."""

    phys: frozenset[Phy] = frozenset(Phy)
    phy_update: bool = True  # False: a 4.x controller without the PHY update procedure
    max_data_length: int = airtime.DATA_LENGTH_MAX  # 27: no data length extension
    packets_per_event: int | None = 6
    interval_min_ms: float = airtime.INTERVAL_MIN_MS  # what the peripheral accepts
    interval_max_ms: float = airtime.INTERVAL_MAX_MS
    max_latency: int = airtime.LATENCY_MAX

    def refuses_interval(self, low_ms: float, high_ms: float) -> tuple[float, float] | None:
        """The part of [low, high] this device accepts (None: none of it)."""
        lo = max(low_ms, self.interval_min_ms)
        hi = min(high_ms, self.interval_max_ms)
        return (lo, hi) if lo <= hi else None


DEFAULT_LINK_MODEL = LinkModel()
# The central's controller in the virtual world, by what it stands for (`--sim-central`):
# a phone stops a connection event after a few packets of its own choosing (Part B 4.5.6
# leaves the number to the controller; many phones: 4 to 7), a dongle's controller (a
# Nordic or Zephyr one with the event length extended) goes on while the interval allows.
CENTRAL_MODELS: dict[str, LinkModel] = {
    "phone": DEFAULT_LINK_MODEL,
    "dongle": LinkModel(packets_per_event=None),
}


def acl_backlog(device: object) -> int:
    """HCI ACL packets a Bumble device's host has queued or handed to its controller and not
    seen completed: how full its transmit buffer is (a virtual device drops what it cannot
    send, as a UART module with a full buffer does)."""
    host = getattr(device, "host", None)
    queue = getattr(host, "le_acl_packet_queue", None) or getattr(host, "acl_packet_queue", None)
    return int(getattr(queue, "pending", 0) or 0)


def _phy_of(bits: int, options: int) -> list[Phy]:
    phys: list[Phy] = []
    if bits & hci.PhyBit.LE_2M:
        phys.append(Phy.LE_2M)
    if bits & hci.PhyBit.LE_1M:
        phys.append(Phy.LE_1M)
    if bits & hci.PhyBit.LE_CODED:
        phys.append(Phy.CODED_S2 if options == 1 else Phy.CODED_S8)
    return phys


@dataclass(slots=True)
class _Pending:
    packet: hci.HCI_AclDataPacket
    left: int  # octets of this HCI packet not yet on air


@dataclass(slots=True)
class _Side:
    controller: ModelledController
    connection: bumble_controller.Connection
    phy: Phy = Phy.LE_1M  # what this side transmits on
    tx_octets: int = airtime.DATA_LENGTH_MIN  # effective, this side to the other
    max_tx_octets: int = airtime.DATA_LENGTH_MIN  # what the host asked (LE Set Data Length)
    max_tx_time: int = DEFAULT_TX_TIME_US
    queue: collections.deque[_Pending] = field(default_factory=collections.deque)

    @property
    def model(self) -> LinkModel:
        return self.controller.link_model

    def next_pdu(self) -> int | None:
        if not self.queue:
            return None
        return min(self.queue[0].left, self.tx_octets)


class AirConnection:
    """One connection between two modelled controllers (see the module doc)."""

    def __init__(
        self,
        central: _Side,
        peripheral: _Side,
        *,
        interval_units: int,
        latency: int,
        timeout_units: int,
    ) -> None:
        self.central = central
        self.peripheral = peripheral
        self.interval_units = max(int(interval_units), 6)
        self.latency = int(latency)
        self.timeout_units = int(timeout_units)
        loop = asyncio.get_running_loop()
        self._loop = loop
        self.anchor0 = loop.time()
        self.last_event = -1
        self._timer: asyncio.TimerHandle | None = None
        self._procedures: list[asyncio.TimerHandle] = []
        # The peripheral's Connection Parameters Request awaiting the central host's reply.
        self._asked: tuple[int, int, int, int] | None = None
        self.closed = False
        # What the air carried: the throughput command reads these beside its own counts.
        self.events = 0
        self.pdus = {"central": 0, "peripheral": 0}

    @classmethod
    def open(
        cls,
        central: ModelledController,
        central_connection: bumble_controller.Connection,
        peripheral: ModelledController,
        peripheral_connection: bumble_controller.Connection,
        *,
        interval_units: int,
        latency: int,
        timeout_units: int,
    ) -> AirConnection:
        return cls(
            _Side(central, central_connection),
            _Side(peripheral, peripheral_connection),
            interval_units=interval_units,
            latency=latency,
            timeout_units=timeout_units,
        )

    # ------------------------------------------------------------------ state

    @property
    def interval_s(self) -> float:
        return self.interval_units * airtime.INTERVAL_UNIT_MS / 1000.0

    @property
    def packets_per_event(self) -> int | None:
        limits = [
            s.model.packets_per_event
            for s in (self.central, self.peripheral)
            if s.model.packets_per_event is not None
        ]
        return min(limits) if limits else None

    def side_of(self, controller: object) -> _Side:
        return self.central if controller is self.central.controller else self.peripheral

    def other(self, side: _Side) -> _Side:
        return self.peripheral if side is self.central else self.central

    def close(self) -> None:
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for handle in self._procedures:
            handle.cancel()
        self._procedures.clear()
        self.central.queue.clear()
        self.peripheral.queue.clear()

    def _event_index(self, now: float) -> int:
        return math.floor((now - self.anchor0) / self.interval_s + 1e-9)

    def _anchor(self, index: int) -> float:
        return self.anchor0 + index * self.interval_s

    # ------------------------------------------------------------------ data

    def enqueue(self, controller: object, packet: hci.HCI_AclDataPacket) -> None:
        side = self.side_of(controller)
        side.queue.append(_Pending(packet, max(len(packet.data), 1)))
        self._arm()

    def _arm(self) -> None:
        if self.closed or self._timer is not None:
            return
        if not (self.central.queue or self.peripheral.queue):
            return
        now = self._loop.time()
        index = max(self._event_index(now) + 1, self.last_event + 1)
        self._timer = self._loop.call_at(self._anchor(index), self._on_event)

    def _on_event(self) -> None:
        self._timer = None
        if self.closed:
            return
        now = self._loop.time()
        index = self._event_index(now)
        first = max(self.last_event + 1, index - MAX_CATCH_UP_EVENTS + 1)
        for event in range(first, index + 1):
            self._run_event(event)
            if not (self.central.queue or self.peripheral.queue):
                break
        self.last_event = index
        self._arm()

    def _run_event(self, event: int) -> None:
        central, peripheral = self.central, self.peripheral
        link = central.controller.modelled_link
        if not (link.present(central.controller) and link.present(peripheral.controller)):
            return  # one side is off the air: nothing is heard until it is back or times out
        if not peripheral.queue and self.latency and event % (self.latency + 1):
            return  # the peripheral sleeps through this event: nothing is heard
        self.events += 1
        budget_us = self.interval_units * airtime.INTERVAL_UNIT_MS * 1000.0
        limit = self.packets_per_event
        used = 0.0
        exchanges = 0
        while True:
            c_octets = central.next_pdu()
            p_octets = peripheral.next_pdu()
            if exchanges and c_octets is None and p_octets is None:
                return  # no more data either way: the event closes
            duration = (
                airtime.pdu_airtime_us(c_octets or 0, central.phy)
                + airtime.pdu_airtime_us(p_octets or 0, peripheral.phy)
                + 2 * airtime.T_IFS_US
            )
            if exchanges and used + duration > budget_us:
                return  # the next exchange would run into the next anchor
            if limit is not None and exchanges >= limit:
                return
            used += duration
            exchanges += 1
            if c_octets is not None:
                self._transmit(central, c_octets)
            if p_octets is not None:
                self._transmit(peripheral, p_octets)
            if c_octets is None and p_octets is None:
                return

    def _transmit(self, side: _Side, octets: int) -> None:
        role = "central" if side is self.central else "peripheral"
        self.pdus[role] += 1
        head = side.queue[0]
        head.left -= octets
        if head.left > 0:
            return
        side.queue.popleft()
        connection = side.connection
        controller = side.controller
        controller.send_hci_packet(
            hci.HCI_Number_Of_Completed_Packets_Event(
                connection_handles=[connection.handle], num_completed_packets=[1]
            )
        )
        # The stock connection's assembler hands a whole L2CAP PDU to the link.
        connection.assembler.feed_packet(head.packet)

    # ------------------------------------------------------------------ procedures

    def _later(self, events: int, callback: object) -> None:
        assert callable(callback)
        handle = self._loop.call_later(events * self.interval_s, self._run_procedure, callback)
        self._procedures.append(handle)

    def _run_procedure(self, callback: object) -> None:
        self._procedures = [
            h for h in self._procedures if not h.cancelled() and h.when() > self._loop.time()
        ]
        if not self.closed:
            assert callable(callback)
            callback()

    def connection_update(self, command: hci.HCI_LE_Connection_Update_Command) -> int:
        """The central's LE Connection Update; returns the Command Status."""
        if _outside_the_spec(command):
            return INVALID_PARAMETERS
        interval_min = command.connection_interval_min * airtime.INTERVAL_UNIT_MS
        interval_max = command.connection_interval_max * airtime.INTERVAL_UNIT_MS
        model = self.peripheral.model
        accepted = model.refuses_interval(interval_min, interval_max)
        if accepted is None or command.max_latency > model.max_latency:
            self._later(PROCEDURE_EVENTS, lambda: self._update_failed(UNACCEPTABLE_PARAMETERS))
            return hci.HCI_ErrorCode.SUCCESS
        # The lowest interval both accept (what a central asking a range is after).
        units = math.ceil(accepted[0] / airtime.INTERVAL_UNIT_MS - 1e-9)
        latency, timeout = int(command.max_latency), int(command.supervision_timeout)
        self._later(UPDATE_INSTANT_EVENTS, lambda: self._apply_update(units, latency, timeout))
        return hci.HCI_ErrorCode.SUCCESS

    def parameter_request(self, command: hci.HCI_LE_Connection_Update_Command) -> int:
        """The peripheral's LE Connection Update: the Connection Parameters Request
        procedure (LL_CONNECTION_PARAM_REQ, Vol 6 Part B 5.1.7), which asks the central's
        host (LE Remote Connection Parameter Request); returns the Command Status."""
        if _outside_the_spec(command):
            return INVALID_PARAMETERS
        if self._asked is not None:
            return hci.HCI_ErrorCode.COMMAND_DISALLOWED_ERROR
        asked = (
            int(command.connection_interval_min),
            int(command.connection_interval_max),
            int(command.max_latency),
            int(command.supervision_timeout),
        )
        self._asked = asked
        event = hci.HCI_LE_Remote_Connection_Parameter_Request_Event(
            connection_handle=self.central.connection.handle,
            interval_min=asked[0],
            interval_max=asked[1],
            max_latency=asked[2],
            timeout=asked[3],
        )
        self._later(1, lambda: self.central.controller.send_hci_packet(event))
        return hci.HCI_ErrorCode.SUCCESS

    def parameter_reply(self, units: int, latency: int, timeout: int) -> int:
        """The central host's Reply: the update at an instant, as the central's own."""
        if self._asked is None:
            return hci.HCI_ErrorCode.COMMAND_DISALLOWED_ERROR
        self._asked = None
        self._later(UPDATE_INSTANT_EVENTS, lambda: self._apply_update(units, latency, timeout))
        return hci.HCI_ErrorCode.SUCCESS

    def parameter_negative_reply(self, reason: int) -> int:
        """The central host's Negative Reply: the peripheral's host hears the reason."""
        if self._asked is None:
            return hci.HCI_ErrorCode.COMMAND_DISALLOWED_ERROR
        self._asked = None

        def refused() -> None:
            self.peripheral.controller.send_hci_packet(
                hci.HCI_LE_Connection_Update_Complete_Event(
                    status=reason,
                    connection_handle=self.peripheral.connection.handle,
                    connection_interval=self.interval_units,
                    peripheral_latency=self.latency,
                    supervision_timeout=self.timeout_units,
                )
            )

        self._later(PROCEDURE_EVENTS, refused)
        return hci.HCI_ErrorCode.SUCCESS

    def _update_failed(self, status: int) -> None:
        self.central.controller.send_hci_packet(
            hci.HCI_LE_Connection_Update_Complete_Event(
                status=status,
                connection_handle=self.central.connection.handle,
                connection_interval=self.interval_units,
                peripheral_latency=self.latency,
                supervision_timeout=self.timeout_units,
            )
        )

    def _apply_update(self, units: int, latency: int, timeout: int) -> None:
        changed = (units, latency, timeout) != (
            self.interval_units,
            self.latency,
            self.timeout_units,
        )
        # The new timing starts at the instant: the anchor moves here.
        self.anchor0 = self._loop.time()
        self.last_event = -1
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.interval_units, self.latency, self.timeout_units = units, latency, timeout
        for side in (self.central, self.peripheral):
            side.controller.supervision_timeouts[side.connection.peer_address] = timeout
            if side is self.peripheral and not changed:
                continue
            side.controller.send_hci_packet(
                hci.HCI_LE_Connection_Update_Complete_Event(
                    status=hci.HCI_ErrorCode.SUCCESS,
                    connection_handle=side.connection.handle,
                    connection_interval=units,
                    peripheral_latency=latency,
                    supervision_timeout=timeout,
                )
            )
        self._arm()

    def set_phy(self, controller: object, command: hci.HCI_LE_Set_PHY_Command) -> int:
        """LE Set PHY from either side; returns the Command Status."""
        side = self.side_of(controller)
        peer = self.other(side)
        any_tx = bool(command.all_phys & 0x01)
        any_rx = bool(command.all_phys & 0x02)
        known = int(hci.PhyBit.LE_1M | hci.PhyBit.LE_2M | hci.PhyBit.LE_CODED)
        if command.tx_phys & ~known or command.rx_phys & ~known:
            return INVALID_PARAMETERS
        if (not any_tx and not command.tx_phys) or (not any_rx and not command.rx_phys):
            return INVALID_PARAMETERS
        options = int(command.phy_options) & 0x03
        tx_wanted = list(Phy) if any_tx else _phy_of(command.tx_phys, options)
        rx_wanted = list(Phy) if any_rx else _phy_of(command.rx_phys, options)
        if not any(p in side.model.phys for p in tx_wanted + rx_wanted):
            return hci.HCI_ErrorCode.UNSUPPORTED_FEATURE_OR_PARAMETER_VALUE_ERROR
        if not peer.model.phy_update:
            self._later(
                PROCEDURE_EVENTS, lambda: self._phy_failed(side, UNSUPPORTED_REMOTE_FEATURE)
            )
            return hci.HCI_ErrorCode.SUCCESS

        def choose(wanted: list[Phy], sender: _Side, receiver: _Side) -> Phy:
            usable = [p for p in wanted if p in sender.model.phys and p in receiver.model.phys]
            if sender.phy in usable and (any_tx or any_rx):
                return sender.phy
            return usable[0] if usable else sender.phy

        new_tx = choose(tx_wanted, side, peer)
        new_rx = choose(rx_wanted, peer, side)
        self._later(PROCEDURE_EVENTS, lambda: self._apply_phy(side, new_tx, new_rx))
        return hci.HCI_ErrorCode.SUCCESS

    def _phy_failed(self, side: _Side, status: int) -> None:
        side.controller.send_hci_packet(
            hci.HCI_LE_PHY_Update_Complete_Event(
                status=status,
                connection_handle=side.connection.handle,
                tx_phy=side.phy.hci,
                rx_phy=self.other(side).phy.hci,
            )
        )

    def _apply_phy(self, side: _Side, tx: Phy, rx: Phy) -> None:
        peer = self.other(side)
        changed = (tx, rx) != (side.phy, peer.phy)
        side.phy, peer.phy = tx, rx
        for one in (side, peer):
            if one is peer and not changed:
                continue
            one.controller.send_hci_packet(
                hci.HCI_LE_PHY_Update_Complete_Event(
                    status=hci.HCI_ErrorCode.SUCCESS,
                    connection_handle=one.connection.handle,
                    tx_phy=one.phy.hci,
                    rx_phy=self.other(one).phy.hci,
                )
            )
        self._update_lengths()  # a slower PHY may cut what fits the time limits

    def phy_of(self, controller: object) -> tuple[Phy, Phy]:
        side = self.side_of(controller)
        return side.phy, self.other(side).phy

    def set_data_length(self, controller: object, tx_octets: int, tx_time: int) -> int:
        """LE Set Data Length from either side; returns the command's status."""
        if airtime.data_length_problem(tx_octets) or not 0x0148 <= tx_time <= 0x4290:
            return INVALID_PARAMETERS
        side = self.side_of(controller)
        side.max_tx_octets = min(tx_octets, side.model.max_data_length)
        side.max_tx_time = tx_time
        peer = self.other(side)
        if peer.model.max_data_length > airtime.DATA_LENGTH_MIN:
            # The responder's LL_LENGTH_RSP offers what its controller can (a peer without
            # data length extension answers LL_UNKNOWN_RSP instead: nothing changes).
            peer.max_tx_octets = max(peer.max_tx_octets, peer.model.max_data_length)
            peer.max_tx_time = max(peer.max_tx_time, MAX_TX_TIME_US)
            self._later(PROCEDURE_EVENTS, self._update_lengths)
        return hci.HCI_ErrorCode.SUCCESS

    def _effective(self, sender: _Side, receiver: _Side) -> int:
        octets = min(sender.max_tx_octets, receiver.model.max_data_length)
        time_us = max(sender.max_tx_time, DEFAULT_TX_TIME_US)
        return max(
            airtime.DATA_LENGTH_MIN,
            min(octets, airtime.max_octets_in_time(time_us, sender.phy, encrypted=False)),
        )

    def _update_lengths(self) -> None:
        central, peripheral = self.central, self.peripheral
        new_c = self._effective(central, peripheral)
        new_p = self._effective(peripheral, central)
        if (new_c, new_p) == (central.tx_octets, peripheral.tx_octets):
            return
        central.tx_octets, peripheral.tx_octets = new_c, new_p
        for side in (central, peripheral):
            peer = self.other(side)
            side.controller.send_hci_packet(
                hci.HCI_LE_Data_Length_Change_Event(
                    connection_handle=side.connection.handle,
                    max_tx_octets=side.tx_octets,
                    max_tx_time=round(
                        airtime.pdu_airtime_us(side.tx_octets, side.phy, encrypted=True)
                    ),
                    max_rx_octets=peer.tx_octets,
                    max_rx_time=round(
                        airtime.pdu_airtime_us(peer.tx_octets, peer.phy, encrypted=True)
                    ),
                )
            )


def _outside_the_spec(command: hci.HCI_LE_Connection_Update_Command) -> bool:
    """Interval, latency or supervision timeout outside what the Core spec allows (either
    side's LE Connection Update is refused with Invalid HCI Command Parameters)."""
    interval_min = command.connection_interval_min * airtime.INTERVAL_UNIT_MS
    interval_max = command.connection_interval_max * airtime.INTERVAL_UNIT_MS
    timeout_ms = command.supervision_timeout * airtime.TIMEOUT_UNIT_MS
    return bool(
        airtime.interval_problem(interval_min, interval_max)
        or airtime.latency_problem(command.max_latency)
        or airtime.timeout_problem(timeout_ms, interval_max, command.max_latency)
    )

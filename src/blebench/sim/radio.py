"""The modelled radio: a Bumble controller and link that behave as the Core spec says.

Stock Bumble (0.0.236) fakes the air: the link-layer message has no scan-response field, so
the receiving controller reports the advertising data twice; passive scanners get that
fake response; no report carries the legacy bit; non-connectable advertisers can be
connected to; ACL from a device advertising with its public address is dropped. See
BUMBLE-NOTES.md. This module replaces those parts:

- `AirAdvertisement` carries what a legacy advertising event really has on the air: the
  PDU type (ADV_IND, ADV_DIRECT_IND, ADV_SCAN_IND, ADV_NONCONN_IND), the advertising data,
  and the scan-response data the advertiser would answer a SCAN_REQ with.
- `ModelledController` transmits the latest data set through HCI, reports spec event types
  (legacy reports, or extended reports with the legacy bit), answers scan requests only for
  active scanners, refuses connections as a non-connectable advertiser, gives RSSI from a
  path-loss model with noise and slow drift, filters duplicates when asked, splits extended
  reports that would exceed the 255-byte HCI event limit, and ends a cancelled connection
  attempt with the event the host waits for.
- Each connection between two modelled controllers is an `AirConnection`
  (`sim/air_link.py`): ACL data goes in connection events whose capacity follows the Core
  spec's timing (`sim/airtime.py`), and LE Connection Update, LE Set PHY and LE Set Data
  Length run as the link layer's procedures, within the spec's ranges and what each
  device's `LinkModel` accepts.
- `ModelledLink` delivers ACL and LL control PDUs by the connection's own addresses, and
  models the supervision timeout: when a controller leaves the link (switched off, out of
  range), each peer still connected to it gets Disconnection Complete 0x08 (Connection
  Timeout) once that connection's supervision timeout has passed with nothing heard.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import random
from enum import IntEnum
from typing import Protocol

from bumble import controller as bumble_controller
from bumble import core, hci, ll
from bumble.link import LocalLink

from blebench.sim.air_link import DEFAULT_LINK_MODEL, AirConnection, LinkModel

logger = logging.getLogger(__name__)
_BUMBLE_CONTROLLER_LOG = logging.getLogger(bumble_controller.__name__)

ExtEventType = hci.HCI_LE_Extended_Advertising_Report_Event.EventType
LegacyEventType = hci.HCI_LE_Advertising_Report_Event.EventType

INVALID_PARAMETERS = hci.HCI_ErrorCode(hci.HCI_INVALID_HCI_COMMAND_PARAMETERS_ERROR)
LEGACY_DATA_MAX = 31  # Core spec Vol 4, Part E, 7.8.7: legacy advertising data length
# An HCI event carries at most 255 parameter bytes; an LE Extended Advertising Report with
# one report has 2 + 24 bytes of fixed fields, which leaves 229 bytes of data.
EXT_REPORT_DATA_MAX = 255 - 2 - 24
LEGACY_REPORT_DATA_MAX = 255 - 2 - 10
MIN_ADV_INTERVAL_S = 0.020  # legacy advertising interval floor (Vol 6, Part B, 4.4.2.2.1)
ADV_DELAY_MAX_S = 0.010  # advDelay: 0-10 ms pseudo-random, added to every event
RSSI_AT_1M_0DBM = -59.0  # typical received power at 1 m from a 0 dBm transmitter
PATH_LOSS_EXPONENT = 2.2  # indoors, line of sight
RSSI_NOISE_SIGMA_DB = 1.5
RSSI_DRIFT_LIMIT_DB = 6.0
RSSI_NOT_AVAILABLE = hci.HCI_LE_Extended_Advertising_Report_Event.RSSI_NOT_AVAILABLE  # 127
# What the modelled air carries at most, in legacy advertising events a second, before
# every advertiser is heard less often (see ModelledLink.offer). A real 1M PHY channel
# carries about 2,600 ADV_IND of 31 bytes a second back to back, and far fewer once
# random access collides; the built-in catalogue offers about 100.
AIR_EVENTS_PER_S = 2000.0
SUPERVISION_UNIT_S = 0.010  # connSupervisionTimeout is in units of 10 ms (Vol 6, Part B, 4.5.2)
DEFAULT_SUPERVISION_S = 0.720  # Bumble's default connection parameters


_LegacyReportType = hci.HCI_LE_Advertising_Report_Event.EventType
_ExtReport = hci.HCI_LE_Extended_Advertising_Report_Event


class AdvPduType(IntEnum):
    """Legacy advertising PDU types as the modelled link layer sends them (their values are
    Bumble's legacy report event types; what each PDU allows is this model's own)."""

    ADV_IND = _LegacyReportType.ADV_IND
    ADV_DIRECT_IND = _LegacyReportType.ADV_DIRECT_IND
    ADV_SCAN_IND = _LegacyReportType.ADV_SCAN_IND
    ADV_NONCONN_IND = _LegacyReportType.ADV_NONCONN_IND

    @property
    def connectable(self) -> bool:
        return self in (AdvPduType.ADV_IND, AdvPduType.ADV_DIRECT_IND)

    @property
    def scannable(self) -> bool:
        return self in (AdvPduType.ADV_IND, AdvPduType.ADV_SCAN_IND)

    @property
    def has_data(self) -> bool:
        return self is not AdvPduType.ADV_DIRECT_IND

    @classmethod
    def from_advertising_type(cls, advertising_type: int) -> AdvPduType:
        # HCI LE Set Advertising Parameters: 0x04 is low-duty-cycle directed (ADV_DIRECT_IND).
        if advertising_type == 0x04:
            return cls.ADV_DIRECT_IND
        return cls(advertising_type)


# Extended report event types for legacy PDUs (Vol 4, Part E, 7.7.65.13, table 7.1): the
# inverse of Bumble's LEGACY_PDU_TYPE_MAP with the legacy bit set; a scan response adds
# the scan response bit to the PDU it answers.
_LEGACY_BIT = int(_ExtReport.EventType.LEGACY_ADVERTISING_PDU_USED)
_SCAN_RESPONSE_BIT = int(_ExtReport.EventType.SCAN_RESPONSE)
LEGACY_EXT_EVENT_TYPE: dict[AdvPduType, int] = {
    AdvPduType(int(kind)): _LEGACY_BIT | int(bits)
    for bits, kind in _ExtReport.LEGACY_PDU_TYPE_MAP.items()
    if kind != _LegacyReportType.SCAN_RSP
}
LEGACY_EXT_SCAN_RSP: dict[AdvPduType, int] = {
    pdu: LEGACY_EXT_EVENT_TYPE[pdu] | _SCAN_RESPONSE_BIT for pdu in AdvPduType if pdu.scannable
}


class RadioProfile(Protocol):
    """Where a transmitter stands: what the receivers' path-loss model reads."""

    distance_m: float
    tx_power_dbm: int


@dataclasses.dataclass(slots=True)
class FixedProfile:
    distance_m: float = 1.0
    tx_power_dbm: int = 0
    link_model: LinkModel | None = None


@dataclasses.dataclass(eq=False)
class AirAdvertisement(ll.AdvertisingPdu):
    """One advertising event on the air, with the answer to a scan request attached.

    `pdu_type` is None for extended (non-legacy) advertising. The SCAN_REQ / SCAN_RSP
    exchange is modelled as atomic: only active scanners look at `scan_response`.
    """

    advertiser_address: hci.Address
    pdu_type: AdvPduType | None
    data: bytes
    scan_response: bytes
    sender: ModelledController
    target_address: hci.Address | None = None
    connectable: bool = False  # for extended advertising (pdu_type None)
    scannable: bool = False
    sid: int = 0

    @property
    def is_connectable(self) -> bool:
        return self.pdu_type.connectable if self.pdu_type is not None else self.connectable

    @property
    def is_scannable(self) -> bool:
        return self.pdu_type.scannable if self.pdu_type is not None else self.scannable


class PathLossModel:
    """RSSI = log-distance path loss + Gaussian noise + a slow bounded drift per transmitter.

    Seeded, so a world run with the same seed gives the same sequence of values.
    """

    __slots__ = ("_drift", "_rng")

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._drift: dict[int, float] = {}

    def rssi(self, sender_key: int, profile: RadioProfile) -> int:
        distance = max(float(profile.distance_m), 0.1)
        mean = (
            RSSI_AT_1M_0DBM
            + float(profile.tx_power_dbm)
            - 10.0 * PATH_LOSS_EXPONENT * math.log10(distance)
        )
        # Ornstein-Uhlenbeck step: wanders slowly, pulled back towards zero.
        drift = self._drift.get(sender_key, 0.0)
        drift += -0.02 * drift + self._rng.gauss(0.0, 0.25)
        drift = max(-RSSI_DRIFT_LIMIT_DB, min(RSSI_DRIFT_LIMIT_DB, drift))
        self._drift[sender_key] = drift
        value = mean + drift + self._rng.gauss(0.0, RSSI_NOISE_SIGMA_DB)
        return max(-127, min(20, round(value)))


class ModelledLegacyAdvertiser(bumble_controller.LegacyAdvertiser):
    """Legacy advertising: every PDU type, the scan response carried, spec timing."""

    def _on_timer_fired(self) -> None:
        self.send_advertising_data()
        owner = self.controller
        assert isinstance(owner, ModelledController)
        # Interval in units of 0.625 ms (the stock code reads it as milliseconds).
        interval = max(self.advertising_interval_min * 0.000625, MIN_ADV_INTERVAL_S)
        link = owner.modelled_link
        link.offer(id(self), 1.0 / interval)
        # A crowded air: each advertiser is heard less often (see ModelledLink.crowding).
        delay = interval * link.crowding + owner.rng.uniform(0.0, ADV_DELAY_MAX_S)
        self.timer_handle = asyncio.get_running_loop().call_later(delay, self._on_timer_fired)

    def stop(self) -> None:
        super().stop()
        link = getattr(self.controller, "modelled_link", None)
        if link is not None:
            link.offer(id(self), 0.0)

    def send_advertising_data(self) -> None:
        if not self.enabled:
            return
        owner = self.controller
        assert isinstance(owner, ModelledController)
        try:
            pdu_type = AdvPduType.from_advertising_type(self.advertising_type)
        except ValueError:
            return
        owner.send_advertising_pdu(
            AirAdvertisement(
                advertiser_address=self.address,
                pdu_type=pdu_type,
                data=self.advertising_data if pdu_type.has_data else b"",
                scan_response=self.scan_response_data if pdu_type.scannable else b"",
                sender=owner,
                target_address=(
                    self.peer_address if pdu_type is AdvPduType.ADV_DIRECT_IND else None
                ),
            )
        )


class ModelledAdvertisingSet(bumble_controller.AdvertisingSet):
    """Extended advertising sets: legacy PDUs when asked, the scan response carried."""

    def send_extended_advertising_data(self) -> None:
        owner = self.controller
        assert isinstance(owner, ModelledController)
        address = self.address
        parameters = self.parameters
        if address is None or parameters is None:
            return
        props = hci.HCI_LE_Set_Extended_Advertising_Parameters_Command.AdvertisingProperties(
            parameters.advertising_event_properties
        )
        connectable = bool(props & props.CONNECTABLE_ADVERTISING)
        scannable = bool(props & props.SCANNABLE_ADVERTISING)
        directed = bool(props & props.DIRECTED_ADVERTISING)
        pdu_type: AdvPduType | None = None
        if props & props.USE_LEGACY_ADVERTISING_PDUS:
            if directed:
                pdu_type = AdvPduType.ADV_DIRECT_IND
            elif connectable:
                pdu_type = AdvPduType.ADV_IND
            elif scannable:
                pdu_type = AdvPduType.ADV_SCAN_IND
            else:
                pdu_type = AdvPduType.ADV_NONCONN_IND
        owner.send_advertising_pdu(
            AirAdvertisement(
                advertiser_address=address,
                pdu_type=pdu_type,
                data=bytes(self.data),
                scan_response=bytes(self.scan_response_data) if scannable else b"",
                sender=owner,
                target_address=parameters.peer_address if directed else None,
                connectable=connectable,
                scannable=scannable,
                sid=parameters.advertising_sid,
            )
        )


class ModelledController(bumble_controller.Controller):
    """A Bumble controller whose radio behaves as the Core spec says (see module doc)."""

    # A controller with data length extension: HCI ACL buffers and LL PDUs of 251 octets
    # (the stock one says 27, so the host would cut every PDU to 27 whatever the link).
    le_acl_data_packet_length = 251
    supported_max_tx_octets = 251
    supported_max_tx_time = 17040
    supported_max_rx_octets = 251
    supported_max_rx_time = 17040

    def __init__(
        self,
        name: str,
        *,
        link: ModelledLink,
        public_address: hci.Address | str | None = None,
        profile: RadioProfile | None = None,
        seed: int = 0,
        extended_advertising: bool = True,
        host_source: object = None,
        host_sink: object = None,
    ) -> None:
        super().__init__(
            name,
            host_source=host_source,
            host_sink=host_sink,  # type: ignore[arg-type]
            link=link,
            public_address=public_address,
        )
        self.modelled_link = link
        self.profile: RadioProfile = profile if profile is not None else FixedProfile()
        self.rng = random.Random(f"{seed}:{name}")
        self.path_loss = PathLossModel(random.Random(f"{seed}:{name}:rssi"))
        self.le_legacy_advertiser = ModelledLegacyAdvertiser(self)
        if not extended_advertising:
            # A 4.2-style controller: the host then uses the legacy advertising commands,
            # which is how the virtual peripherals update their data at runtime.
            self.le_features = self.le_features & ~(
                hci.LeFeatureMask.LE_EXTENDED_ADVERTISING
                | hci.LeFeatureMask.LE_PERIODIC_ADVERTISING
            )
        self.le_scan_active = False
        self._scan_extended = False
        self._duplicates: set[tuple[bytes, int, bytes]] = set()
        link.listening_changed(self)
        # connSupervisionTimeout of each LE connection, by peer address (10 ms units).
        self.supervision_timeouts: dict[hci.Address, int] = {}
        # Each connection to another modelled controller, by peer address.
        self.air_connections: dict[hci.Address, AirConnection] = {}
        self._connect_ind: ll.ConnectInd | None = None

    @property
    def link_model(self) -> LinkModel:
        """What this device accepts on a connection: its profile's `link_model` (a catalogue
        device's class attribute), else a current phone or dongle's."""
        model = getattr(self.profile, "link_model", None)
        return model if isinstance(model, LinkModel) else DEFAULT_LINK_MODEL

    def air_connection(self, handle: int) -> AirConnection | None:
        connection = self.find_le_connection_by_handle(handle)
        return self.air_connections.get(connection.peer_address) if connection else None

    # Whether the receiver listens on the advertising channels (scanning or initiating):
    # the link hands advertising PDUs to listeners only, so a world of thousands of
    # peripherals costs one delivery per PDU and per central, not one per controller.
    @property
    def le_scan_enable(self) -> bool:
        return self._le_scan_enable

    @le_scan_enable.setter
    def le_scan_enable(self, value: bool) -> None:
        self._le_scan_enable = value
        self._listening_changed()

    @property
    def pending_le_connection(
        self,
    ) -> (
        hci.HCI_LE_Create_Connection_Command | hci.HCI_LE_Extended_Create_Connection_Command | None
    ):
        return self._pending_le_connection

    @pending_le_connection.setter
    def pending_le_connection(
        self,
        value: hci.HCI_LE_Create_Connection_Command
        | hci.HCI_LE_Extended_Create_Connection_Command
        | None,
    ) -> None:
        self._pending_le_connection = value
        self._listening_changed()

    _le_scan_enable: bool = False
    _pending_le_connection: (
        hci.HCI_LE_Create_Connection_Command | hci.HCI_LE_Extended_Create_Connection_Command | None
    ) = None

    @property
    def listening(self) -> bool:
        return self._le_scan_enable or self._pending_le_connection is not None

    def _listening_changed(self) -> None:
        link = getattr(self, "modelled_link", None)
        if link is not None:
            link.listening_changed(self)

    # Bumble (0.0.236) logs each HCI packet with an f-string, so every packet is formatted
    # even with debug logging off: half the CPU of a world of thousands of devices. These
    # two do what the stock ones do, and format only when debug logging is on.
    def send_hci_packet(self, packet: hci.HCI_Packet) -> None:
        connect_ind = self._connect_ind
        if (
            connect_ind is not None
            and isinstance(packet, hci.HCI_LE_Connection_Complete_Event)
            and packet.role == hci.Role.PERIPHERAL
        ):
            # The stock peripheral reports made-up parameters (10, 0, 10): the real ones.
            packet = hci.HCI_LE_Connection_Complete_Event(
                status=packet.status,
                connection_handle=packet.connection_handle,
                role=packet.role,
                peer_address_type=packet.peer_address_type,
                peer_address=packet.peer_address,
                connection_interval=connect_ind.interval,
                peripheral_latency=connect_ind.latency,
                supervision_timeout=connect_ind.timeout,
                central_clock_accuracy=packet.central_clock_accuracy,
            )
        if _BUMBLE_CONTROLLER_LOG.isEnabledFor(logging.DEBUG):
            super().send_hci_packet(packet)
        elif self.host:
            asyncio.get_running_loop().call_soon(self.host.on_packet, bytes(packet))

    def on_hci_packet(self, packet: hci.HCI_Packet) -> None:
        if _BUMBLE_CONTROLLER_LOG.isEnabledFor(logging.DEBUG):
            super().on_hci_packet(packet)
        elif isinstance(packet, hci.HCI_Command):
            self.on_hci_command_packet(packet)
        elif isinstance(packet, hci.HCI_AclDataPacket):
            self.on_hci_acl_data_packet(packet)
        elif isinstance(packet, hci.HCI_Event):
            self.on_hci_event_packet(packet)
        else:
            super().on_hci_packet(packet)  # what the stock one says of an unknown packet

    def supervision_timeout_s(self, peer_address: hci.Address) -> float:
        units = self.supervision_timeouts.get(peer_address)
        return units * SUPERVISION_UNIT_S if units else DEFAULT_SUPERVISION_S

    # ------------------------------------------------------------------ transmit side

    def on_hci_le_set_advertising_data_command(
        self, command: hci.HCI_LE_Set_Advertising_Data_Command
    ) -> hci.HCI_StatusReturnParameters:
        if len(command.advertising_data) > LEGACY_DATA_MAX:
            return hci.HCI_StatusReturnParameters(INVALID_PARAMETERS)
        return super().on_hci_le_set_advertising_data_command(command)

    def on_hci_le_set_scan_response_data_command(
        self, command: hci.HCI_LE_Set_Scan_Response_Data_Command
    ) -> hci.HCI_StatusReturnParameters:
        if len(command.scan_response_data) > LEGACY_DATA_MAX:
            return hci.HCI_StatusReturnParameters(INVALID_PARAMETERS)
        return super().on_hci_le_set_scan_response_data_command(command)

    def _ensure_set(self, handle: int) -> None:
        if handle not in self.advertising_sets:
            self.advertising_sets[handle] = ModelledAdvertisingSet(controller=self, handle=handle)

    def on_hci_le_set_advertising_set_random_address_command(
        self, command: hci.HCI_LE_Set_Advertising_Set_Random_Address_Command
    ) -> hci.HCI_StatusReturnParameters:
        self._ensure_set(command.advertising_handle)
        return super().on_hci_le_set_advertising_set_random_address_command(command)

    def on_hci_le_set_extended_advertising_parameters_command(
        self, command: hci.HCI_LE_Set_Extended_Advertising_Parameters_Command
    ) -> hci.HCI_LE_Set_Extended_Advertising_Parameters_ReturnParameters:
        self._ensure_set(command.advertising_handle)
        return super().on_hci_le_set_extended_advertising_parameters_command(command)

    def on_hci_reset_command(
        self, command: hci.HCI_Reset_Command
    ) -> hci.HCI_StatusReturnParameters:
        """A new host (e.g. the next client of a served controller) starts from scratch:
        no scanning, no advertising, no connections (their peers see a supervision
        timeout), no pending connection."""
        self.le_scan_enable = False
        self.le_scan_active = False
        self.pending_le_connection = None
        self.le_legacy_advertiser.stop()
        for advertising_set in self.advertising_sets.values():
            advertising_set.stop()
        self.advertising_sets.clear()
        reason = hci.HCI_ErrorCode.CONNECTION_TIMEOUT_ERROR
        for air in self.air_connections.values():
            air.close()
        self.air_connections.clear()
        for connection in list(self.le_connections.values()):
            connection.send_ll_control_pdu(ll.TerminateInd(reason))
        self.le_connections.clear()
        return super().on_hci_reset_command(command)

    # ------------------------------------------------------------------ scan parameters

    def on_hci_le_set_scan_parameters_command(
        self, command: hci.HCI_LE_Set_Scan_Parameters_Command
    ) -> hci.HCI_StatusReturnParameters:
        result = super().on_hci_le_set_scan_parameters_command(command)
        if result.status == hci.HCI_ErrorCode.SUCCESS:
            self.le_scan_active = command.le_scan_type == 1
        return result

    def on_hci_le_set_scan_enable_command(
        self, command: hci.HCI_LE_Set_Scan_Enable_Command
    ) -> hci.HCI_StatusReturnParameters:
        self._scan_extended = False
        self._duplicates.clear()
        return super().on_hci_le_set_scan_enable_command(command)

    def on_hci_le_set_extended_scan_parameters_command(
        self, command: hci.HCI_LE_Set_Extended_Scan_Parameters_Command
    ) -> hci.HCI_StatusReturnParameters:
        if self.le_scan_enable:
            return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.COMMAND_DISALLOWED_ERROR)
        # The stock controller drops the scan type; the first PHY's type decides here.
        self.le_scan_active = bool(command.scan_types) and command.scan_types[0] == 1
        return super().on_hci_le_set_extended_scan_parameters_command(command)

    def on_hci_le_set_extended_scan_enable_command(
        self, command: hci.HCI_LE_Set_Extended_Scan_Enable_Command
    ) -> hci.HCI_StatusReturnParameters:
        self._scan_extended = True
        self._duplicates.clear()
        return super().on_hci_le_set_extended_scan_enable_command(command)

    # ------------------------------------------------------------------ connections

    def on_hci_le_create_connection_cancel_command(
        self, command: hci.HCI_LE_Create_Connection_Cancel_Command
    ) -> hci.HCI_StatusReturnParameters:
        pending = self.pending_le_connection
        if pending is None:
            return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.COMMAND_DISALLOWED_ERROR)
        self.pending_le_connection = None
        failure = hci.HCI_LE_Connection_Complete_Event(
            status=hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR,
            connection_handle=0,
            role=hci.Role.CENTRAL,
            peer_address_type=pending.peer_address.address_type,
            peer_address=pending.peer_address,
            connection_interval=0,
            peripheral_latency=0,
            supervision_timeout=0,
            central_clock_accuracy=0,
        )
        # After the Command Complete, as the spec orders them (and the host expects).
        asyncio.get_running_loop().call_soon(self.send_hci_packet, failure)
        return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)

    def create_le_connection(self, peer_address: hci.Address) -> None:
        pending = self.pending_le_connection
        if isinstance(pending, hci.HCI_LE_Extended_Create_Connection_Command):
            self.supervision_timeouts[pending.peer_address] = int(pending.supervision_timeouts[0])
        elif pending is not None:
            self.supervision_timeouts[pending.peer_address] = int(pending.supervision_timeout)
        super().create_le_connection(peer_address)

    def on_hci_le_connection_update_command(
        self, command: hci.HCI_LE_Connection_Update_Command
    ) -> None:
        air = self.air_connection(command.connection_handle)
        if air is None:
            connection = self.find_le_connection_by_handle(command.connection_handle)
            if connection is not None:
                self.supervision_timeouts[connection.peer_address] = int(
                    command.supervision_timeout
                )
            super().on_hci_le_connection_update_command(command)
            return
        # From the peripheral's host it is a request the central's host answers.
        by_peripheral = air.peripheral.controller is self
        status = air.parameter_request(command) if by_peripheral else air.connection_update(command)
        self._send_hci_command_status(status, command.op_code)

    def on_hci_le_remote_connection_parameter_request_reply_command(
        self, command: hci.HCI_LE_Remote_Connection_Parameter_Request_Reply_Command
    ) -> hci.HCI_StatusAndConnectionHandleReturnParameters:
        air = self.air_connection(command.connection_handle)
        status = (
            air.parameter_reply(
                int(command.interval_min), int(command.max_latency), int(command.timeout)
            )
            if air is not None
            else hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR
        )
        return hci.HCI_StatusAndConnectionHandleReturnParameters(
            status=hci.HCI_ErrorCode(status), connection_handle=command.connection_handle
        )

    def on_hci_le_remote_connection_parameter_request_negative_reply_command(
        self, command: hci.HCI_LE_Remote_Connection_Parameter_Request_Negative_Reply_Command
    ) -> hci.HCI_StatusAndConnectionHandleReturnParameters:
        air = self.air_connection(command.connection_handle)
        status = (
            air.parameter_negative_reply(int(command.reason))
            if air is not None
            else hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR
        )
        return hci.HCI_StatusAndConnectionHandleReturnParameters(
            status=hci.HCI_ErrorCode(status), connection_handle=command.connection_handle
        )

    def on_hci_le_set_phy_command(self, command: hci.HCI_LE_Set_PHY_Command) -> None:
        air = self.air_connection(command.connection_handle)
        status = (
            air.set_phy(self, command)
            if air is not None
            else hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR
        )
        self._send_hci_command_status(status, command.op_code)

    def on_hci_le_read_phy_command(
        self, command: hci.HCI_LE_Read_PHY_Command
    ) -> hci.HCI_LE_Read_PHY_ReturnParameters:
        air = self.air_connection(command.connection_handle)
        if air is None:
            return super().on_hci_le_read_phy_command(command)
        tx, rx = air.phy_of(self)
        return hci.HCI_LE_Read_PHY_ReturnParameters(
            status=hci.HCI_ErrorCode.SUCCESS,
            connection_handle=command.connection_handle,
            tx_phy=hci.Phy(tx.hci),
            rx_phy=hci.Phy(rx.hci),
        )

    def on_hci_le_set_data_length_command(
        self, command: hci.HCI_LE_Set_Data_Length_Command
    ) -> hci.HCI_StatusAndConnectionHandleReturnParameters:
        air = self.air_connection(command.connection_handle)
        status = (
            air.set_data_length(self, int(command.tx_octets), int(command.tx_time))
            if air is not None
            else hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR
        )
        return hci.HCI_StatusAndConnectionHandleReturnParameters(
            status=hci.HCI_ErrorCode(status), connection_handle=command.connection_handle
        )

    def on_hci_acl_data_packet(self, packet: hci.HCI_AclDataPacket) -> None:
        air = self.air_connection(packet.connection_handle)
        if air is None:
            super().on_hci_acl_data_packet(packet)
        else:
            air.enqueue(self, packet)  # on air at the next connection event

    def on_hci_read_rssi_command(
        self, command: hci.HCI_Read_RSSI_Command
    ) -> hci.HCI_Read_RSSI_ReturnParameters:
        """Read RSSI (Vol 4, Part E, 7.5.4) on a connection: the path-loss model's value
        for the peer, as for its advertisements (the stock controller has no answer)."""
        connection = self.find_le_connection_by_handle(command.handle)
        if connection is None:
            return hci.HCI_Read_RSSI_ReturnParameters(
                status=hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR,
                handle=command.handle,
                rssi=RSSI_NOT_AVAILABLE,
            )
        peer = self.modelled_link._peer_of(connection.self_address, connection.peer_address, self)
        if peer is None:  # out of range, before the supervision timeout ends the link
            rssi = RSSI_NOT_AVAILABLE
        else:
            profile = peer.profile if isinstance(peer, ModelledController) else FixedProfile()
            rssi = self.path_loss.rssi(id(peer), profile)
        return hci.HCI_Read_RSSI_ReturnParameters(
            status=hci.HCI_ErrorCode.SUCCESS, handle=command.handle, rssi=rssi
        )

    def on_ll_control_pdu(self, sender_address: hci.Address, packet: ll.ControlPdu) -> None:
        if isinstance(packet, ll.ConnectionUpdateInd):
            self.supervision_timeouts[sender_address] = int(packet.timeout)
        super().on_ll_control_pdu(sender_address, packet)

    def on_le_disconnected(self, connection: bumble_controller.Connection, reason: int) -> None:
        self.supervision_timeouts.pop(connection.peer_address, None)
        air = self.air_connections.pop(connection.peer_address, None)
        if air is not None:
            air.close()
        super().on_le_disconnected(connection, reason)

    def _advertiser_for(
        self, address: hci.Address
    ) -> bumble_controller.LegacyAdvertiser | bumble_controller.AdvertisingSet | None:
        legacy = self.le_legacy_advertiser
        if legacy.enabled and legacy.address == address:
            return legacy
        for advertising_set in self.advertising_sets.values():
            if advertising_set.enabled and advertising_set.address == address:
                return advertising_set
        return None

    def on_le_connect_ind(self, packet: ll.ConnectInd) -> None:
        advertiser = self._advertiser_for(packet.advertiser_address)
        if advertiser is None:
            return
        if isinstance(advertiser, bumble_controller.LegacyAdvertiser):
            try:
                connectable = AdvPduType.from_advertising_type(
                    advertiser.advertising_type
                ).connectable
            except ValueError:
                connectable = False
        else:
            parameters = advertiser.parameters
            props = hci.HCI_LE_Set_Extended_Advertising_Parameters_Command.AdvertisingProperties
            connectable = parameters is not None and bool(
                props(parameters.advertising_event_properties) & props.CONNECTABLE_ADVERTISING
            )
        if not connectable:
            # A non-connectable advertiser does not listen for CONNECT_IND.
            return
        self.supervision_timeouts[packet.initiator_address] = int(packet.timeout)
        self._connect_ind = packet
        try:
            super().on_le_connect_ind(packet)
        finally:
            self._connect_ind = None
        self._open_air(packet)

    def _open_air(self, packet: ll.ConnectInd) -> None:
        """This peripheral accepted a CONNECT_IND: the connection goes on the modelled air
        when the central is a modelled controller too (a stock one's goes as it always did)."""
        mine = self.le_connections.get(packet.initiator_address)
        central = self.modelled_link._peer_of(
            packet.advertiser_address, packet.initiator_address, self
        )
        if mine is None or not isinstance(central, ModelledController):
            return
        theirs = central.le_connections.get(packet.advertiser_address)
        if theirs is None:
            return
        air = AirConnection.open(
            central,
            theirs,
            self,
            mine,
            interval_units=int(packet.interval),
            latency=int(packet.latency),
            timeout_units=int(packet.timeout),
        )
        central.air_connections[packet.advertiser_address] = air
        self.air_connections[packet.initiator_address] = air

    # ------------------------------------------------------------------ receive side

    def on_ll_advertising_pdu(self, packet: ll.AdvertisingPdu) -> None:
        if isinstance(packet, AirAdvertisement):
            self._on_air_advertisement(packet)
        else:
            super().on_ll_advertising_pdu(packet)

    def _addressed_to_us(self, target: hci.Address | None) -> bool:
        return target is None or target in (self.random_address, self.public_address)

    def _on_air_advertisement(self, pdu: AirAdvertisement) -> None:
        if not self._addressed_to_us(pdu.target_address):
            return
        pending = self.pending_le_connection
        if (
            pending is not None
            and pending.peer_address == pdu.advertiser_address
            and pdu.is_connectable
        ):
            self.create_le_connection(pdu.advertiser_address)
        if not self.le_scan_enable:
            return
        if pdu.pdu_type is None and not self._scan_extended:
            return  # legacy scanning never sees extended advertising
        sender_key = id(pdu.sender)
        self._report(
            pdu, scan_response=False, rssi=self.path_loss.rssi(sender_key, pdu.sender.profile)
        )
        if self.le_scan_active and pdu.is_scannable:
            rssi = self.path_loss.rssi(sender_key, pdu.sender.profile)
            self._report(pdu, scan_response=True, rssi=rssi)

    def _is_duplicate(self, pdu: AirAdvertisement, kind: int, data: bytes) -> bool:
        if not self.filter_duplicates:
            return False
        key = (bytes(pdu.advertiser_address.address_bytes), kind, data)
        if key in self._duplicates:
            return True
        if len(self._duplicates) >= 4096:
            self._duplicates.clear()  # a real controller's list is small too
        self._duplicates.add(key)
        return False

    def _report(self, pdu: AirAdvertisement, *, scan_response: bool, rssi: int) -> None:
        data = pdu.scan_response if scan_response else pdu.data
        address = pdu.advertiser_address
        if self._scan_extended:
            if pdu.pdu_type is not None:
                event_type = (
                    LEGACY_EXT_SCAN_RSP[pdu.pdu_type]
                    if scan_response
                    else LEGACY_EXT_EVENT_TYPE[pdu.pdu_type]
                )
                data = data[:LEGACY_DATA_MAX]
            else:
                event_type = 0
                if pdu.connectable:
                    event_type |= ExtEventType.CONNECTABLE_ADVERTISING
                if pdu.scannable:
                    event_type |= ExtEventType.SCANNABLE_ADVERTISING
                if pdu.target_address is not None:
                    event_type |= ExtEventType.DIRECTED_ADVERTISING
                if scan_response:
                    event_type |= ExtEventType.SCAN_RESPONSE
            if self._is_duplicate(pdu, event_type, data):
                return
            chunks = [
                data[i : i + EXT_REPORT_DATA_MAX]
                for i in range(0, max(len(data), 1), EXT_REPORT_DATA_MAX)
            ]
            for index, chunk in enumerate(chunks):
                # Data status (bits 5-6): 0b01 "incomplete, more to come" on all but the last.
                status = (0b01 << 5) if index < len(chunks) - 1 else 0
                report = hci.HCI_LE_Extended_Advertising_Report_Event.Report(
                    event_type=event_type | status,
                    address_type=address.address_type,
                    address=address,
                    primary_phy=hci.Phy.LE_1M,
                    secondary_phy=0 if pdu.pdu_type is not None else hci.Phy.LE_1M,
                    advertising_sid=0xFF if pdu.pdu_type is not None else pdu.sid,
                    tx_power=hci.HCI_LE_Extended_Advertising_Report_Event.TX_POWER_INFORMATION_NOT_AVAILABLE,
                    rssi=rssi,
                    periodic_advertising_interval=0,
                    direct_address_type=(
                        pdu.target_address.address_type if pdu.target_address else 0
                    ),
                    direct_address=pdu.target_address or hci.Address.ANY,
                    data=chunk,
                )
                self.send_hci_packet(hci.HCI_LE_Extended_Advertising_Report_Event([report]))
            return
        assert pdu.pdu_type is not None
        legacy_type = LegacyEventType.SCAN_RSP if scan_response else LegacyEventType(pdu.pdu_type)
        data = data[:LEGACY_DATA_MAX]
        if self._is_duplicate(pdu, int(legacy_type), data):
            return
        legacy_report = hci.HCI_LE_Advertising_Report_Event.Report(
            event_type=legacy_type,
            address_type=address.address_type,
            address=address,
            data=data,
            rssi=rssi,
        )
        self.send_hci_packet(hci.HCI_LE_Advertising_Report_Event([legacy_report]))


class ModelledLink(LocalLink):
    """A link that routes by each connection's own addresses, in a stable order."""

    def __init__(self) -> None:
        super().__init__()
        self._ordered: list[bumble_controller.Controller] = []
        # Who hears advertising PDUs, in the order they joined: modelled controllers while
        # they scan or initiate, any other controller always (its state is not watched).
        self._joined: dict[bumble_controller.Controller, int] = {}
        self._listening: set[bumble_controller.Controller] = set()
        self._listeners: list[bumble_controller.Controller] = []
        self._joins = 0
        # Legacy advertising events a second each advertiser offers, and their sum.
        self._offered: dict[int, float] = {}  # by id() of the advertiser
        self._offered_total = 0.0
        self.crowding = 1.0

    def offer(self, advertiser: int, events_per_s: float) -> None:
        """An advertiser's rate of events (0 when it stops). Above `AIR_EVENTS_PER_S`
        in all, `crowding` (>= 1) stretches every advertiser's interval by the same
        factor: a real air that full loses most events to collisions, so each device is
        heard less often; here the events are never made, which keeps a world of
        thousands of devices within what one process can run in real time."""
        before = self._offered.pop(advertiser, 0.0)
        if events_per_s > 0:
            self._offered[advertiser] = events_per_s
        self._offered_total = max(0.0, self._offered_total - before + events_per_s)
        if not self._offered:
            self._offered_total = 0.0
        self.crowding = max(1.0, self._offered_total / AIR_EVENTS_PER_S)

    def add_controller(self, controller: bumble_controller.Controller) -> None:
        super().add_controller(controller)
        if controller not in self._joined:
            self._ordered.append(controller)
            self._joins += 1
            self._joined[controller] = self._joins
            self.listening_changed(controller)

    def present(self, controller: bumble_controller.Controller) -> bool:
        """Whether the controller is on the air (not switched off, not out of range)."""
        return controller in self._joined

    def listening_changed(self, controller: bumble_controller.Controller) -> None:
        """A controller started or stopped listening on the advertising channels."""
        listens = controller in self._joined and (
            controller.listening if isinstance(controller, ModelledController) else True
        )
        if listens == (controller in self._listening):
            return
        if listens:
            self._listening.add(controller)
        else:
            self._listening.discard(controller)
        self._listeners = sorted(self._listening, key=self._joined.__getitem__)

    def remove_controller(self, controller: bumble_controller.Controller) -> None:
        """The controller leaves the air. Its peers are not told: each connection to it
        ends with 0x08 Connection Timeout after its supervision timeout (the controller
        that left is silent, so its own host hears nothing)."""
        self.controllers.discard(controller)
        if controller in self._joined:
            self._ordered.remove(controller)
            del self._joined[controller]
            self._listening.discard(controller)
            self._listeners = [c for c in self._listeners if c is not controller]
        loop = asyncio.get_running_loop()
        # Only the gone controller's own links have a peer to time out (no scan of the
        # whole link per removal: a world of thousands stops in linear time).
        for theirs in list(controller.le_connections.values()):
            other = self._peer_of(theirs.self_address, theirs.peer_address, controller)
            if other is None:
                continue
            peer_address = theirs.self_address
            connection = other.le_connections[peer_address]
            timeout = (
                other.supervision_timeout_s(peer_address)
                if isinstance(other, ModelledController)
                else DEFAULT_SUPERVISION_S
            )
            loop.call_later(timeout, self._supervision_timeout, other, connection, controller)

    def _supervision_timeout(
        self,
        receiver: bumble_controller.Controller,
        connection: bumble_controller.Connection,
        gone: bumble_controller.Controller,
    ) -> None:
        if receiver not in self._joined:
            return  # the receiver left too (e.g. the world stopped)
        if receiver.le_connections.get(connection.peer_address) is not connection:
            return  # disconnected meanwhile
        if gone in self._joined:
            return  # back in range before the timeout: the link survived
        receiver.on_le_disconnected(connection, hci.HCI_ErrorCode.CONNECTION_TIMEOUT_ERROR)

    def send_advertising_pdu(
        self, sender_controller: bumble_controller.Controller, packet: ll.AdvertisingPdu
    ) -> None:
        loop = asyncio.get_running_loop()
        # Our PDUs reach the listeners only (a modelled controller ignores them otherwise);
        # a stock controller's go to everyone, as the stock link sends them.
        receivers = self._listeners if isinstance(packet, AirAdvertisement) else self._ordered
        for receiver in receivers:
            if receiver is not sender_controller:
                loop.call_soon(receiver.on_ll_advertising_pdu, packet)

    def _peer_of(
        self, source: hci.Address, destination: hci.Address, sender: object
    ) -> bumble_controller.Controller | None:
        for candidate in self._ordered:
            if candidate is sender:
                continue
            connection = candidate.le_connections.get(source)
            if connection is not None and connection.self_address == destination:
                return candidate
        return None

    def send_acl_data(
        self,
        sender_controller: bumble_controller.Controller,
        destination_address: hci.Address,
        transport: core.PhysicalTransport,
        data: bytes,
    ) -> None:
        if transport != core.PhysicalTransport.LE:
            super().send_acl_data(sender_controller, destination_address, transport, data)
            return
        connection = sender_controller.le_connections.get(destination_address)
        if connection is None:
            return  # disconnected meanwhile: the packet is lost, as on air
        source = connection.self_address
        receiver = self._peer_of(source, destination_address, sender_controller)
        if receiver is None:
            return
        asyncio.get_running_loop().call_soon(receiver.on_link_acl_data, source, transport, data)

    def send_ll_control_pdu(
        self,
        sender_address: hci.Address,
        receiver_address: hci.Address,
        packet: ll.ControlPdu,
    ) -> None:
        receiver = self._peer_of(sender_address, receiver_address, None)
        if receiver is None:
            logger.debug("LL control PDU for a gone connection: %s", packet)
            return
        asyncio.get_running_loop().call_soon(receiver.on_ll_control_pdu, sender_address, packet)

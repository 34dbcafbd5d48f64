"""A connection's capacity from the Core spec's timing: pure numbers, no stack objects.

Used by the virtual world's radio (`sim/radio.py`) to carry packets per connection event,
by `blebench link` to refuse values out of the spec's range before they are sent, and by
`blebench throughput` to print what the spec gives beside what was measured.

The numbers (Core spec 5.4, Vol 6):
- Part B 2.1 and 2.2: an LE data channel PDU on air is preamble + access address (4) +
  header (2) + payload + MIC (4, encrypted links with a payload only) + CRC (3).
- Part A 3.2 / Part B 2.1: LE 1M sends 1 octet preamble at 1 us a bit; LE 2M a 2 octet
  preamble at 0.5 us a bit; LE Coded an 80 us preamble, then FEC block 1 (access address
  32 bits, CI 2 bits, TERM1 3 bits, always at S=8: 376 us in all) and FEC block 2 (header,
  payload, MIC, CRC and TERM2 3 bits) at S=2 (2 us a bit) or S=8 (8 us a bit). The spec's
  own check values: 328 us for 27 octets on 1M with MIC, 2120 us for 251; 1064 us for 251
  on 2M; 17040 us for 251 on Coded S=8 (Part B 4.5.10, connMaxTxTime).
- Part B 4.1.1: T_IFS, 150 us between two packets of one event.
- Part B 4.5.1 and 4.5.2: within a connection event the central sends, then the
  peripheral answers T_IFS later, and so on; the event closes at least T_IFS before the
  next anchor point. One exchange (central PDU, T_IFS, peripheral PDU, T_IFS) is therefore
  `t_c + t_p + 2 * T_IFS`, and N exchanges fit an interval when `N * exchange <= interval`.
- Controllers also stop an event after a number of packets of their own choosing (many
  phones: 4 to 7); `packets_per_event` takes that limit.
- Vol 4 Part E 7.8.18 and Vol 6 Part B 4.5.1: interval 7.5 ms to 4 s in 1.25 ms steps,
  latency 0 to 499, supervision timeout 100 ms to 32 s in 10 ms steps and larger than
  (1 + latency) * interval * 2. Part B 4.5.10: data length 27 to 251 octets. Vol 3 Part F
  3.2.8: ATT MTU 23 to 517.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

T_IFS_US = 150.0
HEADER_OCTETS = 2
ACCESS_ADDRESS_OCTETS = 4
CRC_OCTETS = 3
MIC_OCTETS = 4
L2CAP_HEADER_OCTETS = 4
ATT_NOTIFICATION_HEADER_OCTETS = 3

INTERVAL_UNIT_MS = 1.25
INTERVAL_MIN_MS = 7.5
INTERVAL_MAX_MS = 4000.0
LATENCY_MAX = 499
TIMEOUT_UNIT_MS = 10.0
TIMEOUT_MIN_MS = 100.0
TIMEOUT_MAX_MS = 32000.0
DATA_LENGTH_MIN = 27
DATA_LENGTH_MAX = 251
MTU_MIN = 23
MTU_MAX = 517

_CODED_FEC1_US = 80.0 + (32 + 2 + 3) * 8.0  # preamble, then AA, CI, TERM1 at S=8: 376 us
_TERM2_BITS = 3


class Phy(Enum):
    """An LE PHY as the user names it; `hci` is its value in HCI PHY fields."""

    LE_1M = "1m"
    LE_2M = "2m"
    CODED_S2 = "coded-s2"
    CODED_S8 = "coded-s8"

    @property
    def hci(self) -> int:
        return {Phy.LE_1M: 1, Phy.LE_2M: 2}.get(self, 3)

    @property
    def label(self) -> str:
        return {
            Phy.LE_1M: "LE 1M",
            Phy.LE_2M: "LE 2M",
            Phy.CODED_S2: "LE Coded S=2",
            Phy.CODED_S8: "LE Coded S=8",
        }[self]

    @classmethod
    def parse(cls, text: str) -> Phy:
        wanted = text.strip().lower().replace("_", "-")
        aliases = {"coded": cls.CODED_S8, "s2": cls.CODED_S2, "s8": cls.CODED_S8}
        if wanted in aliases:
            return aliases[wanted]
        for phy in cls:
            if phy.value == wanted:
                return phy
        raise ValueError(f"unknown PHY {text!r}: use 1m, 2m, coded-s2 or coded-s8")


def pdu_airtime_us(payload_octets: int, phy: Phy, *, encrypted: bool = False) -> float:
    """How long one LE data channel PDU with `payload_octets` occupies the air, in us."""
    mic = MIC_OCTETS if encrypted and payload_octets > 0 else 0
    if phy is Phy.LE_1M:
        return (1 + ACCESS_ADDRESS_OCTETS + HEADER_OCTETS + payload_octets + mic + CRC_OCTETS) * 8.0
    if phy is Phy.LE_2M:
        return (2 + ACCESS_ADDRESS_OCTETS + HEADER_OCTETS + payload_octets + mic + CRC_OCTETS) * 4.0
    symbol_us = 2.0 if phy is Phy.CODED_S2 else 8.0
    bits = (HEADER_OCTETS + payload_octets + mic + CRC_OCTETS) * 8 + _TERM2_BITS
    return _CODED_FEC1_US + bits * symbol_us


def exchange_us(
    central_octets: int, peripheral_octets: int, phy_c: Phy, phy_p: Phy, *, encrypted: bool = False
) -> float:
    """One central PDU and the peripheral's answer, each followed by T_IFS."""
    return (
        pdu_airtime_us(central_octets, phy_c, encrypted=encrypted)
        + pdu_airtime_us(peripheral_octets, phy_p, encrypted=encrypted)
        + 2 * T_IFS_US
    )


def exchanges_per_event(
    interval_ms: float,
    exchange_time_us: float,
    packets_per_event: int | None = None,
) -> int:
    """How many exchanges fit one connection event (at least one: the anchor's own)."""
    fit = int(math.floor(interval_ms * 1000.0 / exchange_time_us + 1e-9))
    if packets_per_event is not None:
        fit = min(fit, packets_per_event)
    return max(1, fit)


def ll_pdus_for(l2cap_payload: int, data_length: int) -> int:
    """LL data PDUs one L2CAP PDU (its 4-octet header included) takes at `data_length`."""
    return max(1, math.ceil((l2cap_payload + L2CAP_HEADER_OCTETS) / data_length))


@dataclass(frozen=True, slots=True)
class Capacity:
    """What the spec's timing gives one direction of a connection, data one way and empty
    PDUs the other (a notification flood, or writes without response)."""

    interval_ms: float
    phy: Phy
    data_length: int
    packets_per_event: int | None
    pdu_octets: int  # the LL payload of each data PDU
    pdu_us: float
    exchange_us: float
    pdus_per_event: int
    pdus_per_s: float
    values_per_s: float  # ATT values (notifications or writes) a second
    value_octets: int
    bytes_per_s: float  # ATT value bytes a second

    def to_json(self) -> dict[str, object]:
        return {
            "interval_ms": self.interval_ms,
            "phy": self.phy.value,
            "data_length": self.data_length,
            "packets_per_event": self.packets_per_event,
            "pdu_octets": self.pdu_octets,
            "pdu_us": round(self.pdu_us, 1),
            "exchange_us": round(self.exchange_us, 1),
            "pdus_per_event": self.pdus_per_event,
            "pdus_per_s": round(self.pdus_per_s, 1),
            "values_per_s": round(self.values_per_s, 1),
            "value_octets": self.value_octets,
            "bytes_per_s": round(self.bytes_per_s, 1),
        }


def capacity(
    interval_ms: float,
    phy: Phy,
    data_length: int,
    value_octets: int,
    *,
    packets_per_event: int | None = None,
    encrypted: bool = False,
    other_phy: Phy | None = None,
) -> Capacity:
    """The most ATT values of `value_octets` one side can send a second: each value is an
    ATT PDU (3-octet header) in an L2CAP PDU (4-octet header) cut into LL PDUs of at most
    `data_length`; the other side answers each LL PDU with an empty one."""
    l2cap = value_octets + ATT_NOTIFICATION_HEADER_OCTETS
    pdus_per_value = ll_pdus_for(l2cap, data_length)
    # The biggest PDU of a value sets the exchange time (all but the last are full).
    pdu_octets = min(data_length, l2cap + L2CAP_HEADER_OCTETS)
    pdu_us = pdu_airtime_us(pdu_octets, phy, encrypted=encrypted)
    exchange = pdu_us + pdu_airtime_us(0, other_phy or phy) + 2 * T_IFS_US
    per_event = exchanges_per_event(interval_ms, exchange, packets_per_event)
    pdus_per_s = per_event * 1000.0 / interval_ms
    values_per_s = pdus_per_s / pdus_per_value
    return Capacity(
        interval_ms=interval_ms,
        phy=phy,
        data_length=data_length,
        packets_per_event=packets_per_event,
        pdu_octets=pdu_octets,
        pdu_us=pdu_us,
        exchange_us=exchange,
        pdus_per_event=per_event,
        pdus_per_s=pdus_per_s,
        values_per_s=values_per_s,
        value_octets=value_octets,
        bytes_per_s=values_per_s * value_octets,
    )


# -- the spec's ranges ---------------------------------------------------------------------


def _steps(value: float, unit: float) -> bool:
    return abs(value / unit - round(value / unit)) < 1e-6


def interval_problem(interval_min_ms: float, interval_max_ms: float) -> str | None:
    """Words for an interval range the spec does not allow (None: it does)."""
    for value in (interval_min_ms, interval_max_ms):
        if not math.isfinite(value) or not INTERVAL_MIN_MS <= value <= INTERVAL_MAX_MS:
            return (
                f"connection interval {value:g} ms is out of the spec's range "
                f"{INTERVAL_MIN_MS:g}-{INTERVAL_MAX_MS:g} ms"
            )
        if not _steps(value, INTERVAL_UNIT_MS):
            return f"connection interval {value:g} ms is not a multiple of 1.25 ms"
    if interval_min_ms > interval_max_ms:
        return f"connection interval minimum {interval_min_ms:g} ms is above the maximum {interval_max_ms:g} ms"
    return None


def latency_problem(latency: int) -> str | None:
    if not 0 <= latency <= LATENCY_MAX:
        return f"peripheral latency {latency} is out of the spec's range 0-{LATENCY_MAX}"
    return None


def timeout_problem(timeout_ms: float, interval_max_ms: float, latency: int) -> str | None:
    """Words for a supervision timeout the spec does not allow with this interval and latency."""
    if not math.isfinite(timeout_ms) or not TIMEOUT_MIN_MS <= timeout_ms <= TIMEOUT_MAX_MS:
        return (
            f"supervision timeout {timeout_ms:g} ms is out of the spec's range "
            f"{TIMEOUT_MIN_MS:g}-{TIMEOUT_MAX_MS:g} ms"
        )
    if not _steps(timeout_ms, TIMEOUT_UNIT_MS):
        return f"supervision timeout {timeout_ms:g} ms is not a multiple of 10 ms"
    floor_ms = (1 + latency) * interval_max_ms * 2
    if timeout_ms <= floor_ms:
        return (
            f"supervision timeout {timeout_ms:g} ms must be larger than (1 + latency) x "
            f"interval x 2 = {floor_ms:g} ms"
        )
    return None


def data_length_problem(octets: int) -> str | None:
    if not DATA_LENGTH_MIN <= octets <= DATA_LENGTH_MAX:
        return f"data length {octets} is out of the spec's range {DATA_LENGTH_MIN}-{DATA_LENGTH_MAX} octets"
    return None


def mtu_problem(mtu: int) -> str | None:
    if not MTU_MIN <= mtu <= MTU_MAX:
        return f"ATT MTU {mtu} is out of the spec's range {MTU_MIN}-{MTU_MAX}"
    return None


def default_timeout_ms(interval_max_ms: float, latency: int) -> float:
    """A supervision timeout the spec allows for this interval and latency: at least 4 s
    (what phones use), else the smallest multiple of 10 ms above the spec's floor."""
    floor_ms = (1 + latency) * interval_max_ms * 2
    wanted = max(4000.0, math.floor(floor_ms / TIMEOUT_UNIT_MS + 1) * TIMEOUT_UNIT_MS)
    return min(wanted, TIMEOUT_MAX_MS)


def max_octets_in_time(time_us: float, phy: Phy, *, encrypted: bool = True) -> int:
    """The largest payload whose PDU fits `time_us` on `phy` (the time limits of Data
    Length Update count a MIC, Vol 6 Part B 4.5.10)."""
    best = DATA_LENGTH_MIN
    for octets in range(DATA_LENGTH_MIN, DATA_LENGTH_MAX + 1):
        if pdu_airtime_us(octets, phy, encrypted=encrypted) <= time_us + 1e-9:
            best = octets
    return best

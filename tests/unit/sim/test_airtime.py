"""The capacity calculation against numbers worked by hand from the Core spec (see the
README's "How much a link carries")."""

from __future__ import annotations

import pytest

from blebench.sim.airtime import (
    Phy,
    capacity,
    data_length_problem,
    default_timeout_ms,
    exchanges_per_event,
    interval_problem,
    latency_problem,
    ll_pdus_for,
    max_octets_in_time,
    mtu_problem,
    pdu_airtime_us,
    timeout_problem,
)


@pytest.mark.parametrize(
    ("octets", "phy", "expected_us"),
    [
        # The spec's own connMaxTxTime values (Vol 6, Part B, 4.5.10), MIC included.
        (27, Phy.LE_1M, 328.0),
        (251, Phy.LE_1M, 2120.0),
        (251, Phy.LE_2M, 1064.0),
        (27, Phy.CODED_S8, 2704.0),
        (251, Phy.CODED_S8, 17040.0),
    ],
)
def test_encrypted_pdu_times_are_the_specs(octets: int, phy: Phy, expected_us: float) -> None:
    assert pdu_airtime_us(octets, phy, encrypted=True) == expected_us


def test_empty_and_plain_pdus() -> None:
    assert pdu_airtime_us(0, Phy.LE_1M) == 80.0  # 10 octets at 8 us
    assert pdu_airtime_us(0, Phy.LE_2M) == 44.0  # 11 octets at 4 us
    assert pdu_airtime_us(27, Phy.LE_1M) == 296.0
    assert pdu_airtime_us(251, Phy.LE_2M) == 1048.0
    # An empty PDU carries no MIC even on an encrypted link.
    assert pdu_airtime_us(0, Phy.LE_1M, encrypted=True) == 80.0
    # Coded S=2: FEC block 1 at S=8 (376 us), the rest at 2 us a bit.
    assert pdu_airtime_us(0, Phy.CODED_S2) == 376.0 + 43 * 2


def test_fast_link_worked_example() -> None:
    # 7.5 ms, 2M, data length 251, MTU 247: a 244-byte notification is one 251-octet PDU,
    # 1048 + 44 + 2 x 150 = 1392 us an exchange, 5 in 7.5 ms, 666.7 a second.
    cap = capacity(7.5, Phy.LE_2M, 251, 244, packets_per_event=6)
    assert cap.pdu_octets == 251 and cap.exchange_us == 1392.0
    assert cap.pdus_per_event == 5
    assert cap.values_per_s == pytest.approx(666.67, abs=0.01)
    assert cap.bytes_per_s == pytest.approx(162_666.7, abs=0.1)


def test_slow_link_worked_example() -> None:
    # 50 ms, 1M, data length 27, MTU 23: a 20-byte notification is one 27-octet PDU,
    # 296 + 80 + 300 = 676 us, 73 would fit 50 ms but the controller stops at 6.
    cap = capacity(50.0, Phy.LE_1M, 27, 20, packets_per_event=6)
    assert cap.exchange_us == 676.0
    assert cap.pdus_per_event == 6
    assert cap.values_per_s == pytest.approx(120.0)
    unlimited = capacity(50.0, Phy.LE_1M, 27, 20)
    assert unlimited.pdus_per_event == 73


def test_fragmented_values_take_several_pdus() -> None:
    # 244 bytes at data length 27: 251 octets of L2CAP in ten PDUs.
    assert ll_pdus_for(247, 27) == 10
    cap = capacity(7.5, Phy.LE_2M, 27, 244)
    assert cap.values_per_s == pytest.approx(cap.pdus_per_s / 10)
    assert exchanges_per_event(7.5, 10_000.0) == 1  # the anchor's exchange always happens


def test_ranges_are_refused_in_words() -> None:
    assert interval_problem(7.5, 4000) is None
    assert "out of the spec's range" in (interval_problem(5, 10) or "")
    assert "1.25" in (interval_problem(8, 10) or "")
    assert "above the maximum" in (interval_problem(30, 15) or "")
    assert latency_problem(500) is not None and latency_problem(0) is None
    assert timeout_problem(4000, 50, 0) is None
    assert "larger than" in (timeout_problem(100, 50, 0) or "")
    assert "multiple of 10" in (timeout_problem(105, 7.5, 0) or "")
    assert data_length_problem(26) is not None and data_length_problem(251) is None
    assert mtu_problem(22) is not None and mtu_problem(517) is None


def test_default_timeout_and_time_limits() -> None:
    assert default_timeout_ms(15, 0) == 4000
    assert default_timeout_ms(4000, 3) == 32000
    assert timeout_problem(default_timeout_ms(1000, 4), 1000, 4) is None
    assert max_octets_in_time(2120, Phy.LE_1M) == 251
    assert max_octets_in_time(2120, Phy.CODED_S8) == 27
    assert Phy.parse("coded") is Phy.CODED_S8 and Phy.parse("2M") is Phy.LE_2M
    with pytest.raises(ValueError, match="unknown PHY"):
        Phy.parse("3m")

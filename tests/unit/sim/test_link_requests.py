"""A device file's [device.link] section (sim/link_requests.py): what a user may ask a
virtual device to request of its central, refused in words when the spec does not allow it."""

from __future__ import annotations

import pytest

from blebench.sim.airtime import Phy
from blebench.sim.link_requests import LinkSectionError, parse_link_section


def test_a_range_with_its_defaults() -> None:
    request = parse_link_section({"request_interval_ms": [30, 45]}, "f.toml, link")
    assert (request.interval_min_ms, request.interval_max_ms) == (30.0, 45.0)
    assert (request.latency, request.timeout_ms, request.after_ms) == (0, 4000.0, 300.0)
    assert request.phy is None and request.data_length is None


def test_phy_and_data_length_alone() -> None:
    request = parse_link_section({"request_phy": "coded-s2", "request_data_length": 100}, "w")
    assert request.interval_min_ms is None
    assert (request.phy, request.data_length) == (Phy.CODED_S2, 100)


@pytest.mark.parametrize(
    ("section", "said"),
    [
        ({"request_interval_ms": 5}, "7.5"),
        ({"request_interval_ms": 30, "request_timeout_ms": 50}, "timeout"),
        ({"request_interval_ms": 30, "request_latency": 600}, "latency"),
        ({"request_data_length": 300}, "request_data_length"),
        ({"request_phy": "3m"}, "request_phy"),
        ({"request_after_ms": 10}, "give request_interval_ms"),
        ({"request_interval_ms": 30, "colour": 1}, "unknown field 'colour'"),
    ],
)
def test_refused_in_words(section: dict[str, object], said: str) -> None:
    with pytest.raises(LinkSectionError) as caught:
        parse_link_section(section, "f.toml, device 1, link")
    assert said in str(caught.value) and str(caught.value).startswith("f.toml, device 1, link")


@pytest.mark.parametrize(("given", "kept"), [(3, 3), (255, 255), ("unlimited", 0)])
def test_the_devices_own_packets_per_event(given: object, kept: int) -> None:
    request = parse_link_section({"packets_per_event": given}, "f.toml, link")
    assert request.packets_per_event == kept
    assert not request.asks  # a limit of its own controller, nothing asked of the central


@pytest.mark.parametrize("given", [0, 256, "many", True, 2.5])
def test_packets_per_event_refused_in_words(given: object) -> None:
    with pytest.raises(LinkSectionError) as caught:
        parse_link_section({"packets_per_event": given}, "f.toml, device 1, link")
    assert "field 'packets_per_event': 1 to 255, or 'unlimited'" in str(caught.value)

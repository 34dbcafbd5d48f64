"""`blebench link` and `blebench throughput` on the virtual world as a firmware developer runs
them (issue 16 items 1, 3): each change reported as the controller and the peer settled it,
values outside the spec refused before connecting, and a fast link carrying what the air
allows, twice what Bumble's default link carries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.cli.clirun import blebench

pytestmark = pytest.mark.slow


def test_link_reports_each_change_as_settled() -> None:
    done = blebench("link", "--sim", "Pulse HRM", "--interval-ms", "30", "--latency", "2",
                    "--phy", "coded-s8", "--mtu", "185", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] and report["address"] == "A0:9E:1A:5C:31:07"
    steps = {s["name"]: s for s in report["steps"]}
    assert steps["connection_parameters"]["settled"]["interval_ms"] == 30.0
    assert steps["connection_parameters"]["settled"]["latency"] == 2
    assert steps["phy"]["settled"] == {"tx_phy": "coded-s8", "rx_phy": "coded-s8"}
    link = report["link"]
    assert (link["interval_ms"], link["latency"], link["tx_phy"], link["mtu"]) == (
        30.0, 2, "coded-s8", 185
    )  # fmt: skip

    words = blebench("link", "--sim", "Pulse HRM", "--data-length", "251")
    assert words.returncode == 0, words.stderr
    assert "Data Length Change: 251 octets out, 251 in" in words.stdout


@pytest.mark.parametrize(
    ("flag", "value", "said"),
    [("--interval-ms", "2", "connection interval 2 ms is out of the spec's range 7.5-4000 ms"),
     ("--data-length", "300", "300"), ("--phy", "3m", "3m")],
)  # fmt: skip
def test_a_value_outside_the_spec_is_refused_in_words(flag: str, value: str, said: str) -> None:
    done = blebench("link", "--sim", "Pulse HRM", flag, value, timeout=30)
    assert done.returncode == 2
    assert said in done.stderr and "Traceback" not in done.stderr
    assert "connected" not in done.stdout  # refused before anything is sent


def run_throughput(*link: str) -> dict[str, object]:
    done = blebench("throughput", "--sim", "UART Bridge", "--duration", "1.5", *link, "--json")
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_a_fast_link_carries_what_the_air_allows() -> None:
    slow = run_throughput()
    fast = run_throughput("--interval-ms", "7.5", "--phy", "2m", "--data-length", "251")
    for result in (slow, fast):
        assert result["mode"] == "notify" and result["uart_bridge"] is True
        ratio = result["ratio_to_spec"]
        assert isinstance(ratio, float) and 0.8 <= ratio <= 1.05, result
    assert fast["link"]["interval_ms"] == 7.5 and fast["link"]["tx_phy"] == "2m"  # type: ignore[index]
    slow_rate, fast_rate = slow["values_per_s"], fast["values_per_s"]
    assert isinstance(slow_rate, float) and isinstance(fast_rate, float)
    assert fast_rate > 1.6 * slow_rate  # 7.5 ms vs Bumble's 15 ms default, 6 packets each


def test_throughput_of_writes_in_words() -> None:
    done = blebench("throughput", "--sim", "UART Bridge", "--mode", "write-without-response",
                    "--size", "100", "--duration", "1", "--interval-ms", "7.5")  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "connection parameters: ok: Connection Update Complete: interval 7.5 ms" in out
    assert "write-without-response on 6e400002-b5a3-f393-e0a9-e50e24dcca9e:" in out
    assert "values/s" in out and "bytes/s" in out and "spec:" in out
    assert "link: interval 7.5 ms" in out


FUSSY_TAG = """
[[device]]
name = "Fussy Tag"
address = "C7:00:00:00:AB:01"
adv = "02 01 06 0a 09 46 75 73 73 79 20 54 61 67"

[device.link]
request_interval_ms = 30
request_after_ms = 200
request_phy = "2m"
request_data_length = 251

[[device.service]]
uuid = "180f"
[[device.service.characteristic]]
uuid = "2a19"
properties = ["read"]
value = "64"
"""
ASKED = "peer: the peer asked for interval 30 ms, latency 0, supervision timeout 4000 ms "
PROCEDURES = {
    "l2cap": "(L2CAP Connection Parameter Update Request): ",
    "link-layer": "(link layer Connection Parameters Request): ",
}


def fussy_tag(tmp_path: Path, procedure: str = "l2cap") -> str:
    path = tmp_path / "fussy.toml"
    path.write_text(
        FUSSY_TAG.replace(
            "request_after_ms", f'request_procedure = "{procedure}"\nrequest_after_ms'
        )
    )
    return str(path)


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_a_peripheral_request_accepted_changes_the_interval(tmp_path: Path, procedure: str) -> None:
    tag = fussy_tag(tmp_path, procedure)
    done = blebench("link", "--sim", "--sim-devices", tag, "Fussy Tag", "--watch", "1")
    assert done.returncode == 0, done.stderr
    accepted = "accepted (peer requests: accept); Connection Update Complete: interval 30 ms"
    assert ASKED + PROCEDURES[procedure] + accepted in done.stdout
    # The PHY and data length updates it starts are the controllers' own: shown as changed.
    assert "peer: the PHY changed to tx 2m, rx 2m without blebench asking" in done.stdout
    assert (
        "peer: the data length changed to 251 octets out, 251 in without blebench asking"
        in done.stdout
    )
    assert (
        "Fussy Tag: interval 30 ms, latency 0, timeout 4000 ms, PHY tx 2m / rx 2m, "
        "data length 251 out / 251 in" in done.stdout
    )


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_a_peripheral_request_refused_keeps_the_interval(tmp_path: Path, procedure: str) -> None:
    tag = fussy_tag(tmp_path, procedure)
    done = blebench("link", "--sim", "--sim-devices", tag, "Fussy Tag", "--watch", "1",
                    "--peer-requests", "refuse")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert ASKED + PROCEDURES[procedure] + "refused (peer requests: refuse" in done.stdout
    assert "the link keeps interval 15 ms" in done.stdout
    assert "Fussy Tag: interval 15 ms" in done.stdout


def test_the_peer_requests_in_json(tmp_path: Path) -> None:
    done = blebench("link", "--sim", "--sim-devices", fussy_tag(tmp_path), "Fussy Tag",
                    "--watch", "1", "--peer-requests", "refuse", "--json")  # fmt: skip
    report = json.loads(done.stdout)
    assert report["peer_requests_policy"] == "refuse"
    outcomes = {event["name"]: event for event in report["peer_requests"]}
    event = outcomes["connection_parameters"]
    assert event["outcome"] == "refused" and event["requested"]["interval_min_ms"] == 30.0
    assert outcomes["phy"]["outcome"] == "changed"
    assert report["link"]["interval_ms"] == 15.0


def test_a_link_section_out_of_the_spec_is_refused_in_words(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(FUSSY_TAG.replace("request_interval_ms = 30", "request_interval_ms = 5"))
    done = blebench("link", "--sim", "--sim-devices", str(path), "Fussy Tag", timeout=30)
    assert done.returncode != 0
    assert "link" in done.stderr and "7.5" in done.stderr and "Traceback" not in done.stderr

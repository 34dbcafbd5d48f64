"""`blebench scan --json` tells each device's measured advertising interval, report count,
PHY, earlier private addresses and when its scan response came (fields added, none
renamed), as a user scripting it reads them."""

from __future__ import annotations

import json

from tests.integration.cli.clirun import blebench


def test_scan_json_has_interval_reports_phy_and_scan_response_time() -> None:
    result = blebench("scan", "--sim", "--seed", "1", "--duration", "3", "--json")
    assert result.returncode == 0, result.stderr
    devices = {d["name"]: d for d in map(json.loads, result.stdout.splitlines()) if d["name"]}
    pulse = devices["Pulse HRM"]  # advertises every 250 ms (+ 0-10 ms advDelay)
    assert 245 <= pulse["adv_interval_ms"] <= 275
    assert pulse["count"] >= 4
    assert pulse["primary_phy"] == "LE 1M" and pulse["secondary_phy"] is None
    assert pulse["previous_addresses"] == []
    assert pulse["scan_response_received"].endswith("Z")  # its name is in the response
    assert 45 <= devices["HID Keyboard"]["adv_interval_ms"] <= 70  # 50 ms
    # The old fields are still there, with their names.
    for field in ("address", "address_type", "connectable", "rssi", "adv", "scan_response",
                  "event_types", "count", "first_seen", "last_seen"):
        assert field in pulse


def test_a_passive_scan_has_no_scan_response_time() -> None:
    result = blebench("scan", "--sim", "--seed", "1", "--duration", "2", "--passive", "--json")
    assert result.returncode == 0, result.stderr
    devices = [json.loads(line) for line in result.stdout.splitlines()]
    assert devices and all(d["scan_response_received"] is None for d in devices)
    assert all(d["primary_phy"] == "LE 1M" for d in devices)

"""Microsoft Connected Devices Platform beacons ([MS-CDP] 2.2.2.2.2, "Bluetooth
Advertising Beacon"): manufacturer data of company 0x0006. Scenario type 1 is the CDP
beacon: version and device type, version and flags, reserved, salt (4), device hash
(16). Scenario type 3 is Swift Pair (Microsoft's "Swift Pair" documentation), named."""

from __future__ import annotations

from typing import Any

from blebench.decode.formats.base import MANUFACTURER_DATA, Context, Format, VendorDecoding, vendor

MICROSOFT = 0x0006

SCENARIOS = {0x01: "Bluetooth (CDP)", 0x03: "Swift Pair"}

# [MS-CDP] device types (low 5 bits of the second byte).
DEVICE_TYPES = {
    1: "Xbox One",
    6: "Apple iPhone",
    7: "Apple iPad",
    8: "Android device",
    9: "Windows 10 Desktop",
    11: "Windows 10 Phone",
    12: "Linux device",
    13: "Windows IoT",
    14: "Surface Hub",
    15: "Windows laptop",
    16: "Windows tablet",
}


def decode_microsoft_cdp(body: bytes) -> VendorDecoding | None:
    """`body` is the manufacturer data after the company id."""
    if not body:
        return None
    scenario = body[0]
    fields: dict[str, Any] = {
        "scenario_type": scenario,
        "scenario": SCENARIOS.get(scenario, f"Unknown (0x{scenario:02x})"),
    }
    note = None
    if scenario == 0x01:
        if len(body) < 8:
            return vendor("microsoft-cdp", fields, "CDP beacon too short")
        device_type = body[1] & 0x1F
        fields.update(
            {
                "version": body[1] >> 5,
                "device_type": device_type,
                "device_type_name": DEVICE_TYPES.get(device_type, f"Unknown ({device_type})"),
                "flags": body[2] & 0x1F,
                "salt": body[4:8].hex(),
                "device_hash": body[8:24].hex(),
            }
        )
        if len(body) < 24:
            note = f"short CDP beacon: device hash has {max(0, len(body) - 8)} of 16 bytes"
    else:
        fields["data"] = body[1:].hex()
    return vendor("microsoft-cdp", fields, note)


def _decode(body: bytes, context: Context) -> VendorDecoding | None:
    return decode_microsoft_cdp(body)


FORMATS = (Format("microsoft-cdp", "Microsoft CDP", MANUFACTURER_DATA, MICROSOFT, _decode),)

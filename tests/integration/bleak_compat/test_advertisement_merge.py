"""BumbleScanner's `AdvertisementData` (the merge of advertising data and scan response)
against bluetooth-data-tools' `parse_advertisement_data`, the parser Home Assistant uses
on every platform: the virtual world's catalogue, and devices made to probe the merge's
corners (names of both kinds in both payloads, one key in both, malformed structures).

One documented difference (README, "Your bleak code on the virtual world"): a service
UUID is listed once, as bleak's OS backends list them; bluetooth-data-tools repeats a
UUID the scan response repeats.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bleak import BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bluetooth_data_tools import parse_advertisement_data

from blebench.backends.extras import raw_advertisement
from blebench.bleak_backend import BumbleScanner, open_radio


def ad(kind: int, body: bytes) -> str:
    return (bytes([len(body) + 1, kind]) + body).hex()


FLAGS = ad(0x01, b"\x06")
# name, address, advertising data, scan response (hex)
CORNERS: list[tuple[str, str, str, str]] = [
    ("short then complete", "C0:00:00:00:10:01", FLAGS + ad(0x08, b"Sho"), ad(0x09, b"Short Name")),
    ("complete then short", "C0:00:00:00:10:02", FLAGS + ad(0x09, b"Complete"), ad(0x08, b"Com")),
    ("two complete", "C0:00:00:00:10:03", FLAGS + ad(0x09, b"First"), ad(0x09, b"Second")),
    (
        "one company twice",
        "C0:00:00:00:10:04",
        FLAGS + ad(0xFF, b"\x4c\x00AA") + ad(0xFF, b"\x06\x00BB"),
        ad(0xFF, b"\x4c\x00CC"),
    ),
    ("tx power", "C0:00:00:00:10:05", FLAGS + ad(0x0A, b"\xf4"), ad(0x0A, b"\x08")),
    (
        "service data",
        "C0:00:00:00:10:06",
        FLAGS + ad(0x16, b"\x0f\x18A") + ad(0x20, b"\x01\x02\x03\x04X"),
        ad(0x16, b"\x0f\x18B") + ad(0x21, bytes(range(16)) + b"Y"),
    ),
    (
        "uuids",
        "C0:00:00:00:10:07",
        FLAGS + ad(0x03, b"\x0f\x18") + ad(0x05, b"\x01\x02\x03\x04"),
        ad(0x03, b"\x0f\x18\x0d\x18") + ad(0x07, bytes(range(16))),
    ),
    ("bad utf-8 name", "C0:00:00:00:10:08", FLAGS + ad(0x09, b"\xff\xfeab"), ""),
    ("short company", "C0:00:00:00:10:09", FLAGS + ad(0xFF, b"\x4c"), ad(0x09, b"x")),
    ("truncated", "C0:00:00:00:10:0A", FLAGS + ad(0x09, b"abcdef")[:-4], ""),
    ("zero padding", "C0:00:00:00:10:0B", "0000" + FLAGS + ad(0x09, b"Pad"), "00"),
]


def corner_devices(path: Path) -> Path:
    lines = []
    for name, address, adv, response in CORNERS:
        lines += ["[[device]]", f'name = "{name}"', f'address = "{address}"', f'adv = "{adv}"']
        if response:
            lines.append(f'scan_response = "{response}"')
    path.write_text("\n".join(lines) + "\n")
    return path


def bdt_view(adv: bytes | None, response: bytes | None) -> tuple[object, ...]:
    parsed = parse_advertisement_data(tuple(p for p in (adv, response) if p))
    uuids = list(dict.fromkeys(parsed.service_uuids))  # the one difference: each UUID once
    return (
        parsed.local_name,
        uuids,
        dict(parsed.service_data),
        dict(parsed.manufacturer_data),
        parsed.tx_power,
    )


def our_view(data: AdvertisementData) -> tuple[object, ...]:
    return (
        data.local_name,
        list(data.service_uuids),
        dict(data.service_data),
        dict(data.manufacturer_data),
        data.tx_power,
    )


Heard = dict[tuple[str, bytes | None, bytes | None], AdvertisementData]


async def heard(bonds: Path, sim_devices: Path | None = None) -> Heard:
    """Every (address, advertising data, scan response) heard in an active scan."""
    found: Heard = {}

    def on_report(device: BLEDevice, data: AdvertisementData) -> None:
        raw = raw_advertisement(data.platform_data)
        assert raw is not None
        found[(device.address, raw.adv, raw.scan_response)] = data

    async with open_radio("sim", bonds=bonds, sim_devices=sim_devices) as radio:
        async with BleakScanner(on_report, backend=BumbleScanner, radio=radio):
            await asyncio.sleep(1.5)
    return found


async def test_the_catalogue_merges_as_bluetooth_data_tools(tmp_path: Path) -> None:
    found = await heard(tmp_path / "bonds.json")
    addresses = {address for address, _adv, _rsp in found}
    assert len(addresses) >= 10  # the catalogue, heard
    assert any(rsp for _a, _adv, rsp in found)  # scan responses among them
    for (address, adv, response), data in found.items():
        assert our_view(data) == bdt_view(adv, response), address


async def test_the_corners_merge_as_bluetooth_data_tools(tmp_path: Path) -> None:
    devices = corner_devices(tmp_path / "corners.toml")
    found = await heard(tmp_path / "bonds.json", devices)
    complete: set[str] = set()
    for (address, adv, response), data in found.items():
        if not address.startswith("C0:00:00:00:10:"):
            continue
        assert our_view(data) == bdt_view(adv, response), address
        if response is not None or address in ("C0:00:00:00:10:08", "C0:00:00:00:10:0A"):
            complete.add(address)
    assert complete == {address for _n, address, _a, _r in CORNERS}  # every corner heard whole
    names = {
        address: data.local_name
        for (address, _adv, response), data in found.items()
        if response is not None
    }
    assert names["C0:00:00:00:10:01"] == "Short Name"
    assert names["C0:00:00:00:10:02"] == "Complete"
    assert names["C0:00:00:00:10:03"] == "Second"

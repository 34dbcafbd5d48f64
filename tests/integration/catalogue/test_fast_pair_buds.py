"""Fast Pair Buds: the model id in the scan as blebench shows it, and the Fast Pair GATT
layout through the session (its handshake refused in words)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

from blebench.session import gatt
from blebench.session.errors import GattOperationError
from blebench.session.manager import SessionManager
from blebench.sim.catalogue.fast_pair_buds import (
    ACCOUNT_KEY,
    KEY_BASED_PAIRING,
    MODEL_ID_CHAR,
    PASSKEY,
    FastPairBuds,
)
from tests.integration.rig import wait_until

SessionWorld = Callable[..., AbstractAsyncContextManager[SessionManager]]
ADDRESS = FastPairBuds.address


async def scanned(session: SessionManager) -> dict[str, Any]:
    """The scan JSON line of the buds (`blebench scan --json`), once a scan response came."""
    await session.start_scan(active=True)

    def heard() -> bool:
        record = session.registry.get(ADDRESS)
        return record is not None and record.scan_response is not None

    await wait_until(heard, timeout=3)
    await session.stop_scan()
    record = session.registry.get(ADDRESS)
    assert record is not None
    line: dict[str, Any] = record.to_json(session.registry.wall_offset)
    return line


async def test_scan_shows_the_model_id_while_discoverable(session_world: SessionWorld) -> None:
    buds = FastPairBuds()
    async with session_world(buds) as session:
        line = await scanned(session)
        await buds.set_discoverable(False)
        session.registry.clear()
        hidden = await scanned(session)
    assert line["name"] == "Fast Pair Buds" and line["connectable"] is True
    [fast_pair] = [v for v in line["vendors"] if v["format"] == "google-fast-pair"]
    assert fast_pair == {
        "format": "google-fast-pair",
        "discoverable": True,
        "model_id": "4b1e7a",
        "source": "adv",
    }
    assert line["tx_power"] == -8
    [hidden_fp] = [v for v in hidden["vendors"] if v["format"] == "google-fast-pair"]
    assert hidden_fp["discoverable"] is False and "model_id" not in hidden_fp


async def test_fast_pair_gatt_layout_and_refused_handshake(session_world: SessionWorld) -> None:
    buds = FastPairBuds()
    async with session_world(buds) as session:
        conn = await session.connections.connect("Fast Pair Buds", timeout=5)
        tree = await gatt.discover(conn)
        [service] = [s for s in tree.services if s.short_uuid == "fe2c"]
        properties = {c.uuid: sorted(c.properties) for c in service.children}
        assert properties == {
            MODEL_ID_CHAR.lower(): ["read"],
            KEY_BASED_PAIRING.lower(): ["notify", "write"],
            PASSKEY.lower(): ["notify", "write"],
            ACCOUNT_KEY.lower(): ["write"],
        }
        assert (await gatt.read(conn, MODEL_ID_CHAR)).data == bytes.fromhex("4b1e7a")
        stream = await gatt.subscribe(conn, session.streams, KEY_BASED_PAIRING)
        for target in (KEY_BASED_PAIRING, PASSKEY, ACCOUNT_KEY):
            with pytest.raises(GattOperationError) as caught:
                await gatt.write(conn, target, bytes(16))
            assert caught.value.code == 0x0E and "Unlikely" in str(caught.value)
            assert caught.value.next_step
        assert buds.refused_writes == 3
        assert conn.is_connected and stream.count == 0  # refused: nothing notified
        firmware = await gatt.read(conn, "2a26")
        assert firmware.decoded["fields"]["text"] == "3.1.4"


@pytest.mark.slow
def test_cli_scan_json_lists_the_new_devices_with_fast_pair_decoded(tmp_path: Path) -> None:
    env = {**os.environ, "BLEBENCH_HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-m", "blebench", "scan", "--sim", "--duration", "1.5", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=True,
    )
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    by_name = {line["name"]: line for line in lines if line["name"]}
    assert {"Thermo Probe", "Flaky Sensor", "Fast Pair Buds"} <= set(by_name)
    vendors = by_name["Fast Pair Buds"]["vendors"]
    assert {"format": "google-fast-pair", "discoverable": True, "model_id": "4b1e7a"}.items() <= (
        vendors[0].items()
    )
    [uuids] = [s["uuids"] for s in by_name["Thermo Probe"]["adv"]["structures"] if "uuids" in s]
    assert [u["name"] for u in uuids] == ["Health Thermometer", "Environmental Sensing"]
    assert by_name["Flaky Sensor"]["connectable"] is True

"""A subscribe the device refuses leaves nothing behind: no stream in the store (so no
empty "closed" row in the Streams pane), no subscription on the connection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from blebench.session import gatt
from blebench.session.errors import GattOperationError
from blebench.sim.catalogue.hid_keyboard import HidKeyboard

pytestmark = pytest.mark.slow


async def test_a_refused_subscribe_keeps_no_stream(session_world: Callable[..., Any]) -> None:
    async with session_world(HidKeyboard()) as session:
        conn = await session.connections.connect("HID Keyboard", timeout=5)
        tree = await gatt.discover(conn)
        # The keyboard's input report: its CCCD needs an encrypted link (not paired yet).
        report = next(c for c in tree.characteristics()
                      if c.short_uuid == "2a4d" and "notify" in c.properties)
        with pytest.raises(GattOperationError) as caught:
            await gatt.subscribe(conn, session.streams, report)
        assert caught.value.code == 0x0F  # Insufficient Encryption, as the README says
        assert session.streams.streams() == []
        assert session.streams.find(conn.address, report.handle) is None
        assert report.handle not in conn.streams and report.handle not in conn.subscribed
        # A subscription that works afterwards is the only stream there is.
        battery = tree.find("2a19")
        stream = await gatt.subscribe(conn, session.streams, battery)
        assert [s.stream_id for s in session.streams.streams()] == [stream.stream_id]

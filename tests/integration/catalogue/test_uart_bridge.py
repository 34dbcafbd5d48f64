"""UART Bridge: replies matched by sequence number inside a telemetry flood."""

from __future__ import annotations

import asyncio
import struct

import pytest
from bumble.core import UUID
from bumble.device import Peer

from blebench.sim.catalogue.uart_bridge import (
    ECHO,
    GET_BATTERY,
    GET_VERSION,
    NAK,
    NUS_RX,
    NUS_TX,
    PING,
    SET_CHATTY,
    TELEMETRY,
    Frame,
    FrameParser,
    UartBridge,
    encode_frame,
)
from tests.integration.rig import RigFactory


class Console:
    """A client that matches replies to requests by (seq, cmd | 0x80)."""

    def __init__(self, peer: Peer) -> None:
        [self.rx] = peer.get_characteristics_by_uuid(UUID(NUS_RX))
        [self.tx] = peer.get_characteristics_by_uuid(UUID(NUS_TX))
        self.peer = peer
        self.parser = FrameParser()
        self.telemetry = 0
        self.waiting: dict[int, asyncio.Future[Frame]] = {}

    async def open(self) -> None:
        await self.peer.subscribe(self.tx, self._on_notification)

    def _on_notification(self, value: bytes) -> None:
        for frame in self.parser.feed(value):
            if frame.cmd == TELEMETRY:
                self.telemetry += 1
            elif frame.seq in self.waiting and not self.waiting[frame.seq].done():
                self.waiting[frame.seq].set_result(frame)

    async def request(self, seq: int, cmd: int, payload: bytes = b"", *, raw: bytes | None = None) -> Frame:
        self.waiting[seq] = asyncio.get_running_loop().create_future()
        data = raw if raw is not None else encode_frame(seq, cmd, payload)
        # Written in pieces of at most 20 bytes, as a UART stream arrives.
        for offset in range(0, len(data), 20):
            await self.rx.write_value(data[offset : offset + 20], with_response=True)
        return await asyncio.wait_for(self.waiting[seq], 2.0)


async def test_requests_answered_by_seq_while_chatty(world: RigFactory) -> None:
    bridge = UartBridge(chatty_hz=1000)
    rig = await world(bridge)
    _, peer = await rig.connect(bridge)
    console = Console(peer)
    await console.open()
    async with asyncio.timeout(10):  # the flood is on before the first request
        while console.telemetry < 20:
            await asyncio.sleep(0.005)
    before = console.telemetry

    ping = await console.request(17, PING)
    assert (ping.seq, ping.cmd, ping.payload, ping.valid) == (17, PING | 0x80, b"", True)
    version = await console.request(18, GET_VERSION)
    assert version.cmd == GET_VERSION | 0x80 and version.payload[:3] == bytes([1, 4, 2])
    battery = await console.request(19, GET_BATTERY)
    percent, millivolts = struct.unpack("<BH", battery.payload)
    assert 0 <= percent <= 100 and 3000 < millivolts < 4300
    payload = bytes(range(60))  # longer than one notification: split and reassembled
    echo = await console.request(20, ECHO, payload)
    assert (echo.seq, echo.cmd, echo.payload) == (20, ECHO | 0x80, payload)

    assert console.telemetry > before, "telemetry frames came in between the replies"
    assert console.parser.skipped == 0


async def test_chatty_toggled_by_protocol_command(world: RigFactory) -> None:
    bridge = UartBridge()
    rig = await world(bridge)
    _, peer = await rig.connect(bridge)
    console = Console(peer)
    await console.open()
    reply = await console.request(1, SET_CHATTY, struct.pack("<H", 2000))
    assert reply.payload == struct.pack("<H", 2000)
    assert bridge.chatty_hz == 2000
    async with asyncio.timeout(10):
        while console.telemetry < 50:
            await asyncio.sleep(0.01)
    reply = await console.request(2, SET_CHATTY, struct.pack("<H", 0))
    assert (reply.seq, reply.cmd, reply.payload) == (2, SET_CHATTY | 0x80, struct.pack("<H", 0))
    assert bridge.chatty_hz is None


async def test_bad_frames_get_a_nak(world: RigFactory) -> None:
    bridge = UartBridge()
    rig = await world(bridge)
    _, peer = await rig.connect(bridge)
    console = Console(peer)
    await console.open()
    unknown = await console.request(5, 0x33)
    assert (unknown.cmd, unknown.payload) == (NAK, bytes([0x33, 0x01]))
    corrupted = bytearray(encode_frame(6, PING))
    corrupted[-1] ^= 0xFF
    bad = await console.request(6, PING, raw=b"\x00\x13" + bytes(corrupted))  # noise first
    assert (bad.cmd, bad.payload) == (NAK, bytes([PING, 0x02]))


def test_set_chatty_validates_rate() -> None:
    bridge = UartBridge()
    bridge.set_chatty(250.0)
    assert bridge.chatty_hz == 250.0
    bridge.set_chatty(None)
    assert bridge.chatty_hz is None
    with pytest.raises(ValueError, match="chatty rate"):
        bridge.set_chatty(-1)
    with pytest.raises(ValueError):
        bridge.set_chatty(float("nan"))


def test_parser_reassembles_frames_split_anywhere() -> None:
    stream = encode_frame(1, PING) + b"\xff" + encode_frame(2, ECHO, b"abc")
    parser = FrameParser()
    frames = [f for byte in stream for f in parser.feed(bytes([byte]))]
    assert [(f.seq, f.cmd, f.payload) for f in frames] == [(1, PING, b""), (2, ECHO, b"abc")]
    assert parser.skipped == 1

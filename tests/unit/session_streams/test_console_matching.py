"""Request/response matching: the reply is found among unrelated traffic (field note 002)."""

from __future__ import annotations

import asyncio

import pytest

from blebench.session.console import (
    MatchSpecError,
    PrefixMatch,
    RegexMatch,
    ReplyMatcher,
    RequestConsole,
    SeqMatch,
    parse_match,
)
from blebench.session.streams import StreamStore

UART_TX = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"


def test_parse_match_forms() -> None:
    assert parse_match("prefix:55 ab") == PrefixMatch(b"\x55\xab")
    assert parse_match("seq:3") == SeqMatch(3, 1, None)
    assert parse_match("seq:3:2:5") == SeqMatch(3, 2, 5)
    assert parse_match("seq:4=0A0B") == SeqMatch(4, 2, value=b"\x0a\x0b")
    assert isinstance(parse_match("re:^55AB..03"), RegexMatch)


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("55ab", "write prefix:HEX"),
        ("prefix:5g", "not hex"),
        ("prefix:", "empty"),
        ("seq:x", "offset 'x' is not a number"),
        ("seq:1:9", "width must be 1 to 8"),
        ("re:[", "unterminated"),
        ("magic:1", "unknown match kind"),
    ],
)
def test_bad_match_specs_say_why(spec: str, words: str) -> None:
    with pytest.raises(MatchSpecError, match=words):
        parse_match(spec)


def test_sequence_number_echo() -> None:
    m = ReplyMatcher((PrefixMatch(b"\x55\xab"), SeqMatch(3)))
    request = bytes.fromhex("55aa032001100e")
    assert m.matches(request, bytes.fromhex("55ab0320aa"))
    assert not m.matches(request, bytes.fromhex("55ab0321aa"))  # someone else's frame
    assert not m.matches(request, bytes.fromhex("55ab03"))  # too short
    assert ReplyMatcher().matches(request, b"")  # no parts: the first notification


async def test_request_gets_its_reply_while_a_flood_goes_on() -> None:
    store = StreamStore()
    stream = store.open("AA:BB:CC:DD:EE:01", 0x20, UART_TX)
    flooding = True

    async def flood() -> None:
        i = 0
        while flooding:
            stream.push(bytes([0x55, 0xAB, 0x06, i & 0xFF, 0x00]))  # unrelated dashboard frames
            i += 1
            await asyncio.sleep(0)

    async def write(request: bytes) -> None:
        async def reply_later() -> None:
            await asyncio.sleep(0.01)
            stream.push(bytes([0x55, 0xAB, 0x03, request[3], 0x42]))

        asyncio.get_running_loop().create_task(reply_later())

    flooder = asyncio.create_task(flood())
    console = RequestConsole(write, stream, transcript_size=1_000_000)
    try:
        await asyncio.sleep(0.005)
        matcher = ReplyMatcher.parse(["prefix:55ab03", "seq:3"])
        exchange = await console.request(bytes([0x55, 0xAA, 0x03, 0x77]), matcher, timeout=2)
        assert exchange.ok and exchange.reply is not None
        assert exchange.reply.data == bytes([0x55, 0xAB, 0x03, 0x77, 0x42])
        assert exchange.unrelated > 0
        timeout = await console.request(b"\x55\xaa\x03\x01", ReplyMatcher.parse(["prefix:ff"]), timeout=0.05)
        assert timeout.timed_out and timeout.reply is None
    finally:
        flooding = False
        await flooder
        console.close()
    kinds = {e.kind for e in console.transcript}
    assert kinds == {"request", "reply", "other"}
    # The flood stayed logged in the store too.
    assert stream.count > 10

"""The stream store: bounded rings, counters, cursors, filters and exports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any

import pytest

from blebench.session.export import export_csv, export_jsonl, iter_jsonl
from blebench.session.filters import FieldCondition, FilterError, SampleFilter
from blebench.session.streams import StreamCursor, StreamStore

HR = "00002a37-0000-1000-8000-00805f9b34fb"
MS = 1_000_000


def hr_decoder(uuid: str, data: bytes) -> Mapping[str, Any] | None:
    if uuid != HR or len(data) != 2:
        return None
    return {"heart_rate": {"value": data[1], "unit": "bpm"}, "contact": bool(data[0] & 2)}


def test_ring_is_bounded_and_reader_learns_what_it_missed() -> None:
    store = StreamStore(capacity=100)
    stream = store.open("AA:BB:CC:DD:EE:01", 0x10, HR)
    for i in range(1000):
        stream.push(bytes([0, i % 256]))
    assert stream.count == 1000
    batch = store.pull(StreamCursor())
    assert len(batch.samples) == 100
    assert [s.seq for s in batch.samples] == list(range(901, 1001))
    assert batch.missed == {stream.stream_id: 900}
    assert stream.stats().evicted == 900
    # A reader that keeps up misses nothing.
    for i in range(10):
        stream.push(bytes([1, i]))
    nxt = store.pull(batch.cursor)
    assert [s.data for s in nxt.samples] == [bytes([1, i]) for i in range(10)]
    assert nxt.missed == {}


def test_pull_merges_streams_in_time_order_and_cursor_now_skips_history() -> None:
    store = StreamStore()
    a = store.open("AA:BB:CC:DD:EE:01", 0x10, HR)
    b = store.open("AA:BB:CC:DD:EE:01", 0x20, "6e400003-b5a3-f393-e0a9-e50e24dcca9e")
    a.push(b"old", mono_ns=1 * MS)
    cursor = store.cursor_now()
    a.push(b"a1", mono_ns=10 * MS)
    b.push(b"b1", mono_ns=11 * MS)
    a.push(b"a2", mono_ns=12 * MS)
    batch = store.pull(cursor)
    assert [s.data for s in batch.samples] == [b"a1", b"b1", b"a2"]
    assert [s.handle for s in batch.samples] == [0x10, 0x20, 0x10]
    assert batch.samples[0].t_mono_ms == 10.0
    assert store.pull(batch.cursor).samples == []


def test_open_twice_gives_the_same_active_stream() -> None:
    store = StreamStore()
    s1 = store.open("AA:BB:CC:DD:EE:01", 0x10, HR)
    assert store.open("AA:BB:CC:DD:EE:01", 0x10, HR) is s1
    store.close(s1.stream_id)
    assert store.open("AA:BB:CC:DD:EE:01", 0x10, HR) is not s1


def test_pause_counts_but_does_not_store_and_taps_still_run() -> None:
    store = StreamStore()
    stream = store.open("AA:BB:CC:DD:EE:01", 0x10, HR)
    tapped: list[bytes] = []
    stream.add_tap(lambda _s, raw: tapped.append(raw[3]))
    stream.push(b"\x00\x01")
    stream.paused = True
    stream.push(b"\x00\x02")
    stream.push(b"\x00\x03")
    stream.paused = False
    stream.push(b"\x00\x04")
    batch = store.pull()
    assert [s.data for s in batch.samples] == [b"\x00\x01", b"\x00\x04"]
    assert batch.missed == {}  # paused samples are skipped on purpose, not missed
    stats = stream.stats()
    assert (stats.count, stats.skipped_paused, stats.stored) == (4, 2, 2)
    assert len(tapped) == 4


def test_gaps_are_silences_much_longer_than_the_usual_interval() -> None:
    store = StreamStore()
    stream = store.open("AA:BB:CC:DD:EE:01", 0x10, HR)
    t = 0
    for _ in range(20):
        t += 10 * MS
        stream.push(b"x", mono_ns=t)
    assert stream.gaps == 0
    t += 500 * MS
    stream.push(b"x", mono_ns=t)
    for _ in range(5):
        t += 10 * MS
        stream.push(b"x", mono_ns=t)
    stats = stream.stats()
    assert stats.gaps == 1
    assert stats.longest_gap_ms == pytest.approx(500.0)


def test_rate_counts_the_last_second() -> None:
    store = StreamStore()
    stream = store.open("AA:BB:CC:DD:EE:01", 0x10, HR)
    base = 1 << 40
    for i in range(2000):  # 2 s at 1 kHz
        stream.push(b"x", mono_ns=base + i * MS)
    rate = stream.rate_hz(now_ns=base + 2000 * MS)
    assert 900 <= rate <= 1100
    assert stream.rate_hz(now_ns=base + 10_000 * MS) == 0.0


def test_filters_hex_prefix_regex_and_decoded_field() -> None:
    store = StreamStore(decoder=hr_decoder)
    stream = store.open("AA:BB:CC:DD:EE:01", 0x10, HR)
    for bpm in (60, 90, 120, 150):
        stream.push(bytes([0x06, bpm]))
    stream.push(b"\x55\xab\x01")
    high = store.pull(sample_filter=SampleFilter.parse("heart_rate > 100"))
    assert [s.data[1] for s in high.samples] == [120, 150]
    assert high.filtered_out == 3
    assert [s.data for s in store.pull(sample_filter=SampleFilter.parse("prefix:55 AB")).samples] == [
        b"\x55\xab\x01"
    ]
    assert len(store.pull(sample_filter=SampleFilter.parse("re:^06(5a|78)$")).samples) == 2
    assert len(store.pull(sample_filter=SampleFilter.parse("contact == true")).samples) == 4
    stream.filter = SampleFilter.parse("hex:06")
    assert len(store.pull().samples) == 4


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("prefix:5x", "'x' at position 2"),
        ("prefix:abc", "odd number"),
        ("re:(", "regex"),
        ("heart rate > 3", "FIELD OP VALUE"),
    ],
)
def test_bad_filters_say_what_is_wrong(spec: str, words: str) -> None:
    with pytest.raises(FilterError, match=words):
        SampleFilter.parse(spec)


def test_field_condition_types() -> None:
    assert FieldCondition.parse("x>=0x10").matches({"x": 16})
    assert not FieldCondition.parse("x<1.5").matches({"x": "text"})
    assert FieldCondition.parse("name~ABC").matches({"name": "xabcx"})
    assert not FieldCondition.parse("a.b==1").matches({"a": 1})


def test_exports_have_ms_timestamps_and_decoded_fields() -> None:
    store = StreamStore(decoder=hr_decoder)
    stream = store.open("AA:BB:CC:DD:EE:01", 0x10, HR, name="Heart Rate Measurement")
    stream.push(b"\x06\x48")
    stream.push(b"\x00")  # undecodable: decoded is null, the sample stays
    out = io.StringIO()
    assert export_jsonl(store, out) == 2
    rows = list(iter_jsonl(out.getvalue()))
    assert rows[0]["hex"] == "0648"
    assert rows[0]["decoded"]["heart_rate"] == {"value": 72, "unit": "bpm"}
    assert rows[1]["decoded"] is None
    assert rows[0]["t_wall_ms"] > 1.6e12 and rows[0]["handle"] == 0x10
    csv_out = io.StringIO()
    export_csv(store, csv_out)
    lines = csv_out.getvalue().splitlines()
    assert lines[0].startswith("t_wall_ms,t_mono_ms,address,handle,uuid")
    assert len(lines) == 3
    rows_csv = list(csv.DictReader(io.StringIO(csv_out.getvalue())))
    assert json.loads(rows_csv[0]["decoded"])["contact"] is True
    # One column per decoded field beside the JSON one (a {value, unit} field as two).
    assert rows_csv[0]["decoded.heart_rate.value"] == "72"
    assert rows_csv[0]["decoded.heart_rate.unit"] == "bpm"
    assert rows_csv[0]["decoded.contact"] == "True"
    assert rows_csv[1]["decoded"] == "" and rows_csv[1]["decoded.heart_rate.value"] == ""


def test_a_broken_decoder_does_not_break_reading() -> None:
    def bad(_uuid: str, _data: bytes) -> Mapping[str, Any] | None:
        raise RuntimeError("bug")

    store = StreamStore(decoder=bad)
    store.open("AA:BB:CC:DD:EE:01", 0x10, HR).push(b"\x01")
    sample = store.pull().samples[0]
    assert store.decoded(sample) is None

"""Values on a schedule and replies to writes: what a user-defined characteristic does."""

from __future__ import annotations

import math

import pytest

from blebench.sim.behaviours import (
    Expression,
    ReplyRule,
    TemplateError,
    ValueSource,
    check_template,
    encode_number,
    render,
)


def numbers(source: ValueSource, count: int, fmt: str = "uint8") -> list[int]:
    size = {"uint8": 1, "sint16": 2}[fmt]
    return [int.from_bytes(source.next()[:size], "little", signed=fmt.startswith("s"))
            for _ in range(count)]


def test_a_sequence_cycles_in_order() -> None:
    source = ValueSource(values=(b"\x01", b"\x02\x03"))
    assert [source.next() for _ in range(5)] == [b"\x01", b"\x02\x03", b"\x01", b"\x02\x03",
                                                  b"\x01"]


def test_a_counter_counts_by_step_and_wraps_to_min() -> None:
    source = ValueSource(expression=Expression("counter", 10, 16, step=3, start=13))
    assert numbers(source, 5) == [13, 16, 10, 13, 16]


def test_a_ramp_climbs_over_its_period_then_starts_again() -> None:
    source = ValueSource(expression=Expression("ramp", 0, 100, period_s=1.0), interval_s=0.25)
    assert numbers(source, 6) == [0, 25, 50, 75, 0, 25]


def test_a_sine_stays_within_its_bounds_with_prefix_and_suffix() -> None:
    expression = Expression("sine", -50, 50, period_s=1.0, fmt="sint16", prefix=b"\xaa",
                            suffix=b"\xbb")
    source = ValueSource(expression=expression, interval_s=0.25)
    values = [source.next() for _ in range(4)]
    assert all(v[0] == 0xAA and v[-1] == 0xBB and len(v) == 4 for v in values)
    got = [int.from_bytes(v[1:3], "little", signed=True) for v in values]
    assert got == [0, 50, 0, -50]


def test_a_random_walk_is_bounded_and_the_same_for_the_same_seed() -> None:
    def walk(seed: int) -> list[int]:
        source = ValueSource(expression=Expression("random-walk", 40, 60, step=5, start=50),
                             seed=seed)
        return numbers(source, 200)

    first = walk(1)
    assert first[0] == 50 and all(40 <= n <= 60 for n in first)
    assert all(abs(a - b) <= 5 for a, b in zip(first, first[1:], strict=False))
    assert first == walk(1) and first != walk(2)


def test_numbers_are_little_endian_and_clamped_to_their_format() -> None:
    assert encode_number(0x1234, "uint16") == b"\x34\x12"
    assert encode_number(300, "uint8") == b"\xff" and encode_number(-1, "uint8") == b"\x00"
    assert encode_number(-2, "sint16") == b"\xfe\xff"
    assert math.isclose(float.fromhex("0x1.8p0"), 1.5)
    assert encode_number(1.5, "float32") == b"\x00\x00\xc0\x3f"


def test_templates_copy_bytes_of_the_request() -> None:
    request = bytes.fromhex("55aa0207")
    assert render("81 {1:3}", request) == bytes.fromhex("81aa02")
    assert render("{all}00", request) == request + b"\x00"
    assert render("{3}{0}", request) == b"\x07\x55"
    assert render("{2:}", request) == b"\x02\x07"
    assert render("{9}", request) == b""  # missing bytes give nothing


@pytest.mark.parametrize(
    ("template", "words"),
    [("81 {x}", "{x} is not"), ("8", "odd number"), ("zz", "not hex"), ("81 {1", "unmatched")],
)
def test_a_bad_template_says_what_is_wrong(template: str, words: str) -> None:
    with pytest.raises(TemplateError, match=words):
        check_template(template)


def test_replies_echo_or_the_first_matching_prefix_else_the_default() -> None:
    assert ReplyRule(echo=True).reply(b"\x01\x02") == b"\x01\x02"
    table = ReplyRule(default="ee", table=((b"\x01", "81"), (b"\x01\x02", "never")))
    assert table.reply(b"\x01\x02") == b"\x81" and table.reply(b"\x09") == b"\xee"
    assert ReplyRule(table=((b"\x01", "81"),)).reply(b"\x02") is None

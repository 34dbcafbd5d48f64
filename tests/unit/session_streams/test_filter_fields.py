"""A filter that can never match is refused at once, in words, naming the known fields
(a typo like `heart_rate_bmp` used to wait forever)."""

from __future__ import annotations

import pytest

from blebench.session.errors import FilterError
from blebench.session.filters import SampleFilter, check_fields, known_fields


def test_a_field_typo_is_refused_with_the_fields_and_a_guess() -> None:
    spec = SampleFilter.parse("heart_rate_bmp>60")
    with pytest.raises(FilterError) as caught:
        check_fields(spec, "2a37", "2a37 (Heart Rate Measurement)")
    text = str(caught.value)
    assert "no field 'heart_rate_bmp'" in text and "did you mean 'heart_rate_bpm'" in text
    assert "heart_rate_bpm" in text.split("its fields: ")[1]
    assert "rr_intervals_s" in text and "sensor_contact" in text


def test_known_fields_pass_and_so_do_values_known_only_per_stream() -> None:
    check_fields(SampleFilter.parse("heart_rate_bpm>60"), "2a37")
    check_fields(SampleFilter.parse("error~odd"), "00002a37-0000-1000-8000-00805f9b34fb")
    check_fields(SampleFilter.parse("prefix:11"), "2a37")  # no field named: nothing to check
    check_fields(None, "2a37")
    assert known_fields("2a4d") is None  # a HID report: keys, decoded per stream
    check_fields(SampleFilter.parse("text~hello"), "2a4d")


def test_values_without_a_decoder_have_no_fields_to_filter_on() -> None:
    with pytest.raises(FilterError, match="not decoded into fields.*prefix:HEX or re:REGEX"):
        check_fields(SampleFilter.parse("x>1"), "6e400003-b5a3-f393-e0a9-e50e24dcca9e")


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("heart_rate_bpm>>100", "'>>' is not an operator"),
        ("heart_rate_bpm=>100", "'=>' is not an operator"),
        ("heart_rate_bpm<=<3", "'<=<' is not an operator"),
        ("heart_rate_bpm>abc", "> compares numbers, and 'abc' is not one"),
        ("sensor_contact<true", "< compares numbers"),
    ],
)
def test_a_malformed_operator_or_operand_is_refused(spec: str, words: str) -> None:
    with pytest.raises(FilterError, match=words.replace("(", r"\(")):
        SampleFilter.parse(spec)


def test_text_and_equality_still_work() -> None:
    spec = SampleFilter.parse("sensor_contact~detect")
    assert spec.matches(b"", lambda: {"sensor_contact": "detected"})
    assert SampleFilter.parse("heart_rate_bpm==72").matches(b"", lambda: {"heart_rate_bpm": 72})

"""`blebench notify --csv` as a spreadsheet user opens it: one column per decoded field
beside the JSON column (review 2.7: plotting bpm needed unpacking a JSON string), the
decoder's error in its own column, and a field the first frame lacked still has one (the
Flaky Sensor's first frame has no bpm byte)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.integration.cli.clirun import blebench

pytestmark = pytest.mark.slow


def test_notify_csv_has_a_column_per_decoded_field() -> None:
    done = blebench("notify", "--sim", "Flaky Sensor", "2a37", "--count", "3", "--csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 3
    for row in rows:
        decoded = json.loads(row["decoded"])
        # The columns say what the JSON column says.
        assert row["decoded.flags"] == str(decoded["flags"])
        assert row["decoded.heart_rate_bpm"] == str(decoded.get("heart_rate_bpm", ""))
        assert row["decoded.error"] == decoded["error"]  # every frame of it is malformed
    assert rows[0]["decoded.heart_rate_bpm"] == ""  # the bpm byte is missing
    assert any(row["decoded.heart_rate_bpm"] == "72" for row in rows[1:])

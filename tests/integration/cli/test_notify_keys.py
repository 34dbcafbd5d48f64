"""The virtual HID Keyboard from the command line, as a new user meets it: `blebench pair`
bonds (Just Works, stdin closed), then `blebench notify` on the keyboard's input report
shows each report as the keys it holds, in text, JSON Lines and CSV, the same fields the
TUI's Streams log shows (`keys=H, text=h`): the session decodes the stream, not a pane.
Then the session's own export of the same stream, in both formats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from blebench.session import export
from blebench.session.manager import SessionManager, SessionSettings
from tests.integration.cli.clirun import blebench
from tests.integration.rig import wait_until

pytestmark = pytest.mark.slow

KEYBOARD = "HID Keyboard"
INPUT_REPORT = "0x0014"  # the keyboard's Report (Report Reference: id 1, input)
# "hello blebench⏎" typed as key-down, key-up reports: the first eight.
FIRST_KEYS = ["H", "none", "E", "none", "L", "none", "L", "none"]


def _pair() -> None:
    paired = blebench("pair", "--sim", KEYBOARD, "--io", "no-input-no-output", "--bond")
    assert paired.returncode == 0, paired.stderr
    assert "bonded" in paired.stdout


def test_notify_shows_the_typed_keys_in_text_json_and_csv(tmp_path: Path) -> None:
    _pair()
    text = blebench("notify", "--sim", KEYBOARD, INPUT_REPORT, "--count", "8")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert len(lines) == 8
    assert lines[0].endswith("00000b0000000000  keys=H, text=h"), lines[0]
    assert lines[1].endswith("keys=none")
    assert lines[2].endswith("keys=E, text=e")

    as_json = blebench("notify", "--sim", KEYBOARD, INPUT_REPORT, "--count", "30", "--json")
    assert as_json.returncode == 0, as_json.stderr
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [r["decoded"]["keys"] for r in records[:8]] == FIRST_KEYS
    typed = "".join(r["decoded"].get("text", "") for r in records)
    assert typed == "hello␣blebench⏎"

    out = tmp_path / "keys.csv"
    as_csv = blebench(
        "notify", "--sim", KEYBOARD, INPUT_REPORT, "--count", "4", "--csv", "--out", str(out)
    )
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert [json.loads(row["decoded"]) for row in rows] == [
        {"keys": "H", "text": "h"},
        {"keys": "none"},
        {"keys": "E", "text": "e"},
        {"keys": "none"},
    ]


def test_without_a_bond_the_report_is_refused_in_words() -> None:
    refused = blebench("notify", "--sim", KEYBOARD, INPUT_REPORT, "--count", "1")
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert "Insufficient" in refused.stderr


async def test_the_session_exports_the_keys_it_shows(tmp_path: Path) -> None:
    _pair()  # the bond is in BLEBENCH_HOME, where this session reads it
    settings = SessionSettings(sim=True)
    async with await SessionManager.open(settings) as session:
        info = await session.connect(KEYBOARD, timeout=10)
        await session.discover(info.address)
        stream = await session.subscribe(info.address, INPUT_REPORT)
        await wait_until(lambda: stream.count >= 30, timeout=10)
        context = session.hid(info.address)
        assert context is not None
        keyboard = context.keyboards[stream.handle]
        keyboard.catch_up(session.streams)
        assert keyboard.text == "hello blebench\n"

        jsonl = tmp_path / "streams.jsonl"
        assert session.export(jsonl, "jsonl") >= 30
        records = list(export.iter_jsonl(jsonl.read_text(encoding="utf-8")))
        assert [r["decoded"]["keys"] for r in records[:8]] == FIRST_KEYS

        buf = io.StringIO()
        export.export_csv(session.streams, buf, stream_ids=[stream.stream_id])
        rows = list(csv.DictReader(buf.getvalue().splitlines()))
        assert json.loads(rows[0]["decoded"]) == {"keys": "H", "text": "h"}
        await session.unsubscribe(info.address, INPUT_REPORT)

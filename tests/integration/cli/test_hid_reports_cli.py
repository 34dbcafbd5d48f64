"""`blebench hid --report`, as a user decoding one report after another meets it: the
report map's one-line summary and the decoded reports, not the whole item listing again
each time (review 4.13); `--items` brings the listing back."""

from __future__ import annotations

from pathlib import Path

from tests.integration.cli.clirun import blebench

KEYBOARD = Path(__file__).parents[2] / "data" / "hid" / "boot_keyboard.hex"


def test_report_decodes_without_the_listing_and_items_brings_it_back() -> None:
    done = blebench("hid", "--file", str(KEYBOARD), "--report", "02 00 0b 0c 00 00 00 00")
    assert done.returncode == 0, done.stderr
    first, *rest = done.stdout.splitlines()
    assert first.endswith("items: Keyboard: input 64 bits; output 8 bits (--items lists them)")
    assert "text: 'HI'" in done.stdout
    assert "Usage Page" not in done.stdout
    listed = blebench("hid", "--file", str(KEYBOARD), "--items", "--report", "020000000b0c00")
    assert listed.returncode == 0, listed.stderr
    assert "Usage Page (Generic Desktop)" in listed.stdout and "report 02 00" in listed.stdout

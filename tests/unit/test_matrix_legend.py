"""`blebench matrix` says what its columns mean, under the table and in --help."""

from __future__ import annotations

import pytest

from blebench.cli import build_parser, main


def test_the_table_ends_with_a_legend_of_its_columns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "--initiator-io", "keyboard-only", "--responder-io", "display-only",
                 "--mitm", "--sc"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    header = out.splitlines()[0].split()
    legend = out[out.index("Columns:"):]
    for column in ("MSO", "pairing", "method", "shows/types", "auth", "lvl", "result"):
        assert column in header
        assert f"\n  {column}" in legend or f"  {column} " in legend, column
    assert "M MITM, S Secure Connections" in legend
    assert "4 authenticated LE Secure Connections" in legend


def test_help_has_the_legend_too() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")  # noqa: SLF001
    text = sub.choices["matrix"].format_help()  # type: ignore[attr-defined]
    assert "Columns:" in text and "O OOB data present" in text
